// Times as the API shows and accepts them: nanoseconds since the epoch, or
// ISO-8601.
#include <cctype>
#include <cstdio>
#include <ctime>
#include <string>

#include "flock/trace_reader.hpp"
#include "storage/time_text.hpp"

namespace flockcpp {

std::string iso8601_ns(std::int64_t ns) {
  std::time_t secs = static_cast<std::time_t>(ns / 1000000000);
  std::int64_t frac = ns % 1000000000;
  if (frac < 0) {
    frac += 1000000000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(frac / 1000));
  return buf;
}

namespace detail {

std::optional<std::int64_t> parse_time_ns(const std::string& text) {
  if (text.empty()) return std::nullopt;
  bool digits = text.find_first_not_of("0123456789") == std::string::npos;
  if (digits) {
    if (text.size() > 19) return std::nullopt;
    try {
      return std::stoll(text);
    } catch (...) {
      return std::nullopt;
    }
  }
  // YYYY-MM-DD[THH:MM[:SS[.fraction]]][Z|+HH:MM|-HH:MM]
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &consumed) != 3 || consumed != 10) return std::nullopt;
  std::size_t pos = 10;
  std::int64_t frac_ns = 0;
  if (pos < text.size() && (text[pos] == 'T' || text[pos] == ' ')) {
    int c2 = 0;
    if (std::sscanf(text.c_str() + pos + 1, "%2d:%2d%n", &h, &mi, &c2) != 2 || c2 != 5) return std::nullopt;
    pos += 1 + 5;
    if (pos < text.size() && text[pos] == ':') {
      int c3 = 0;
      if (std::sscanf(text.c_str() + pos + 1, "%2d%n", &s, &c3) != 1 || c3 != 2) return std::nullopt;
      pos += 3;
      if (pos < text.size() && text[pos] == '.') {
        ++pos;
        std::int64_t scale = 100000000;
        while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
          frac_ns += (text[pos] - '0') * scale;
          scale /= 10;
          ++pos;
        }
      }
    }
  }
  std::int64_t offset_s = 0;
  if (pos < text.size()) {
    if (text[pos] == 'Z' && pos + 1 == text.size()) {
      ++pos;
    } else if ((text[pos] == '+' || text[pos] == '-') && text.size() - pos == 6 && text[pos + 3] == ':') {
      int oh = 0, om = 0;
      if (std::sscanf(text.c_str() + pos + 1, "%2d:%2d", &oh, &om) != 2) return std::nullopt;
      offset_s = (oh * 3600 + om * 60) * (text[pos] == '+' ? 1 : -1);
      pos = text.size();
    } else {
      return std::nullopt;
    }
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  // Nanoseconds since the epoch fit in 64 bits from 1678 to 2261.
  if (y < 1678 || y > 2261) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  std::int64_t secs = static_cast<std::int64_t>(timegm(&tm)) - offset_s;
  return secs * 1000000000 + frac_ns;
}

}  // namespace detail
}  // namespace flockcpp

#include "tracing/env_util.hpp"
#include "common/log.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <string>
#include <cstdio>
#include <cstdlib>

namespace flockcpp::detail {

const char* env_value(const char* name) {
  const char* v = std::getenv(name);
  return (v != nullptr && *v != '\0') ? v : nullptr;
}

void warn_env(const char* name, const char* value, const char* expected) {
  detail::logf(LogLevel::Warning, "ignoring %s=\"%s\": expected %s; using the default", name, value, expected);
}

std::string trim_spaces(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

std::string trim_lower(std::string_view s) {
  std::string out = trim_spaces(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string percent_decode(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() + 0 && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

namespace {
bool valid_percent_encoding(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') continue;
    if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      return false;
    }
    i += 2;
  }
  return true;
}
}  // namespace

std::vector<std::pair<std::string, std::string>> parse_key_values(std::string_view text, int& malformed) {
  std::vector<std::pair<std::string, std::string>> out;
  malformed = 0;
  while (!text.empty()) {
    auto comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (trim_spaces(item).empty()) continue;
    auto eq = item.find('=');
    std::string key = eq == std::string_view::npos ? "" : trim_spaces(item.substr(0, eq));
    if (key.empty() || !valid_percent_encoding(item)) {
      ++malformed;
      continue;
    }
    out.emplace_back(percent_decode(key), percent_decode(trim_spaces(item.substr(eq + 1))));
  }
  return out;
}

void read_env_bool(const char* name, bool& out) {
  const char* v = env_value(name);
  if (v == nullptr) return;
  std::string s = trim_lower(v);
  if (s == "true" || s == "1" || s == "yes" || s == "on") {
    out = true;
  } else if (s == "false" || s == "0" || s == "no" || s == "off") {
    out = false;
  } else {
    warn_env(name, v, "true or false");
  }
}

bool read_env_uint(const char* name, unsigned long long& out, unsigned long long min_value,
                   unsigned long long max_value) {
  const char* v = env_value(name);
  if (v == nullptr) return false;
  std::string s = trim_spaces(v);
  unsigned long long n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || n < min_value || n > max_value) {
    std::string expected = "an integer from " + std::to_string(min_value) + " to " + std::to_string(max_value);
    warn_env(name, v, expected.c_str());
    return false;
  }
  out = n;
  return true;
}

bool read_env_double(const char* name, double& out, double min_value, double max_value) {
  const char* v = env_value(name);
  if (v == nullptr) return false;
  std::string s = trim_spaces(v);
  double d = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(d) || d < min_value ||
      d > max_value) {
    char expected[96];
    std::snprintf(expected, sizeof expected, "a number from %g to %g", min_value, max_value);
    warn_env(name, v, expected);
    return false;
  }
  out = d;
  return true;
}

}  // namespace flockcpp::detail

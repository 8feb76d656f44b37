#include "common/json_parse.hpp"
#include "server/http_params.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>

#include "flock/error.hpp"
#include "storage/time_text.hpp"

namespace flockcpp::detail {

using http::Request;

namespace {
bool is_hex(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}
}  // namespace

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    std::uint32_t cp = n == 1 ? c : (c & (0x7f >> n));
    for (std::size_t k = 1; k < n; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    // Overlong forms, surrogates and code points past Unicode are not UTF-8.
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n;
  }
  return true;
}

std::optional<std::string> text_param(const Request& req, const char* name) {
  const std::string* v = req.param(name);
  if (v == nullptr || v->empty()) return std::nullopt;
  if (v->size() > kMaxParamBytes) {
    throw Error(ErrorCode::InvalidArgument, std::string(name) + " is " + std::to_string(v->size()) + " bytes long; at most " +
                             std::to_string(kMaxParamBytes) + " are accepted");
  }
  if (!valid_utf8(*v) || v->find('\0') != std::string::npos) {
    throw Error(ErrorCode::InvalidArgument, std::string(name) + " must be UTF-8 text without NUL bytes");
  }
  return *v;
}

std::int64_t int_param(const Request& req, const char* name, std::int64_t fallback, std::int64_t lo, std::int64_t hi) {
  auto text = text_param(req, name);
  if (!text) return fallback;
  const std::string* v = &*text;
  std::int64_t out = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || end != v->data() + v->size()) {
    throw Error(ErrorCode::InvalidArgument, std::string(name) + " must be an integer, got '" + *v + "'");
  }
  if (out < lo || out > hi) {
    throw Error(ErrorCode::InvalidArgument, std::string(name) + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                             ", got " + *v);
  }
  return out;
}

std::optional<double> number_param(const Request& req, const char* name) {
  auto text = text_param(req, name);
  if (!text) return std::nullopt;
  const std::string* v = &*text;
  double out = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || end != v->data() + v->size() || !(out >= 0) || out > 1e15) {
    throw Error(ErrorCode::InvalidArgument, std::string(name) + " must be a non-negative number, got '" + *v + "'");
  }
  return out;
}

std::optional<std::int64_t> time_param(const Request& req, const char* name) {
  auto v = text_param(req, name);
  if (!v) return std::nullopt;
  auto ns = parse_time_ns(*v);
  if (!ns) {
    throw Error(ErrorCode::InvalidArgument, std::string(name) +
                             " must be nanoseconds since the epoch or an ISO-8601 time (2026-11-25T18:00:00Z), got '" +
                             *v + "'");
  }
  return ns;
}

void require_json(const Request& req) {
  const std::string* type = req.header("content-type");
  if (type == nullptr || lower(*type).find("application/json") == std::string::npos) {
    throw Error(ErrorCode::Unsupported, "send the body as JSON with Content-Type: application/json");
  }
}

Json parse_body(const Request& req) {
  require_json(req);
  std::string why;
  JsonFault fault = JsonFault::none;
  Json body = detail::parse_json_bounded(req.body, &why, JsonBounds{}, &fault);
  if (fault == JsonFault::too_many_values) throw Error(ErrorCode::TooLarge, "the body is too large: " + why);
  if (body.is_discarded()) throw Error(ErrorCode::InvalidArgument, "malformed JSON: " + why);
  if (!body.is_object()) throw Error(ErrorCode::InvalidArgument, "the body must be a JSON object");
  return body;
}

std::string normalized_trace_id(const std::string& id) {
  if (id.size() != 32 || !is_hex(id)) {
    throw Error(ErrorCode::InvalidArgument, "trace_id must be 32 hex characters, got '" + id.substr(0, 64) + "'");
  }
  return lower(id);
}


}  // namespace flockcpp::detail

#include "server/http_text.hpp"

#include <cstdio>

namespace flockcpp::http::detail {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool iequals(std::string_view a, std::string_view b) { return a.size() == b.size() && lower(a) == lower(b); }

}  // namespace

std::string percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      int hi = hex_digit(s[i + 1]);
      int lo = hex_digit(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += plus_is_space && c == '+' ? ' ' : c;
  }
  return out;
}

Pairs parse_query(std::string_view q) {
  Pairs out;
  while (!q.empty()) {
    std::size_t amp = q.find('&');
    std::string_view piece = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    if (piece.empty()) continue;
    std::size_t eq = piece.find('=');
    std::string_view key = piece.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1);
    out.emplace_back(percent_decode(key, true), percent_decode(value, true));
  }
  return out;
}

bool parse_target(std::string_view target, std::string& path, Pairs& query) {
  std::string_view t = target;
  if (t == "*") {
    path = "*";
    return true;
  }
  if (t.empty()) return false;
  if (t.front() != '/') {
    // absolute-form: RFC 9112 says servers accept it, proxies or not.
    std::size_t scheme_end = t.find("://");
    if (scheme_end == std::string_view::npos) return false;
    std::string_view scheme = t.substr(0, scheme_end);
    if (!iequals(scheme, "http") && !iequals(scheme, "https")) return false;
    std::size_t rest = t.find_first_of("/?", scheme_end + 3);
    if (rest == std::string_view::npos) {
      t = "/";
    } else if (t[rest] == '?') {
      path = "/";
      query = parse_query(t.substr(rest + 1));
      return true;
    } else {
      t = t.substr(rest);
    }
  }
  std::size_t q = t.find('?');
  path = percent_decode(t.substr(0, q), false);
  if (q != std::string_view::npos) query = parse_query(t.substr(q + 1));
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string framing_refusal(const std::vector<std::string_view>& transfer_encodings, bool has_content_length,
                            unsigned version) {
  if (transfer_encodings.empty()) return {};
  std::string codings;
  for (std::string_view v : transfer_encodings) codings.append(codings.empty() ? "" : ", ").append(v);
  if (has_content_length) return "a request may not carry both Transfer-Encoding and Content-Length";
  if (version < 11) return "Transfer-Encoding is not allowed in an HTTP/1.0 request";
  // Only "chunked", alone: the server decodes no other transfer coding.
  std::size_t begin = codings.find_first_not_of(" \t");
  std::size_t end = codings.find_last_not_of(" \t");
  if (begin == std::string::npos || !iequals(std::string_view(codings).substr(begin, end - begin + 1), "chunked")) {
    return "Transfer-Encoding '" + codings + "' is not supported: a request body may only be sent chunked";
  }
  return {};
}

std::string error_json(std::string_view what) {
  std::string out = "{\"error\":\"";
  for (char c : what) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  out += "\"}";
  return out;
}

}  // namespace flockcpp::http::detail

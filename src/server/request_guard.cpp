#include "server/request_guard.hpp"

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

#include "flock/error.hpp"
#include "server/http_params.hpp"

namespace flockcpp::detail {

using http::Request;
using http::Response;

namespace {

bool constant_time_equal(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

// RFC 3986 port: here 1 to 5 digits, after the ':' that introduced it.
bool valid_port(std::string_view port) { return !port.empty() && port.size() <= 5 && all_digits(port); }

// A numeric 127.a.b.c only: "127.0.0.1.evil.example" is a name, not loopback.
bool is_loopback_ipv4(std::string_view host) {
  int parts = 0;
  std::size_t start = 0;
  for (;;) {
    std::size_t dot = host.find('.', start);
    std::string_view part = host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (part.empty() || part.size() > 3 || !all_digits(part) || std::stoi(std::string(part)) > 255) return false;
    ++parts;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts == 4 && host.rfind("127.", 0) == 0;
}

}  // namespace

bool is_loopback_host(const std::string& host_or_host_header) {
  const std::string text = lower(host_or_host_header);
  const std::string_view host(text);
  if (host == "::1") return true;  // a bare IPv6 address (a bind address)
  // Host = IP-literal [ ":" port ] or reg-name/IPv4 [ ":" port ], and
  // nothing after: "[::1].evil.example" and "127.0.0.1:80@evil.example"
  // name other hosts.
  std::string_view name = host;
  std::string_view rest;
  if (!host.empty() && host[0] == '[') {
    std::size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    name = host.substr(0, close + 1);
    rest = host.substr(close + 1);
  } else if (std::size_t colon = host.find(':'); colon != std::string_view::npos) {
    name = host.substr(0, colon);
    rest = host.substr(colon);
  }
  if (!rest.empty() && (rest[0] != ':' || !valid_port(rest.substr(1)))) return false;
  return name == "localhost" || name == "[::1]" || is_loopback_ipv4(name);
}

bool RequestGuard::allowed_origin(const Request& req) const {
  const std::string* origin = req.header("origin");
  return origin != nullptr && std::find(cors_origins_.begin(), cors_origins_.end(), *origin) != cors_origins_.end();
}

std::optional<Response> RequestGuard::admit(const Request& req) const {
  const std::string* host = req.header("host");
  const std::string* origin = req.header("origin");
  if (loopback_ && host != nullptr && !is_loopback_host(*host)) {
    throw Error(ErrorCode::Forbidden, "this server answers on loopback only; Host '" + *host + "' is not a loopback name");
  }
  // A state-changing request from another site's page: refused unless that
  // origin is listed (the dashboard's own requests carry its own origin).
  if (req.method == "POST" && origin != nullptr && !allowed_origin(req) &&
      (host == nullptr || (*origin != "http://" + *host && *origin != "https://" + *host))) {
    throw Error(ErrorCode::Forbidden,
                "cross-origin request from " + *origin + " refused (FLOCK_API_CORS_ORIGINS lists the allowed ones)");
  }
  if (req.method != "OPTIONS") return std::nullopt;
  if (!allowed_origin(req)) throw Error(ErrorCode::Forbidden, "cross-origin requests are not allowed from this origin");
  Response res;
  res.status = 204;
  res.content_type = "text/plain";
  res.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST");
  res.headers.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type, traceparent, tracestate");
  res.headers.emplace_back("Access-Control-Max-Age", "600");
  return res;
}

void RequestGuard::authenticate(const Request& req) const {
  if (token_.empty()) return;
  const std::string* auth = req.header("authorization");
  const std::string prefix = "Bearer ";
  if (auth == nullptr) throw Error(ErrorCode::Unauthenticated, "this route needs Authorization: Bearer <FLOCK_API_TOKEN>");
  if (auth->rfind(prefix, 0) != 0 || !constant_time_equal(auth->substr(prefix.size()), token_)) {
    throw Error(ErrorCode::Unauthenticated, "the bearer token is not the server's FLOCK_API_TOKEN");
  }
}

void RequestGuard::decorate(const Request& req, Response& res) const {
  if (allowed_origin(req)) {
    res.headers.emplace_back("Access-Control-Allow-Origin", *req.header("origin"));
    res.headers.emplace_back("Vary", "Origin");
  }
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
  res.headers.emplace_back("Referrer-Policy", "no-referrer");
  res.headers.emplace_back("X-Frame-Options", "DENY");
  if (res.content_type.rfind("text/html", 0) == 0) {
    res.headers.emplace_back("Content-Security-Policy",
                             "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                             "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
  }
}

}  // namespace flockcpp::detail

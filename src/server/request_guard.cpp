#include "server/request_guard.hpp"

#include <algorithm>
#include <cctype>
#include <string>

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


}  // namespace

bool is_loopback_host(const std::string& host_or_host_header) {
  std::string host = lower(host_or_host_header);
  if (host == "::1") return true;  // a bare IPv6 address (a bind address)
  if (!host.empty() && host[0] == '[') {
    host = host.substr(0, host.find(']') + 1);
  } else if (auto colon = host.rfind(':'); colon != std::string::npos) {
    host = host.substr(0, colon);
  }
  if (host == "localhost" || host == "[::1]") return true;
  // A numeric 127.a.b.c only: "127.0.0.1.evil.example" is a name, not loopback.
  int parts = 0;
  std::size_t start = 0;
  for (;;) {
    std::size_t dot = host.find('.', start);
    std::string part = host.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (part.empty() || part.size() > 3 || !std::all_of(part.begin(), part.end(), [](unsigned char c) { return std::isdigit(c) != 0; }) ||
        std::stoi(part) > 255) {
      return false;
    }
    ++parts;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts == 4 && host.rfind("127.", 0) == 0;
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

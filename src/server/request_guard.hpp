// What every request passes before any handler runs (one that could read a
// file included): a loopback server answers loopback Host names only (DNS
// rebinding), a cross-site POST needs a listed origin, an OPTIONS preflight
// is answered here, and with a token every API route but /api/health needs
// it. Every answer then gets the CORS and security headers.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "server/http_transport.hpp"

namespace flockcpp::detail {

// True for localhost, [::1]/::1 and a numeric 127.a.b.c, with or without a
// ":digits" port and nothing else after: the addresses that count as
// loopback for binding and for Host.
bool is_loopback_host(const std::string& host_or_host_header);

class RequestGuard {
 public:
  RequestGuard(std::vector<std::string> cors_origins, std::string token, bool loopback)
      : cors_origins_(std::move(cors_origins)), token_(std::move(token)), loopback_(loopback) {}

  // Throws Error (Forbidden) for a foreign Host or a cross-site POST;
  // returns the answer to a preflight.
  std::optional<http::Response> admit(const http::Request& req) const;
  // Throws Error (Unauthenticated) when a token is set and the request does
  // not carry it.
  void authenticate(const http::Request& req) const;
  // CORS for a listed origin, and the security headers.
  void decorate(const http::Request& req, http::Response& res) const;

 private:
  bool allowed_origin(const http::Request& req) const;
  std::vector<std::string> cors_origins_;
  std::string token_;
  bool loopback_;
};

}  // namespace flockcpp::detail

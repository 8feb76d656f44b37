#include "server/http_errors.hpp"

namespace flockcpp::detail {

int http_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidArgument: return 400;
    case ErrorCode::FailedPrecondition: return 400;
    case ErrorCode::Unauthenticated: return 401;
    case ErrorCode::Forbidden: return 403;
    case ErrorCode::NotFound: return 404;
    case ErrorCode::MethodNotAllowed: return 405;
    case ErrorCode::Timeout: return 408;
    case ErrorCode::Conflict: return 409;
    case ErrorCode::TooLarge: return 413;
    case ErrorCode::Unsupported: return 415;
    case ErrorCode::Unavailable: return 503;
    case ErrorCode::Internal: return 500;
  }
  return 500;
}

http::Response json_response(int status, const Json& body) {
  http::Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  return r;
}

http::Response error_response(const Error& e) {
  http::Response r = json_response(http_status(e.code()), Json{{"error", e.what()}});
  if (e.code() == ErrorCode::Unauthenticated) r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"flock\"");
  if (e.code() == ErrorCode::Unavailable) r.headers.emplace_back("Retry-After", "1");
  return r;
}

}  // namespace flockcpp::detail

#include "flock/error.hpp"

namespace flockcpp {

const char* to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidArgument: return "invalid argument";
    case ErrorCode::FailedPrecondition: return "failed precondition";
    case ErrorCode::Unauthenticated: return "unauthenticated";
    case ErrorCode::Forbidden: return "forbidden";
    case ErrorCode::NotFound: return "not found";
    case ErrorCode::Conflict: return "conflict";
    case ErrorCode::Timeout: return "timeout";
    case ErrorCode::TooLarge: return "too large";
    case ErrorCode::MethodNotAllowed: return "method not allowed";
    case ErrorCode::Unsupported: return "unsupported";
    case ErrorCode::Unavailable: return "unavailable";
    case ErrorCode::Internal: return "internal";
  }
  return "unknown";
}

}  // namespace flockcpp

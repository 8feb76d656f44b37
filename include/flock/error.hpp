// One error vocabulary for the whole library: every failure the library
// reports by exception is a flockcpp::Error with a code. The HTTP server maps
// a code to a status and the `flock` command to an exit status, each in one
// place.
#pragma once
#include <stdexcept>
#include <string>

namespace flockcpp {

enum class ErrorCode {
  InvalidArgument,     // malformed input: an id, a parameter, a body, a flag
  FailedPrecondition,  // well-formed, but it cannot be done (SQL DuckDB rejects, a result too large)
  Unauthenticated,     // no or the wrong API token
  Forbidden,           // not allowed, whoever asks (files or extensions from SQL, a cross-site request)
  NotFound,            // no such trace, route or file
  Conflict,            // the state does not allow it (publishing to a server without a blackboard)
  Timeout,             // ran past its time limit
  TooLarge,            // a body or value over its bound
  MethodNotAllowed,    // a route asked with the wrong method
  Unsupported,         // a media type this end does not take
  Unavailable,         // busy, or the trace file held by another process: try again
  Internal,            // a bug or an environment failure
};

const char* to_string(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace flockcpp

// The one place an Error becomes an HTTP answer: its code's status, the
// JSON body {"error": "..."}, and the headers the status asks for.
#pragma once
#include <string>

#include "flock/error.hpp"
#include "flock/json.hpp"
#include "server/http_transport.hpp"

namespace flockcpp::detail {

int http_status(ErrorCode code);
http::Response json_response(int status, const Json& body);
http::Response error_response(const Error& e);

}  // namespace flockcpp::detail

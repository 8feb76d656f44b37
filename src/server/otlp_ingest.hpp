// POST /v1/traces: the OTLP/HTTP trace receiver. Other processes (Flock for
// C++ or any OpenTelemetry SDK) send their spans here; they join this
// process's pipeline and land where its own spans do (the trace file, OTLP
// export, the live stream).
#pragma once
#include <string>

#include "server/http_transport.hpp"

namespace flockcpp::detail {

// Bodies are inflated up to this size; a larger one is refused (413).
inline constexpr std::size_t kMaxInflatedOtlpBytes = 64u << 20;

// The request has passed the guard and the token check. served_file is the
// trace file when it is served alone (no agents in this process): received
// spans must land in it, so a pipeline that writes no file is set to write it.
http::Response receive_otlp_traces(const http::Request& req, const std::string* served_file);

}  // namespace flockcpp::detail

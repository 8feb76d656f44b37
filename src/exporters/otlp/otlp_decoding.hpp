// OTLP/HTTP trace requests received from other processes (POST /v1/traces):
// an ExportTraceServiceRequest in protobuf or OTLP/JSON becomes SpanData,
// each span carrying its sender's resource and scope. Every byte is the
// sender's: a span that breaks the rules is rejected and counted (partial
// success), a body that does not decode at all is an Error.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "flock/span_data.hpp"

namespace flockcpp::detail {

struct ReceivedSpans {
  std::vector<SpanData> spans;
  std::int64_t rejected = 0;
  std::string first_rejection;  // why the first rejected span was
  std::size_t bytes = 0;        // what the kept spans cost (approx_bytes)
};

// What one request may hold: a request over these could never enter the
// trace queue, so it is refused before its spans are built. The receiver
// passes the queue's bounds in force; these are their defaults.
struct OtlpRequestBounds {
  std::size_t max_spans = 262144;      // spans, kept or rejected (TraceConfig::max_pending_spans)
  std::size_t max_bytes = 256u << 20;  // the kept spans' approx_bytes (TraceConfig::max_pending_bytes)
};

// Throws Error (InvalidArgument) when the body is not an
// ExportTraceServiceRequest at all, Error (TooLarge) when it is over bounds.
ReceivedSpans decode_otlp_protobuf(std::string_view body, const OtlpRequestBounds& bounds = {});
ReceivedSpans decode_otlp_json(std::string_view body, const OtlpRequestBounds& bounds = {});

// The ExportTraceServiceResponse, with partial_success when spans were
// rejected.
std::string encode_export_response_protobuf(std::int64_t rejected, const std::string& message);
std::string encode_export_response_json(std::int64_t rejected, const std::string& message);
// The body of an error answer to a protobuf request (google.rpc.Status).
std::string encode_rpc_status_protobuf(int grpc_code, const std::string& message);

}  // namespace flockcpp::detail

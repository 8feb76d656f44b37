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
};

// Throws Error (InvalidArgument) when the body is not an
// ExportTraceServiceRequest at all.
ReceivedSpans decode_otlp_protobuf(std::string_view body);
ReceivedSpans decode_otlp_json(std::string_view body);

// The ExportTraceServiceResponse, with partial_success when spans were
// rejected.
std::string encode_export_response_protobuf(std::int64_t rejected, const std::string& message);
std::string encode_export_response_json(std::int64_t rejected, const std::string& message);
// The body of an error answer to a protobuf request (google.rpc.Status).
std::string encode_rpc_status_protobuf(int grpc_code, const std::string& message);

}  // namespace flockcpp::detail

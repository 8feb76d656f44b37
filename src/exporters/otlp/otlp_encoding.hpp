// Spans as OTLP ExportTraceServiceRequest bodies: protobuf (through the
// protobuf library and messages written from the specification) and OTLP/JSON
// (lowerCamelCase keys, hex ids, integer enums, 64-bit integers as strings).
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "flock/span_data.hpp"

namespace flockcpp::detail {

struct OtlpResource {
  std::vector<SpanAttribute> attributes;
  std::string scope_name = "flock";
  std::string scope_version;
};

std::string encode_otlp_protobuf(std::span<const SpanData> spans, const OtlpResource& resource);
std::string encode_otlp_json(std::span<const SpanData> spans, const OtlpResource& resource);

// rejected_spans of an ExportTraceServiceResponse (0 when absent or unreadable).
std::int64_t rejected_spans_protobuf(const std::string& body, std::string& message);
std::int64_t rejected_spans_json(const std::string& body, std::string& message);

}  // namespace flockcpp::detail

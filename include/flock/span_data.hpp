// A finished span as exporters see it: plain owned data, ids in binary.
// Formatting (hex, JSON) is the exporter's job, on its own thread.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "flock/attributes.hpp"
#include "flock/json.hpp"

namespace flockcpp {

using TraceId = std::array<std::uint8_t, 16>;
using SpanId = std::array<std::uint8_t, 8>;

enum class SpanKind : std::uint8_t { Internal, Server, Client, Producer, Consumer };
enum class StatusCode : std::uint8_t { Unset, Ok, Error };

const char* to_string(SpanKind kind);
const char* to_string(StatusCode code);
std::string to_hex(const TraceId& id);
std::string to_hex(const SpanId& id);
bool is_zero(const TraceId& id);
bool is_zero(const SpanId& id);

// Attribute value as recorded: the public kinds plus a JSON document whose
// text is produced off the hot path (artifact payloads). Exporters receive
// such documents already rendered as strings.
using RecordedValue = std::variant<bool, std::int64_t, double, std::string, std::vector<bool>,
                                   std::vector<std::int64_t>, std::vector<double>, std::vector<std::string>,
                                   std::shared_ptr<const Json>>;

struct SpanAttribute {
  std::string key;
  RecordedValue value;
};

struct SpanEvent {
  std::string name;
  std::int64_t time_ns = 0;
  std::vector<SpanAttribute> attributes;
};

struct SpanLink {
  TraceId trace_id{};
  SpanId span_id{};
  std::vector<SpanAttribute> attributes;
};

// Where a span received from another process (OTLP ingest) was recorded: its
// resource (service.name, ...) and instrumentation scope. Spans of this
// process have none: their exporters add this process's resource.
struct SpanOrigin {
  std::vector<SpanAttribute> resource;
  std::string scope_name;
  std::string scope_version;
  std::string service_name;  // the resource's service.name ("" when it has none)
  bool flock = false;        // recorded by Flock (telemetry.sdk.name = flock): names are Class.method
};

struct SpanData {
  TraceId trace_id{};
  SpanId span_id{};
  SpanId parent_span_id{};  // all zero for a root
  std::string trace_state;  // W3C tracestate inherited from a remote parent
  std::string name;
  SpanKind kind = SpanKind::Internal;
  std::int64_t start_ns = 0;
  std::int64_t end_ns = 0;
  StatusCode status = StatusCode::Unset;
  std::string status_description;
  std::vector<SpanAttribute> attributes;
  std::vector<SpanEvent> events;
  std::vector<SpanLink> links;
  std::uint32_t dropped_attributes = 0;
  std::uint32_t dropped_events = 0;
  std::uint32_t dropped_links = 0;
  std::uint32_t truncated_values = 0;
  std::shared_ptr<const SpanOrigin> origin;  // null: recorded by this process
  std::int64_t trace_began_ns = 0;  // SpanContext::trace_began_ns of the span (0: unknown)
};

}  // namespace flockcpp

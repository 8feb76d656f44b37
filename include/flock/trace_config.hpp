// Tracing configuration. Defaults come from the environment (docs/configuration.md); a
// program may also configure from code before its first span.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "flock/attributes.hpp"
#include "flock/otlp_options.hpp"
#include "flock/span_exporter.hpp"

namespace flockcpp {

// OpenTelemetry span limits (OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT, ...).
struct SpanLimits {
  std::uint32_t attribute_count = 128;
  std::uint32_t attribute_value_length = 16 * 1024;  // bytes; longer strings are cut and marked
  std::uint32_t event_count = 128;
  std::uint32_t link_count = 128;
  std::uint32_t attribute_per_event_count = 128;
};

enum class QueueFullPolicy {
  Wait,  // the producing thread waits for the exporter (no span lost)
  Drop,  // the span is dropped and counted
};

struct TraceConfig {
  bool auto_trace = true;                           // FLOCK_AUTO_TRACE
  bool trace_file = false;                          // FLOCK_TRACE_FILE
  std::string trace_file_path = ".flock/traces.duckdb";  // FLOCK_TRACE_PATH
  std::vector<std::string> services;                // FLOCK_TRACE_SERVICES (lower-cased)
  std::vector<std::string> ignore;                  // FLOCK_TRACE_IGNORE
  std::optional<double> ttl_days;                   // FLOCK_TRACE_TTL_DAYS
  bool auto_workflow_trace = false;                 // FLOCK_AUTO_WORKFLOW_TRACE
  bool sdk_disabled = false;                        // OTEL_SDK_DISABLED
  std::string service_name;                         // OTEL_SERVICE_NAME
  Attributes resource_attributes;                   // OTEL_RESOURCE_ATTRIBUTES
  SpanLimits limits;
  QueueFullPolicy queue_full_policy = QueueFullPolicy::Wait;  // FLOCK_TRACE_QUEUE_POLICY
  std::size_t thread_queue_capacity = 8192;         // spans buffered per producing thread
  std::size_t max_pending_spans = 262144;           // spans the processor holds while an exporter retries
  std::size_t max_pending_bytes = 256u << 20;       // FLOCK_TRACE_MAX_QUEUE_BYTES: the same bound in bytes
  std::chrono::milliseconds flush_interval{500};    // FLOCK_TRACE_FLUSH_MS
  std::chrono::milliseconds exit_grace{5000};       // FLOCK_TRACE_EXIT_GRACE_MS: at exit, how long
                                                    // an exporter that cannot write is waited for
  bool handle_signals = true;                       // flush on SIGINT/SIGTERM
  // OTLP export beside the file: set when the environment names an
  // endpoint (OTEL_EXPORTER_OTLP_ENDPOINT, ..._TRACES_ENDPOINT) or
  // OTEL_TRACES_EXPORTER=otlp.
  std::optional<OtlpExporterOptions> otlp;
  // Extra exporters (in-memory for tests, your own). The DuckDB store is
  // added when trace_file is true, the OTLP exporter when otlp is.
  std::vector<std::shared_ptr<SpanExporter>> exporters;

  // Reads every variable of docs/configuration.md; an unparsable value prints a warning
  // naming the variable on stderr and keeps the default.
  static TraceConfig from_env();
};

// Counters of the span pipeline since it started.
struct TraceStats {
  std::uint64_t spans_ended = 0;
  std::uint64_t spans_exported = 0;
  std::uint64_t spans_dropped = 0;      // queue full under the Drop policy
  std::uint64_t spans_lost = 0;         // an exporter failed permanently
  std::uint64_t export_retries = 0;     // exports answered Retry
  std::uint64_t spans_pending = 0;      // held by the processor right now
  std::uint64_t bytes_pending = 0;      // their approximate size
  std::uint64_t max_pending_bytes = 0;  // the bound on bytes_pending
  std::uint64_t queue_full = 0;         // times the processor's bound was reached
  std::optional<OtlpExporterStats> otlp;  // when OTLP export is on
};

namespace tracing {
// Replaces the process-wide pipeline (flushing the old one). Call before the
// first span, or between workflows; spans in flight go to the old pipeline.
void configure(TraceConfig config);
// The configuration in force (from the environment unless configured).
TraceConfig current_config();
// Waits until every span ended so far has been exported (or the timeout).
bool force_flush(std::chrono::milliseconds timeout = std::chrono::seconds(30));
// Flushes and stops the pipeline; spans started later are not recorded
// until configure() is called again.
void shutdown(std::chrono::milliseconds timeout = std::chrono::seconds(30));
TraceStats stats();
}  // namespace tracing

}  // namespace flockcpp

// The one place that decides which exporters run, from the configuration
// (as Python Flock's telemetry.py does): the DuckDB trace file and OTLP.
// Everything else in tracing sees only the SpanExporter interface.
#include "flock/otlp.hpp"
#include "storage/duckdb_span_exporter.hpp"
#include "tracing/exporter_factory.hpp"

namespace flockcpp::detail {

std::vector<std::shared_ptr<SpanExporter>> configured_exporters(const TraceConfig& config) {
  std::vector<std::shared_ptr<SpanExporter>> out;
  if (config.trace_file) out.push_back(make_duckdb_span_exporter(config.trace_file_path, config.ttl_days, config));
  if (config.otlp) out.push_back(std::make_shared<OtlpSpanExporter>(*config.otlp, config));
  return out;
}

}  // namespace flockcpp::detail

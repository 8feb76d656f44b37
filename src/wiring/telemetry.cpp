// The one place that decides which exporters run, from the configuration
// (as Python Flock's telemetry.py does): the trace store and OTLP.
// Everything else in tracing sees only the SpanExporter interface.
#include "common/store_locator.hpp"
#include "exporters/store/store_span_exporter.hpp"
#include "flock/otlp.hpp"
#include "storage/trace_store.hpp"
#include "tracing/exporter_factory.hpp"

namespace flockcpp::detail {

std::vector<std::shared_ptr<SpanExporter>> configured_exporters(const TraceConfig& config) {
  std::vector<std::shared_ptr<SpanExporter>> out;
  if (config.trace_file) {
    out.push_back(make_store_span_exporter(open_trace_store(file_store_locator(config.trace_file_path)), config));
  }
  if (config.otlp) out.push_back(std::make_shared<OtlpSpanExporter>(*config.otlp, config));
  return out;
}

}  // namespace flockcpp::detail

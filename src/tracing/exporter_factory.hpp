// The seam between the tracing SDK and the exporters: the SDK asks for the
// exporters a configuration wants and knows them only as SpanExporter. The
// wiring layer (src/wiring/telemetry.cpp) defines this function; tracing
// never names an exporter.
#pragma once
#include <memory>
#include <vector>

#include "flock/span_exporter.hpp"
#include "flock/trace_config.hpp"

namespace flockcpp::detail {

// The exporters `config` asks for beyond config.exporters: the DuckDB trace
// file when config.trace_file, OTLP when config.otlp.
std::vector<std::shared_ptr<SpanExporter>> configured_exporters(const TraceConfig& config);

}  // namespace flockcpp::detail

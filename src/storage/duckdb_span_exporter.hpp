// The DuckDB trace store as a span exporter. It holds the file only while it
// writes a batch, so another process can open it read-only in between; when
// the file is held elsewhere it answers Retry and the processor keeps the
// spans.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "flock/span_exporter.hpp"
#include "flock/trace_config.hpp"

namespace flockcpp::detail {

std::shared_ptr<SpanExporter> make_duckdb_span_exporter(const std::string& path, std::optional<double> ttl_days,
                                                        const TraceConfig& config);

}  // namespace flockcpp::detail

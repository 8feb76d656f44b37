// The trace store as a span exporter: every batch the processor hands over
// is appended through the store seam (storage/trace_store.hpp), whatever the
// store is. FLOCK_TRACE_TTL_DAYS is applied here, when the pipeline starts
// and once a day after.
#pragma once
#include <memory>
#include <string_view>

#include "flock/span_exporter.hpp"
#include "flock/trace_config.hpp"
#include "storage/trace_store.hpp"

namespace flockcpp::detail {

std::shared_ptr<SpanExporter> make_store_span_exporter(std::shared_ptr<TraceStore> store, const TraceConfig& config);
// The same for the store a locator names (a path, duckdb:PATH).
std::shared_ptr<SpanExporter> make_store_span_exporter(std::string_view locator, const TraceConfig& config);

}  // namespace flockcpp::detail

// The writer of a DuckDB trace file. It holds the file only while it writes
// (and at most FLOCK_TRACE_HOLD_MS at a time), so another process can open
// it read-only in between; when the file is held elsewhere it answers Retry
// and the processor keeps the spans.
#pragma once
#include <memory>
#include <string>

#include "flock/trace_config.hpp"
#include "storage/trace_store.hpp"

namespace flockcpp::detail {

std::unique_ptr<TraceStoreWriter> make_duckdb_store_writer(const std::string& path, const TraceConfig& config);

}  // namespace flockcpp::detail

// The trace store's schema (API.md §4): table spans, its indexes, and the
// workflows view.
#pragma once
#include <mutex>
#include <string>

#include "storage/duckdb_handle.hpp"

namespace flock::detail {

void ensure_schema(DuckConnection& con);

// Serialises every use of a trace file inside this process (the writer's
// flushes, clear_traces, readers): DuckDB lets one instance hold a file.
std::mutex& store_file_mutex();

}  // namespace flock::detail

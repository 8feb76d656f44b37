// The trace store's schema (API.md §4): table spans, its indexes, and the
// workflows view.
#pragma once
#include <mutex>
#include <string>

#include "storage/duckdb_handle.hpp"

namespace flock::detail {

void ensure_schema(DuckConnection& con);

}  // namespace flock::detail

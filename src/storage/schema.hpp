// The trace store's schema (docs/trace-store.md): table spans, its indexes, and the
// workflows view.
#pragma once
#include <optional>
#include <string>

#include "storage/duckdb_handle.hpp"

namespace flockcpp::detail {

void ensure_schema(DuckConnection& con);

// Why an existing database cannot take spans (a `spans` table with other
// columns, or a `spans` that is not a table), or nullopt when it can.
std::optional<std::string> schema_mismatch(DuckConnection& con);

}  // namespace flockcpp::detail

// The trace store's schema (docs/trace-store.md): table spans, table traces
// (one row per trace), the workflows view, and the migration of stores of
// earlier versions.
#pragma once
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "storage/duckdb/duckdb_handle.hpp"

namespace flockcpp::detail {

// Rows per row group where the writer appends. Each release for readers
// checkpoints, and DuckDB then rewrites the row group the last one left
// partly filled: at its default of 122,880 rows, closes of 36K appended
// rows took 0.1 to 1.2 s; at 40,960 they take about 0.1 s, the file is
// smaller, and reads are as fast (docs/trace-store.md, "Row groups").
constexpr std::size_t kStoreRowGroupSize = 40'960;

// Creates what is missing and migrates an earlier store, in one transaction:
// a spans table with a key (an earlier version's, the Python original's) is
// rebuilt without it, its other indexes are dropped.
void ensure_schema(DuckConnection& con);

// Tests only: called inside the rebuild's transaction once every span is
// copied, before the old table is dropped; a throw there is a rebuild
// interrupted midway.
extern std::function<void()> spans_rebuild_hook_for_tests;

// SELECT ... FROM spans computing traces' rows (append WHERE/GROUP BY trace_id).
const char* traces_from_spans_sql();
// SELECT ... FROM spans WHERE ... computing trace_models' rows (append AND
// .../GROUP BY ALL).
const char* trace_models_from_spans_sql();
// UPDATE traces.models (trace_models' rows of the trace as a JSON list, most
// tokens first) for the traces of trace_models matching which_traces.
std::string fill_trace_models_sql(const std::string& which_traces);

// Why an existing database cannot take spans (a `spans` table with other
// columns, or a `spans` that is not a table), or nullopt when it can.
std::optional<std::string> schema_mismatch(DuckConnection& con);

}  // namespace flockcpp::detail

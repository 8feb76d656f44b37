// A user's SQL over the trace store (POST /api/traces/query, `flock traces
// query`): one read-only SELECT on a sealed instance (no files, network or
// extensions), in a read-only transaction, bounded in rows, result bytes,
// memory (the instance's limit) and time.
//
// DuckDB checks for an interrupt between chunks, not inside one call of a
// scalar function (`repeat('x', 1e9)`), so the caller never waits past the
// time limit: the query runs on its own thread, the caller answers at the
// deadline, and a query that does not stop when interrupted finishes in the
// background while it still counts against the limit on queries at once.
#pragma once
#include <chrono>
#include <cstddef>
#include <string>

#include "flock/json.hpp"
#include "flock/trace_reader.hpp"

namespace flockcpp::detail {

// The longest query text accepted.
inline constexpr std::size_t kMaxSqlBytes = 64 * 1024;
// Queries running at once, across the process (runaways included).
inline constexpr int kMaxConcurrentSql = 4;

// {columns, rows, row_count, truncated}. Throws flockcpp::Error (see
// TraceStoreReader::run_sql for the codes).
Json run_sandboxed_sql(const std::string& store_path, const std::string& sql, const SqlLimits& limits);

// Queries still running after their caller was answered (the CLI waits for
// none of them at exit).
int runaway_sql_queries();

}  // namespace flockcpp::detail

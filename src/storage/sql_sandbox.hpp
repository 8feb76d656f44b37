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
#include <stdexcept>
#include <string>

#include "flock/json.hpp"

namespace flock::detail {

struct SqlLimits {
  std::size_t max_rows = 10000;
  std::chrono::milliseconds timeout{5000};
  std::size_t max_result_bytes = 32u << 20;  // text in the result's cells
};

// A user query the store will not run, or stopped; what() says why.
class QueryRefused : public std::runtime_error {
 public:
  enum class Reason {
    Invalid,    // not one SELECT, or DuckDB rejects it: 400
    Forbidden,  // reaches outside the store (files, extensions, settings): 403
    TimedOut,   // ran past the time limit: 408
    TooLarge,   // the result is over max_result_bytes: 400
    Busy,       // too many queries at once: 503
  };
  QueryRefused(Reason reason, const std::string& what) : std::runtime_error(what), reason_(reason) {}
  Reason reason() const { return reason_; }

 private:
  Reason reason_;
};

// The longest query text accepted.
inline constexpr std::size_t kMaxSqlBytes = 64 * 1024;
// Queries running at once, across the process (runaways included).
inline constexpr int kMaxConcurrentSql = 4;

// {columns, rows, row_count, truncated}. Throws QueryRefused, or DuckDbError
// (e.g. a lock held by another process).
Json run_sandboxed_sql(const std::string& store_path, const std::string& sql, const SqlLimits& limits);

// Queries still running after their caller was answered (the CLI waits for
// none of them at exit).
int runaway_sql_queries();

}  // namespace flock::detail

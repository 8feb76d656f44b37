// What a user's read-only SQL may call. The sealed instance already refuses
// files, network and extensions, but DuckDB also has table functions that
// change the instance (enable_logging, checkpoint), run SQL given as text
// (query, json_execute_serialized_sql) or show other clients' statements
// (duckdb_logs); some of them throw where nothing can catch. So the query's
// syntax tree, as DuckDB's own parser gives it (json_serialize_sql), is
// walked before anything runs: every table function must be on a reviewed
// list, and functions whose size argument makes a value of that size
// (repeat, lpad, bar...) need a constant no larger than kMaxGeneratedSize
// (repeat: the constant it repeats, times the count).
#pragma once
#include <cstddef>
#include <string>

namespace flockcpp::detail {

class DuckConnection;

// The largest count, width or length a size-making function may be given.
// DuckDB calls a function once per chunk of 2048 rows and does not count
// these strings against its memory limit: 8 KiB a value is 16 MiB a chunk.
inline constexpr double kMaxGeneratedSize = 8192;

// Throws Error(Forbidden) naming what is not allowed, or
// Error(FailedPrecondition) for SQL DuckDB cannot parse. `sql` is one
// statement DuckDB reports as a SELECT.
void check_sql_policy(DuckConnection& con, const std::string& sql);

// DuckDB's message for a function that lives in an extension advises
// installing it; here no extension can be installed, so say that instead.
// Other messages are returned unchanged.
std::string explain_missing_function(const std::string& duckdb_message);

}  // namespace flockcpp::detail

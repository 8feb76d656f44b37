// What the store's read queries share: the SQL of the attributes they
// filter on, and a lease on the file for one call (an absent store, or one
// without its table yet, reads as empty).
#pragma once
#include <filesystem>
#include <string>

#include "flock/json.hpp"
#include "storage/duckdb/duckdb_handle.hpp"
#include "storage/duckdb/store_file.hpp"

namespace flockcpp::detail {

inline constexpr const char* kWorkflowName = "json_extract_string(attributes, '$.workflow.name')";
inline constexpr const char* kIsWorkflow = "json_extract_string(attributes, '$.flock.workflow') = 'true'";
inline constexpr const char* kCorrelationId = "json_extract_string(attributes, '$.correlation_id')";

// A store whose tables are not created yet (a writer has just made the
// file) reads as empty.
inline bool missing_table(const DuckDbError& e) {
  const std::string what = e.what();
  return e.type() == DUCKDB_ERROR_CATALOG && what.find("Table with name") != std::string::npos &&
         what.find("does not exist") != std::string::npos;
}

// Runs fn on a connection to the store; an absent store (or one without its
// table yet) gives `empty`. A lingering lease keeps the instance open a
// moment for the next request (the HTTP API's reads); a poller that comes
// back every second must not, or a writer in another process never gets in.
// A store written by an earlier version, and not opened by a writer since,
// has no table traces of the current shape (or no trace_models): this
// connection then reads a view computed from its spans under the same name
// (slower, same answers).
void use_traces_of(DuckConnection& con);

template <class F>
Json with_store(const std::string& path, Json empty, F&& fn, bool linger = true) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return empty;
  auto lease = StoreFile::at(path).share(false, linger);
  DuckConnection con(lease.db());
  use_traces_of(con);
  try {
    return fn(con);
  } catch (const DuckDbError& e) {
    if (missing_table(e)) return empty;
    throw;
  }
}

inline std::string like_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace flockcpp::detail

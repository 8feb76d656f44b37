// What the trace writer does when its file cannot be written: tell a busy
// file from a full or read-only disk from a file that is not a usable store,
// and keep an unusable file aside under a name that never replaces another.
#pragma once
#include <optional>
#include <string>

#include "storage/duckdb/duckdb_handle.hpp"

namespace flockcpp::detail {

enum class StoreFault {
  HeldElsewhere,  // another process has the file open: retry soon
  Environment,    // disk full, read-only, permissions, out of memory: back off and retry
  Unusable,       // not DuckDB, truncated, or another schema: keep it aside, start a new store
  BadBatch,       // the batch's data was refused (a constraint, a value out of range): a fault of
                  // the batch, never of the store
};

StoreFault classify_store_error(const DuckDbError& e);

// Renames `path` (and its .wal) to "<path>.unusable-<UTC time with ns>-<n>"
// beside it, never onto an existing name. The new name, or nullopt with the
// reason in `error`.
std::optional<std::string> move_aside(const std::string& path, std::string& error);

}  // namespace flockcpp::detail

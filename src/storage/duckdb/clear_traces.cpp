// Flock::clear_traces: delete every span by swapping in a fresh file, since
// DuckDB does not give the space of deleted rows back to the file system.
//
// The count and the swap are one step under DuckDB's file lock: the store
// stays open (locked) from the count until a fresh store, itself open and
// locked, has been renamed over it. A writer in another process therefore
// either committed before the count (its spans are counted as deleted) or
// opens the fresh file after the swap (its spans stay); none fall between.
#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include "storage/duckdb/duckdb_handle.hpp"
#include "storage/duckdb/schema.hpp"
#include "storage/duckdb/clear_traces.hpp"
#include "storage/duckdb/store_file.hpp"

namespace flockcpp::detail {

namespace fs = std::filesystem;

namespace {

// A writer in another process holds the file for well under a second at a
// time (docs/trace-store.md): wait that long for it before giving up.
constexpr auto kWaitForLock = std::chrono::seconds(10);

std::unique_ptr<DuckDatabase> open_when_free(const std::string& path) {
  auto until = std::chrono::steady_clock::now() + kWaitForLock;
  for (;;) {
    try {
      return std::make_unique<DuckDatabase>(path);
    } catch (const DuckDbError& e) {
      if (!is_lock_conflict(e.what()) || std::chrono::steady_clock::now() >= until) throw;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

ClearResult clear_trace_store(const std::string& path) {
  ClearResult result;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    result.error = "no trace store at " + path;
    return result;
  }
  auto no_users = StoreFile::at(path).exclusive();
  const std::string fresh = path + ".clearing";
  try {
    auto store = open_when_free(path);
    std::int64_t count = 0;
    {
      DuckConnection con(*store);
      auto tables = con.query_int(
          "SELECT count(*) FROM information_schema.tables WHERE table_name = 'spans' AND table_schema = 'main' "
          "AND table_catalog = current_database()");
      if (tables == 0) {
        result.error = path + " is not a flock trace store (it has no table spans)";
        return result;
      }
      count = con.query_int("SELECT count(*) FROM spans");
      // A write-ahead log left by a writer is folded in now, so closing this
      // instance after the swap writes nothing under the store's name.
      con.execute("CHECKPOINT");
    }
    fs::remove(fresh, ec);
    fs::remove(fresh + ".wal", ec);
    DuckDatabase replacement(fresh);
    {
      DuckConnection con(replacement);
      ensure_schema(con);
      con.execute("CHECKPOINT");
    }
    // Both files are open and locked here; the rename is atomic.
    fs::rename(fresh, path, ec);
    if (ec) {
      fs::remove(fresh, ec);
      result.error = "cannot replace " + path + ": " + ec.message();
      return result;
    }
    store.reset();
    result.deleted_count = count;
    result.success = true;
  } catch (const DuckDbError& e) {
    fs::remove(fresh, ec);
    fs::remove(fresh + ".wal", ec);
    result.deleted_count = 0;
    result.error = is_lock_conflict(e.what()) ? path + " is in use by another process: " + e.what()
                                              : "cannot open " + path + ": " + e.what();
  }
  return result;
}

}  // namespace flockcpp::detail

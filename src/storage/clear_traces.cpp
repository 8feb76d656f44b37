// Flock::clear_traces: delete every span, then swap in a fresh file, since
// DuckDB does not give the space of deleted rows back to the file system.
#include <filesystem>
#include <mutex>

#include "storage/duckdb_handle.hpp"
#include "storage/schema.hpp"
#include "storage/clear_traces.hpp"
#include "storage/store_file.hpp"

namespace flockcpp::detail {

namespace fs = std::filesystem;

ClearResult clear_trace_store(const std::string& path) {
  ClearResult result;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    result.error = "no trace store at " + path;
    return result;
  }
  auto no_users = StoreFile::at(path).exclusive();
  try {
    {
      DuckDatabase db(path);
      DuckConnection con(db);
      auto tables = con.query_int(
          "SELECT count(*) FROM information_schema.tables WHERE table_name = 'spans' AND table_schema = 'main'");
      if (tables == 0) {
        result.error = path + " is not a flock trace store (it has no table spans)";
        return result;
      }
      result.deleted_count = con.query_int("SELECT count(*) FROM spans");
    }
    std::string fresh = path + ".clearing";
    fs::remove(fresh, ec);
    fs::remove(fresh + ".wal", ec);
    {
      DuckDatabase db(fresh);
      DuckConnection con(db);
      ensure_schema(con);
    }
    fs::rename(fresh, path, ec);
    if (ec) {
      fs::remove(fresh, ec);
      result.error = "cannot replace " + path + ": " + ec.message();
      result.deleted_count = 0;
      return result;
    }
    fs::remove(path + ".wal", ec);
    result.success = true;
  } catch (const DuckDbError& e) {
    result.deleted_count = 0;
    result.error = is_lock_conflict(e.what()) ? path + " is in use by another process: " + e.what()
                                              : "cannot open " + path + ": " + e.what();
  }
  return result;
}

}  // namespace flockcpp::detail

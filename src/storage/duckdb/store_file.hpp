// One DuckDB instance per trace file in this process, shared by the writer's
// flushes and every reader (HTTP API, TraceStoreReader), and closed when the
// last user lets go so other processes can open the file in between.
//
// DuckDB's file lock is per process, so two instances of one file inside a
// process would not exclude each other; sharing one instance is what makes
// reading while writing safe here. Every instance is opened with external
// access disabled and its configuration locked: SQL on it can reach no other
// file and no network, whoever runs it.
//
// Opening a database costs far more than a dashboard query (catalog load,
// cold buffer cache), so after a lease taken with `linger` (the HTTP API's
// reads) the instance stays open for a short while (FLOCK_TRACE_READER_LINGER_MS,
// 1000 ms) and the next request reuses it. After the writer's lease alone it
// closes at once, as docs/trace-store.md asks: the writer's instance lets go
// of the file (detaches it) and is kept for the writer's next lease.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>

#include "storage/duckdb/duckdb_handle.hpp"

namespace flockcpp::detail {

class StoreFile {
 public:
  // The process-wide entry for a path (same file, same entry).
  static StoreFile& at(const std::string& path);
  // Closes every lingering instance (at exit, so the files are checkpointed).
  static void close_all_idle();

  // Keeps the instance open while alive.
  class Lease {
   public:
    DuckDatabase& db() const { return *db_; }
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) noexcept = default;
    ~Lease();

   private:
    friend class StoreFile;
    Lease(StoreFile* file, std::shared_ptr<DuckDatabase> db, std::shared_lock<std::shared_mutex> use, bool linger)
        : file_(file), db_(std::move(db)), use_(std::move(use)), linger_(linger) {}
    StoreFile* file_;
    std::shared_ptr<DuckDatabase> db_;
    std::shared_lock<std::shared_mutex> use_;
    bool linger_;
  };

  // Opens the file or shares the open instance. A read-only lease shares a
  // writable instance; a writable one waits until read-only users are gone.
  // Throws DuckDbError with DuckDB's message (a lock held by another
  // process: is_lock_conflict()).
  Lease share(bool writable, bool linger = false);

  // Waits until no lease is alive, closes the instance and keeps new leases
  // out: the file may be replaced (clear_traces).
  std::unique_lock<std::shared_mutex> exclusive();

  const std::string& path() const { return path_; }

  // This process writes the file: readers then open it writable too, so the
  // writer and they share one instance and never wait for each other.
  void mark_writer();

 private:
  explicit StoreFile(std::string path);
  void release(bool linger);
  // park: a writable instance that can detach its file keeps running
  // without it (spare_), for the next writable lease.
  void close_idle_locked(bool park = false);
  void closer();

  std::string path_;
  std::chrono::milliseconds linger_;
  std::shared_mutex use_mu_;  // leases shared, exclusive() alone
  std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<DuckDatabase> db_;  // open while users_ > 0 or lingering
  std::shared_ptr<DuckDatabase> spare_;  // the writer's instance, file detached
  bool writable_ = false;
  bool has_writer_ = false;
  std::size_t users_ = 0;
  std::optional<std::chrono::steady_clock::time_point> close_at_;  // a lingering lease's end
  bool closer_started_ = false;
};

}  // namespace flockcpp::detail

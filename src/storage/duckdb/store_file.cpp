#include "storage/duckdb/store_file.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <thread>

#include "storage/duckdb/schema.hpp"
#include "tracing/env_util.hpp"


namespace flockcpp::detail {

namespace {
std::mutex g_files_mu;
std::map<std::string, StoreFile*>& files() {
  static auto* m = new std::map<std::string, StoreFile*>();  // never freed: leases may outlive statics
  return *m;
}
}  // namespace

StoreFile::StoreFile(std::string path) : path_(std::move(path)), linger_(1000) {
  read_env_ms("FLOCK_TRACE_READER_LINGER_MS", linger_, 0, 60000);
}

StoreFile& StoreFile::at(const std::string& path) {
  std::error_code ec;
  std::string key = std::filesystem::weakly_canonical(std::filesystem::absolute(path, ec), ec).string();
  if (key.empty()) key = path;
  std::lock_guard lock(g_files_mu);
  StoreFile*& slot = files()[key];
  if (slot == nullptr) {
    slot = new StoreFile(key);  // opened by its absolute name: a later chdir cannot send it elsewhere
    static const bool registered = [] { return std::atexit(close_all_idle) == 0; }();
    (void)registered;
  }
  return *slot;
}

void StoreFile::close_all_idle() {
  std::lock_guard lock(g_files_mu);
  for (auto& [key, file] : files()) {
    std::lock_guard file_lock(file->mu_);
    if (file->users_ == 0) file->close_idle_locked();
    file->spare_.reset();
  }
}

void StoreFile::mark_writer() {
  std::lock_guard lock(mu_);
  has_writer_ = true;
}

StoreFile::Lease StoreFile::share(bool writable, bool linger) {
  std::shared_lock use(use_mu_);
  std::unique_lock lock(mu_);
  writable = writable || has_writer_;
  // A read-only instance cannot serve a writer: wait for its users to go.
  cv_.wait(lock, [&] { return users_ == 0 || writable_ || !writable; });
  if (users_ == 0 && db_ && writable && !writable_) close_idle_locked();  // a lingering read-only one
  if (!db_ && writable && spare_) {
    spare_->reattach();  // throws: still detached, kept for the next try
    db_ = std::move(spare_);
    writable_ = true;
  }
  if (!db_) {
    DuckDatabase::Options opts;
    opts.read_only = !writable;
    opts.threads = 2;
    if (writable) opts.row_group_size = kStoreRowGroupSize;
    db_ = std::make_shared<DuckDatabase>(path_, opts);  // throws: nothing changed
    writable_ = writable;
  }
  ++users_;
  return Lease(this, db_, std::move(use), linger);
}

std::unique_lock<std::shared_mutex> StoreFile::exclusive() {
  std::unique_lock use(use_mu_);
  std::lock_guard lock(mu_);
  close_idle_locked();
  return use;
}

void StoreFile::close_idle_locked(bool park) {
  // Closed under the lock: a second instance of the file must never open
  // while this one still checkpoints.
  if (park && db_ && writable_ && db_->can_detach()) {
    try {
      db_->detach();
      spare_ = std::move(db_);
    } catch (const DuckDbError&) {
      // Closing the instance checkpoints, or gives up, as it would have.
    }
  }
  db_.reset();
  close_at_.reset();
}

void StoreFile::release(bool linger) {
  {
    std::lock_guard lock(mu_);
    if (--users_ == 0) {
      auto now = std::chrono::steady_clock::now();
      if (linger && linger_.count() > 0) {
        close_at_ = now + linger_;
        if (!closer_started_) {
          closer_started_ = true;
          std::thread([this] { closer(); }).detach();
        }
      } else if (!close_at_ || *close_at_ <= now) {
        close_idle_locked(true);
      }
    }
  }
  cv_.notify_all();
}

void StoreFile::closer() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (!close_at_) {
      cv_.wait(lock);
      continue;
    }
    auto at = *close_at_;
    cv_.wait_until(lock, at);
    if (users_ == 0 && close_at_ && std::chrono::steady_clock::now() >= *close_at_) close_idle_locked(true);
  }
}

StoreFile::Lease::~Lease() {
  if (file_ != nullptr && db_) {
    db_.reset();
    use_.unlock();
    file_->release(linger_);
  }
}

}  // namespace flockcpp::detail

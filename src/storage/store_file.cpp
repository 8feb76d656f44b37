#include "storage/store_file.hpp"

#include <filesystem>
#include <map>

namespace flock::detail {

StoreFile& StoreFile::at(const std::string& path) {
  static std::mutex mu;
  static auto* files = new std::map<std::string, std::unique_ptr<StoreFile>>();  // never freed: leases may outlive statics
  std::error_code ec;
  std::string key = std::filesystem::weakly_canonical(std::filesystem::absolute(path, ec), ec).string();
  if (key.empty()) key = path;
  std::lock_guard lock(mu);
  auto& slot = (*files)[key];
  if (!slot) slot.reset(new StoreFile(path));
  return *slot;
}

StoreFile::Lease StoreFile::share(bool writable) {
  std::shared_lock use(use_mu_);
  std::unique_lock lock(mu_);
  writable = writable || has_writer_;
  // A read-only instance cannot serve a writer: wait for its users to go.
  cv_.wait(lock, [&] { return users_ == 0 || writable_ || !writable; });
  if (users_ == 0) {
    DuckDatabase::Options opts;
    opts.read_only = !writable;
    opts.threads = 2;
    opts.disable_external_access = true;
    opts.lock_configuration = true;
    db_ = std::make_shared<DuckDatabase>(path_, opts);  // throws: nothing changed
    writable_ = writable;
  }
  ++users_;
  return Lease(this, db_, std::move(use), writable);
}

void StoreFile::release(bool) {
  {
    std::lock_guard lock(mu_);
    // Closed under the lock: a second instance of the file must never open
    // while this one still checkpoints.
    if (--users_ == 0) db_.reset();
  }
  cv_.notify_all();
}

StoreFile::Lease::~Lease() {
  if (file_ != nullptr && db_) {
    db_.reset();
    file_->release(writable_);
  }
}

}  // namespace flock::detail

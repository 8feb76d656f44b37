#include "storage/duckdb/store_recovery.hpp"

#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

namespace flockcpp::detail {

namespace {

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

std::string utc_stamp() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now).count();
  std::time_t secs = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02d.%09lldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(ns % 1'000'000'000));
  return buf;
}

bool exists(const std::string& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0;
}

// Renames `from` to `to` unless `to` exists. The kernel checks that, so no
// race can make this overwrite a file: renameat2(RENAME_NOREPLACE), or
// link + unlink on file systems without it. (<fcntl.h> and its AT_FDCWD
// cannot be included beside namespace flockcpp, hence the directory handle.)
// Both names are in one folder (`to` is `from` plus a suffix): the names
// given to renameat2 are relative to that folder's handle.
int rename_no_replace(const std::string& from, const std::string& to) {
  std::string dir = ".";
  std::size_t name_at = 0;
  if (auto slash = from.rfind('/'); slash != std::string::npos) {
    dir = slash == 0 ? "/" : from.substr(0, slash);
    name_at = slash + 1;
  }
  if (to.compare(0, name_at, from, 0, name_at) != 0) {
    errno = EXDEV;
    return -1;
  }
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return -1;
  int rc = ::renameat2(::dirfd(d), from.c_str() + name_at, ::dirfd(d), to.c_str() + name_at, RENAME_NOREPLACE);
  int saved = errno;
  ::closedir(d);
  errno = saved;
  if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) {
    if (::link(from.c_str(), to.c_str()) != 0) return -1;
    return ::unlink(from.c_str());
  }
  return rc;
}

}  // namespace

StoreFault classify_store_error(const DuckDbError& e) {
  const std::string msg = e.what();
  if (is_lock_conflict(msg)) return StoreFault::HeldElsewhere;
  // DuckDB refusing data: a span id stored before, a sum past BIGINT, a
  // value that does not convert. The file is fine; the batch is not.
  duckdb_error_type type = e.type() != DUCKDB_ERROR_INVALID ? e.type() : error_type_of_message(msg);
  if (type == DUCKDB_ERROR_CONSTRAINT || type == DUCKDB_ERROR_OUT_OF_RANGE || type == DUCKDB_ERROR_CONVERSION ||
      contains(msg, "Constraint Error") || contains(msg, "Out of Range Error") || contains(msg, "Conversion Error") ||
      contains(msg, "violates primary key") || contains(msg, "violates unique constraint")) {
    return StoreFault::BadBatch;
  }
  if (e.type() == DUCKDB_ERROR_OUT_OF_MEMORY || e.type() == DUCKDB_ERROR_PERMISSION ||
      e.type() == DUCKDB_ERROR_INTERRUPT) {
    return StoreFault::Environment;
  }
  // The operating system's own words (strerror) inside DuckDB's I/O errors:
  // the file may be fine, the machine is not.
  for (int err : {ENOSPC, EDQUOT, EROFS, EACCES, EPERM, EMFILE, ENFILE, ENOMEM, EIO, EBUSY, ENOENT, ENOTDIR}) {
    if (contains(msg, std::strerror(err))) return StoreFault::Environment;
  }
  if (contains(msg, "has been invalidated")) return StoreFault::Environment;
  return StoreFault::Unusable;
}

std::optional<std::string> move_aside(const std::string& path, std::string& error) {
  const std::string stamp = utc_stamp();
  for (int n = 0; n < 1000; ++n) {
    std::string aside = path + ".unusable-" + stamp + "-" + std::to_string(n);
    if (rename_no_replace(path, aside) == 0) {
      std::string wal = path + ".wal";
      if (exists(wal)) rename_no_replace(wal, aside + ".wal");
      return aside;
    }
    if (errno != EEXIST) {
      error = std::strerror(errno);
      return std::nullopt;
    }
  }
  error = "no free name to move it to";
  return std::nullopt;
}

}  // namespace flockcpp::detail

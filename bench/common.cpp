#include "common.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>

#include "storage/duckdb_handle.hpp"
#include "storage/schema.hpp"
#include "storage/store_file.hpp"

namespace flock_bench {
namespace fs = std::filesystem;

namespace {
std::mutex g_mu;
std::map<std::string, Tally> g_tallies;
std::atomic<int> g_seq{0};

const fs::path& temp_dir() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("flock-bench-" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}
}  // namespace

std::string temp_trace_path(const std::string& tag) {
  return (temp_dir() / (tag + "-" + std::to_string(g_seq.fetch_add(1)) + ".duckdb")).string();
}

void remove_trace_file(const std::string& path) {
  std::error_code ec;
  fs::remove(path, ec);
  fs::remove(path + ".wal", ec);
}

void cleanup_temp() {
  std::error_code ec;
  fs::remove_all(temp_dir(), ec);
}

std::int64_t count_rows(const std::string& path) {
  try {
    auto lease = flockcpp::detail::StoreFile::at(path).share(false);
    flockcpp::detail::DuckConnection con(lease.db());
    return con.query_int("SELECT count(*) FROM spans");
  } catch (const std::exception&) {
    return -1;
  }
}

flockcpp::TraceConfig file_config(const std::string& path) {
  flockcpp::TraceConfig c;
  c.trace_file = true;
  c.trace_file_path = path;
  return c;
}

void record_tally(const std::string& bench, std::uint64_t produced, std::int64_t rows, std::uint64_t dropped,
                  std::uint64_t lost) {
  std::lock_guard lock(g_mu);
  Tally& t = g_tallies[bench];
  t.produced += produced;
  if (rows < 0) {
    ++t.unreadable;
  } else {
    t.rows += rows;
  }
  t.dropped += dropped;
  t.lost += lost;
  ++t.calls;
}

std::map<std::string, Tally> tallies() {
  std::lock_guard lock(g_mu);
  return g_tallies;
}

std::size_t flush_every() {
  static const std::size_t n = [] {
    std::size_t v = 4096;
    if (const char* e = std::getenv("FLOCK_BENCH_FLUSH_EVERY")) v = std::strtoull(e, nullptr, 10);
    std::size_t cap = flockcpp::TraceConfig{}.thread_queue_capacity;
    if (v == 0 || v >= cap) v = cap / 2;
    return v;
  }();
  return n;
}

flockcpp::OtlpExporterOptions loopback_otlp_options(const std::string& endpoint, std::size_t batch) {
  flockcpp::OtlpExporterOptions o;
  o.endpoint = endpoint;
  o.schedule_delay = std::chrono::milliseconds(50);
  o.max_queue_size = 1u << 20;
  o.max_export_batch_size = batch;
  return o;
}

}  // namespace flock_bench

// flock_api_bench: the trace-list and trace-detail routes over a store of
// 1,000,000 spans (FLOCK_BENCH_SPANS), p50/p95 in ms, against the same
// queries run directly on an open DuckDB connection in the same run.
//
//   bench/run.sh api            (or build/bench/flock_api_bench)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <flock/flock.hpp>

#include "common.hpp"
#include "http_get.hpp"
#include "storage/duckdb/duckdb_handle.hpp"
#include "storage/duckdb/schema.hpp"
#include "storage/duckdb/trace_store_queries.hpp"

namespace fs = std::filesystem;
using flockcpp::detail::DuckConnection;
using flockcpp::detail::DuckDatabase;
using flockcpp::TraceFilter;
using flockcpp::TraceStoreReader;

namespace {

struct Percentiles {
  double p50 = 0;
  double p95 = 0;
};

Percentiles time_it(int runs, const std::function<void(int)>& fn) {
  fn(-1);  // warm-up
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    fn(i);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<std::size_t>(q * (ms.size() - 1) + 0.5))]; };
  return {at(0.5), at(0.95)};
}

void must(int status, const std::string& what) {
  if (status != 200) {
    std::fprintf(stderr, "flock_api_bench: %s answered %d\n", what.c_str(), status);
    std::exit(1);
  }
}

}  // namespace

int main() {
  std::int64_t spans = 1'000'000;
  if (const char* env = std::getenv("FLOCK_BENCH_SPANS")) spans = std::atoll(env);
  int runs = 30;
  if (const char* env = std::getenv("FLOCK_BENCH_RUNS")) runs = std::atoi(env);
  fs::path dir = fs::temp_directory_path() / ("flock-api-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string path = (dir / "traces.duckdb").string();

  auto t0 = std::chrono::steady_clock::now();
  flock_bench::generate_store(path, spans);
  double gen_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::int64_t traces = (spans + flock_bench::kSpansPerTrace - 1) / flock_bench::kSpansPerTrace;
  std::printf("store: %lld spans in %lld traces, %.1f MB, generated in %.1f s\n", static_cast<long long>(spans),
              static_cast<long long>(traces), static_cast<double>(fs::file_size(path)) / 1048576.0, gen_s);

  std::mt19937 rng(42);
  std::vector<std::string> ids;
  {
    DuckDatabase db(path);
    DuckConnection con(db);
    auto r = con.query("SELECT DISTINCT trace_id FROM spans USING SAMPLE 200 ROWS");
    for (auto& row : r.rows) ids.push_back(*row[0]);
  }
  auto id_at = [&](int i) { return ids[static_cast<std::size_t>(i < 0 ? 0 : i) % ids.size()]; };

  struct Row {
    std::string what;
    Percentiles route;
    Percentiles direct;
    Percentiles reader;
  };
  std::vector<Row> rows;

  // Direct: the same queries on an open connection (warm buffer cache).
  Percentiles d_list, d_filtered, d_detail;
  {
    DuckDatabase::Options opts;
    opts.threads = 2;
    DuckDatabase db(path, opts);
    DuckConnection con(db);
    TraceFilter page;
    TraceFilter filtered;
    filtered.workflow = "wf_3";
    filtered.status = "error";
    d_list = time_it(runs, [&](int) { (void)flockcpp::detail::list_traces(con, page); });
    d_filtered = time_it(runs, [&](int) { (void)flockcpp::detail::list_traces(con, filtered); });
    d_detail = time_it(runs, [&](int i) { (void)flockcpp::detail::trace_spans(con, id_at(i)); });
  }

  // The reader layer alone (lease of the shared instance per call), no HTTP.
  Percentiles q_list, q_filtered, q_detail;
  {
    TraceStoreReader q(path);
    TraceFilter page;
    TraceFilter filtered;
    filtered.workflow = "wf_3";
    filtered.status = "error";
    q_list = time_it(runs, [&](int) { (void)q.list_traces(page); });
    q_filtered = time_it(runs, [&](int) { (void)q.list_traces(filtered); });
    q_detail = time_it(runs, [&](int i) { (void)q.trace_json(id_at(i)); });
  }

  // The routes, over real HTTP on loopback, against `flock dashboard`'s server.
  flockcpp::ServeOptions opts;
  opts.port = 0;
  opts.dashboard = false;
  opts.print_url = false;
  flockcpp::DashboardServer server(path, opts);
  int port = server.start();
  int status = 0;
  Percentiles r_list = time_it(runs, [&](int) {
    flock_bench::http_get(port, "/api/traces?limit=50", status);
    must(status, "GET /api/traces");
  });
  Percentiles r_filtered = time_it(runs, [&](int) {
    flock_bench::http_get(port, "/api/traces?workflow=wf_3&status=error&limit=50", status);
    must(status, "GET /api/traces?workflow=");
  });
  Percentiles r_detail = time_it(runs, [&](int i) {
    flock_bench::http_get(port, "/api/traces/" + id_at(i), status);
    must(status, "GET /api/traces/{id}");
  });
  server.stop();

  rows.push_back({"GET /api/traces?limit=50", r_list, d_list, q_list});
  rows.push_back({"GET /api/traces?workflow=&status=error", r_filtered, d_filtered, q_filtered});
  rows.push_back({"GET /api/traces/{trace_id}", r_detail, d_detail, q_detail});
  std::printf("\n%-40s %8s %8s %11s %11s %11s %10s\n", "route", "p50 ms", "p95 ms", "DuckDB p50", "DuckDB p95",
              "reader p50", "p50 ratio");
  for (const auto& r : rows) {
    std::printf("%-40s %8.2f %8.2f %11.2f %11.2f %11.2f %9.2fx\n", r.what.c_str(), r.route.p50, r.route.p95,
                r.direct.p50, r.direct.p95, r.reader.p50, r.route.p50 / r.direct.p50);
  }
  std::printf(
      "\nDuckDB: the same queries on one open connection in this process. reader: TraceStoreReader in process (store\n"
      "lease per call, no HTTP). ratio = route p50 / DuckDB p50. %d runs each after one warm-up.\n",
      runs);
  std::error_code ec;
  fs::remove_all(dir, ec);
}

// flock_targets_bench: the trace store's targets, each line against a
// baseline measured in the same run, printed as one table (bench/run.sh
// targets). Sizes are options so a quick run is possible:
//   flock_targets_bench [--spans N (1000000)] [--big N (10000000)]
//                       [--workflows N (20000)] [--api-runs N (40)]
//                       [--scale-spans N (2000000)]
// Internal modes (the program starts itself): --reader FILE MS, --memory FILE N.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <flock/flock.hpp>

#include "common.hpp"
#include "http_get.hpp"
#include "realistic.hpp"
#include "storage/duckdb/duckdb_handle.hpp"
#include "exporters/store/store_span_exporter.hpp"
#include "storage/duckdb/schema.hpp"
#include "storage/span_json.hpp"
#include "storage/duckdb/span_row.hpp"
#include "storage/duckdb/store_file.hpp"
#include "storage/duckdb/trace_costs.hpp"
#include "storage/duckdb/trace_store_queries.hpp"
#include "tracing/resource.hpp"

namespace fs = std::filesystem;
using flock_bench::realistic;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return 0;
  return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5))];
}

struct Row {
  std::string measure, baseline, value, target, verdict;
};
std::vector<Row> g_rows;

void row(std::string measure, std::string baseline, std::string value, std::string target, bool met) {
  g_rows.push_back({std::move(measure), std::move(baseline), std::move(value), std::move(target), met ? "met" : "NOT MET"});
  std::printf("  -> %s: %s\n", g_rows.back().measure.c_str(), g_rows.back().value.c_str());
  std::fflush(stdout);
}

// A row with no target of its own: a breakdown of the one above.
void info_row(std::string measure, std::string baseline, std::string value) {
  g_rows.push_back({std::move(measure), std::move(baseline), std::move(value), "-", "-"});
  std::printf("  -> %s: %s\n", g_rows.back().measure.c_str(), g_rows.back().value.c_str());
  std::fflush(stdout);
}

std::string fmt(const char* f, double a, double b = 0, double c = 0) {
  char buf[160];
  std::snprintf(buf, sizeof buf, f, a, b, c);
  return buf;
}

flockcpp::TraceConfig quiet_file_config(const std::string& path) {
  flockcpp::TraceConfig c = flock_bench::file_config(path);
  c.handle_signals = false;
  return c;
}

std::string self_exe() { return fs::read_symlink("/proc/self/exe").string(); }

long peak_rss_kb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

long context_switches() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_nvcsw + u.ru_nivcsw;
}

// ---- 1, 2: the span itself ----------------------------------------------

struct Fake {
  std::int64_t start = 0, end = 0;
  std::int64_t a = 0;
  double b = 0;
};

void span_cost() {
  constexpr int kN = 2'000'000;
  std::vector<double> base, span, off;
  flockcpp::TraceConfig c;  // no exporter: the cost of the span alone
  c.handle_signals = false;
  for (int rep = 0; rep < 5; ++rep) {
    volatile std::int64_t sink = 0;
    auto t0 = Clock::now();
    for (int i = 0; i < kN; ++i) {
      Fake f;
      f.start = Clock::now().time_since_epoch().count();
      f.a = i;
      f.b = 0.5;
      f.end = Clock::now().time_since_epoch().count();
      sink = sink + f.end - f.start + f.a;
    }
    base.push_back(ms_since(t0) * 1e6 / kN);
    flockcpp::tracing::configure(c);
    // Chunks below the lane's capacity, each timed on its own; the flush
    // between them (so no chunk waits for room) is not part of the time.
    double total = 0;
    for (int i = 0; i < kN;) {
      auto c0 = Clock::now();
      for (int end = std::min(kN, i + 4096); i < end; ++i) {
        flockcpp::Span s = flockcpp::start_span("Bench.span");
        s.set_attribute("bench.i", static_cast<std::int64_t>(i));
        s.set_attribute("bench.x", 0.5);
      }
      total += ms_since(c0);
      flockcpp::tracing::force_flush();
    }
    span.push_back(total * 1e6 / kN);
    flockcpp::TraceConfig offc;
    offc.sdk_disabled = true;
    offc.handle_signals = false;
    flockcpp::tracing::configure(offc);
    t0 = Clock::now();
    for (int i = 0; i < kN; ++i) {
      flockcpp::Span s = flockcpp::start_span("Bench.span");
      s.set_attribute("bench.i", static_cast<std::int64_t>(i));
    }
    off.push_back(ms_since(t0) * 1e6 / kN);
  }
  double b = median(base), s = median(span), o = median(off);
  flockcpp::TraceStats st = flockcpp::tracing::stats();
  row("span start+end, 2 attributes, 1 thread", fmt("two clock reads + stores: %.1f ns", b),
      fmt("%.0f ns = %.1fx", s, s / b), "<= 150 ns; <= 2.5x", s <= 150 && s / b <= 2.5 && st.spans_lost == 0);
  row("tracing disabled", "-", fmt("%.1f ns", o), "<= 5 ns", o <= 5);
}

// ---- 3, 5, 6, 11: a million spans into the file -------------------------

void bare_appender(const std::string& path, const std::vector<flockcpp::SpanData>& spans, double& ms) {
  std::string resource;
  flockcpp::detail::append_attributes_json(resource, flockcpp::detail::build_resource(flockcpp::TraceConfig{}));
  auto t0 = Clock::now();
  {
    flockcpp::detail::DuckDatabase db(path);
    flockcpp::detail::DuckConnection con(db);
    flockcpp::detail::ensure_schema(con);
    duckdb_appender app = nullptr;
    duckdb_appender_create(con.get(), nullptr, "spans", &app);
    for (const char* col : flockcpp::detail::kSpanRowColumns) duckdb_appender_add_column(app, col);
    flockcpp::detail::SpanRow row;
    std::string error;
    for (const auto& s : spans) {
      flockcpp::detail::format_row(s, row);
      flockcpp::detail::append_row(app, row, resource, error);
    }
    duckdb_appender_close(app);
    duckdb_appender_destroy(&app);
  }  // the close checkpoints: part of the time
  ms = ms_since(t0);
}

// The writer's release for readers, done bare: cycles of `per_cycle` rows
// (the spans of one 600 ms hold at the pipeline's rate) appended in
// transactions of 8,192 rows into the file attached with the writer's row
// group size, each cycle ended as the writer ends a hold (DETACH, which
// checkpoints) and the next one attached again. Returns the close times in
// ms; `total_ms` is the whole run's.
std::vector<double> bare_release_cycles(const std::string& path, const std::vector<flockcpp::SpanData>& spans,
                                        std::size_t per_cycle, double& total_ms) {
  std::string resource;
  flockcpp::detail::append_attributes_json(resource, flockcpp::detail::build_resource(flockcpp::TraceConfig{}));
  std::vector<double> closes;
  flockcpp::detail::SpanRow row;
  std::string error;
  auto t_start = Clock::now();
  flockcpp::detail::DuckDatabase::Options opts;
  opts.row_group_size = flockcpp::detail::kStoreRowGroupSize;
  flockcpp::detail::DuckDatabase db(path, opts);
  for (std::size_t from = 0; from + per_cycle <= spans.size(); from += per_cycle) {
    if (from > 0) db.reattach();
    {
      flockcpp::detail::DuckConnection con(db);
      if (from == 0) flockcpp::detail::ensure_schema(con);
      for (std::size_t t = from; t < from + per_cycle; t += 8192) {
        con.execute("BEGIN TRANSACTION");
        duckdb_appender app = nullptr;
        duckdb_appender_create(con.get(), nullptr, "spans", &app);
        for (const char* col : flockcpp::detail::kSpanRowColumns) duckdb_appender_add_column(app, col);
        for (std::size_t k = t; k < std::min(t + 8192, from + per_cycle); ++k) {
          flockcpp::detail::format_row(spans[k], row);
          flockcpp::detail::append_row(app, row, resource, error);
        }
        duckdb_appender_close(app);
        duckdb_appender_destroy(&app);
        con.execute("COMMIT");
      }
    }
    auto t0 = Clock::now();
    db.detach();
    closes.push_back(ms_since(t0));
  }
  total_ms = ms_since(t_start);
  return closes;
}

// Another process that opens the file read-only again and again while the
// program writes, holding it 50 ms each time; prints each wait in ms.
int reader_mode(const std::string& path, int for_ms) {
  auto end = Clock::now() + std::chrono::milliseconds(for_ms);
  while (Clock::now() < end) {
    auto t0 = Clock::now();
    for (;;) {
      try {
        flockcpp::detail::DuckDatabase::Options o;
        o.read_only = true;
        flockcpp::detail::DuckDatabase db(path, o);
        double waited = ms_since(t0);
        flockcpp::detail::DuckConnection con(db);
        (void)con.query_int("SELECT count(*) FROM spans");
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        std::printf("%.1f\n", waited);
        std::fflush(stdout);
        break;
      } catch (const std::exception&) {
        if (Clock::now() > end) return 0;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  }
  return 0;
}

// flush_waits: when given, another thread of the program calls force_flush
// every 200 ms during the run and records how long each took to answer.
double pipeline_run(const std::string& path, std::size_t n, std::vector<double>* reader_waits,
                    std::vector<double>* flush_waits = nullptr) {
  flockcpp::tracing::configure(quiet_file_config(path));
  FILE* reader = nullptr;
  if (reader_waits != nullptr) {
    std::string cmd = self_exe() + " --reader " + path + " 600000";
    reader = popen(cmd.c_str(), "r");
  }
  std::atomic<bool> producing{true};
  std::thread flusher;
  if (flush_waits != nullptr) {
    flusher = std::thread([&] {
      while (producing.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        auto f0 = Clock::now();
        bool ok = flockcpp::tracing::force_flush(std::chrono::seconds(30));
        flush_waits->push_back(ok ? ms_since(f0) : 1e9);
      }
    });
  }
  auto t0 = Clock::now();
  const auto& r = realistic();
  for (std::size_t k = 0; k < n; k += flock_bench::kSpansPerTrace) flock_bench::traced_trace(r);
  producing = false;
  if (flusher.joinable()) flusher.join();
  flockcpp::tracing::force_flush(std::chrono::minutes(10));
  double ms = ms_since(t0);
  flockcpp::tracing::shutdown();
  if (reader != nullptr) {
    // The reader ends by itself when it cannot open within its time: stop it.
    std::system(("pkill -f -- '--reader " + path + "'").c_str());
    char line[64];
    while (std::fgets(line, sizeof line, reader) != nullptr) reader_waits->push_back(std::atof(line));
    pclose(reader);
  }
  return ms;
}

// The program's peak memory while an outside reader holds the file for the
// whole run: the queue bound (bytes) must hold.
int memory_mode(const std::string& path, std::size_t n) {
  {
    flockcpp::detail::DuckDatabase db(path);
    flockcpp::detail::DuckConnection con(db);
    flockcpp::detail::ensure_schema(con);
  }
  std::string cmd = "exec " + self_exe() + " --hold " + path;
  FILE* holder = popen(cmd.c_str(), "r");
  char line[32];
  if (holder == nullptr || std::fgets(line, sizeof line, holder) == nullptr) return 1;  // "holding"
  flockcpp::TraceConfig c = quiet_file_config(path);
  c.queue_full_policy = flockcpp::QueueFullPolicy::Drop;
  flockcpp::tracing::configure(c);
  long before = peak_rss_kb();
  const auto& r = realistic();
  for (std::size_t k = 0; k < n; ++k) {
    flockcpp::Span span = flockcpp::start_span("Agent.execute");
    flock_bench::fill(span, r);
  }
  flockcpp::TraceStats st = flockcpp::tracing::stats();
  std::printf("%ld %ld %llu %llu\n", before, peak_rss_kb(), static_cast<unsigned long long>(st.max_pending_bytes),
              static_cast<unsigned long long>(st.spans_dropped));
  std::fflush(stdout);
  std::system(("pkill -f -- '--hold " + path + "'").c_str());
  pclose(holder);
  std::_Exit(0);  // the writer never got the file: nothing to wait for
}

// bench/ingest_rate.mjs's baseline: n local spans with two attributes into
// the file, timed to the last one stored; prints the milliseconds.
int local_rate_mode(const std::string& path, std::size_t n) {
  flockcpp::tracing::configure(quiet_file_config(path));
  auto t0 = Clock::now();
  for (std::size_t k = 0; k < n; ++k) {
    flockcpp::Span span = flockcpp::start_span("Agent.execute");
    span.set_attribute("agent.name", "chef");
    span.set_attribute("n", static_cast<std::int64_t>(k));
  }
  flockcpp::tracing::force_flush(std::chrono::minutes(10));
  double ms = ms_since(t0);
  flockcpp::tracing::shutdown();
  std::printf("%.1f\n", ms);
  return 0;
}

int hold_mode(const std::string& path) {
  flockcpp::detail::DuckDatabase::Options o;
  o.read_only = true;
  flockcpp::detail::DuckDatabase db(path, o);
  std::printf("holding\n");
  std::fflush(stdout);
  std::this_thread::sleep_for(std::chrono::minutes(10));
  return 0;
}

void file_targets(std::size_t n) {
  n -= n % flock_bench::kSpansPerTrace;
  std::printf("\n[file] %zu realistic spans (traces of %d) through the pipeline, and a bare appender writing the same rows\n",
              n, flock_bench::kSpansPerTrace);
  std::vector<flockcpp::SpanData> spans;
  spans.reserve(n);
  for (std::size_t k = 0; k < n; k += flock_bench::kSpansPerTrace) flock_bench::append_trace_data(realistic(), spans);
  std::string bare_path = flock_bench::temp_trace_path("bare");
  double bare_ms = 0;
  bare_appender(bare_path, spans, bare_ms);
  std::string path = flock_bench::temp_trace_path("pipeline");
  std::vector<double> waits, flushes;
  double ms = pipeline_run(path, n, &waits, &flushes);
  std::string cycles_path = flock_bench::temp_trace_path("cycles");
  double cycles_ms = 0;
  std::vector<double> closes = bare_release_cycles(cycles_path, spans, 36'000, cycles_ms);
  flock_bench::remove_trace_file(cycles_path);
  spans.clear();
  spans.shrink_to_fit();
  flockcpp::detail::StoreFile::close_all_idle();
  std::int64_t rows = flock_bench::count_rows(path);
  double per_s = static_cast<double>(n) / (ms / 1000.0), bare_per_s = static_cast<double>(n) / (bare_ms / 1000.0);
  row("spans into the file, realistic attributes", fmt("bare appender, file open: %.0f spans/s", bare_per_s),
      fmt("%.0f spans/s = %.2fx, %.0f lost", per_s, per_s / bare_per_s, static_cast<double>(n) - static_cast<double>(rows)),
      ">= 0.8x, 0 lost", per_s / bare_per_s >= 0.8 && rows == static_cast<std::int64_t>(n));
  double cycles_per_s = static_cast<double>(closes.size() * 36'000) / (cycles_ms / 1000.0);
  info_row("the same, against a bare appender released like the writer",
      fmt("bare, 8K-row commits, DETACH every 36K: %.0f spans/s = %.2fx the file held", cycles_per_s,
          cycles_per_s / bare_per_s),
      fmt("%.0f spans/s = %.2fx", per_s, per_s / cycles_per_s));
  double worst = waits.empty() ? -1 : *std::max_element(waits.begin(), waits.end());
  row("an outside reader opening the file during the run", "-",
      fmt("%.0f opens, longest wait %.0f ms", static_cast<double>(waits.size()), worst), "within 1 s, every time",
      !waits.empty() && worst <= 1000);
  double flush99 = quantile(flushes, 0.99);
  row("force_flush() during the run, every 200 ms",
      fmt("bare DETACH after 36K appended rows: p50 %.0f ms, max %.0f ms", quantile(closes, 0.5),
          closes.empty() ? 0 : *std::max_element(closes.begin(), closes.end())),
      fmt("%.0f calls, p99 %.0f ms (p50 %.0f ms)", static_cast<double>(flushes.size()), flush99, quantile(flushes, 0.5)),
      "p99 <= 1 s", !flushes.empty() && flush99 <= 1000);
  double bytes = static_cast<double>(fs::file_size(path)) / static_cast<double>(std::max<std::int64_t>(rows, 1));
  double bare_bytes = static_cast<double>(fs::file_size(bare_path)) / static_cast<double>(n);
  row("bytes per span in the file", fmt("bare appender's file: %.0f B", bare_bytes), fmt("%.0f B", bytes), "<= 150 B",
      bytes <= 150);
  flock_bench::remove_trace_file(path);
  flock_bench::remove_trace_file(bare_path);

  std::string mem_path = flock_bench::temp_trace_path("memory");
  FILE* p = popen((self_exe() + " --memory " + mem_path + " " + std::to_string(n)).c_str(), "r");
  long before = 0, peak = 0;
  unsigned long long bound = 0, dropped = 0;
  if (p != nullptr && std::fscanf(p, "%ld %ld %llu %llu", &before, &peak, &bound, &dropped) == 4) {
    double grown_mb = static_cast<double>(peak - before) / 1024.0;
    row("memory while a reader holds the file", fmt("queue bound %.0f MB", static_cast<double>(bound) / 1048576.0),
        fmt("peak grew %.0f MB (%.0f spans dropped by policy)", grown_mb, static_cast<double>(dropped)),
        "within the byte bound", grown_mb * 1048576.0 <= static_cast<double>(bound) * 1.25);
  }
  if (p != nullptr) pclose(p);
  flock_bench::remove_trace_file(mem_path);
}

// ---- 4: flush time does not grow with the store --------------------------

// One flush cycle as the pipeline runs it: the writer opens the file,
// writes two batches of 4096 spans while it holds it, and lets go (the close
// checkpoints). Milliseconds per batch, the cycle's open and checkpoint
// shared between its two batches; the median of six cycles.
double flush_ms_at(const std::string& path) {
  flockcpp::detail::StoreFile::close_all_idle();
  std::vector<double> per_batch;
  for (int cycle = 0; cycle < 7; ++cycle) {
    std::vector<std::vector<flockcpp::SpanData>> batches(2);
    for (auto& b : batches) {
      for (int k = 0; k < 4096; ++k) b.push_back(flock_bench::make_span_data(realistic()));
    }
    auto t0 = Clock::now();
    {
      auto exporter = flockcpp::detail::make_store_span_exporter(path, flockcpp::TraceConfig{});
      for (auto& b : batches) {
        while (exporter->export_batch(b) == flockcpp::ExportResult::Retry) {
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
      }
    }
    if (cycle > 0) per_batch.push_back(ms_since(t0) / 2);  // the first warms the page cache
  }
  return median(per_batch);
}

double flush_ms_at(std::int64_t stored) {
  std::string path = flock_bench::temp_trace_path("flush");
  if (stored > 0) flock_bench::generate_store(path, stored);
  double ms = flush_ms_at(path);
  flock_bench::remove_trace_file(path);
  return ms;
}

// The file row again, into copies of a big store: the pipeline (reader and
// force_flush as in the file row) and the bare appender holding the file.
void file_targets_at(const std::string& big_store, std::size_t n) {
  n -= n % flock_bench::kSpansPerTrace;
  flockcpp::detail::StoreFile::close_all_idle();
  std::int64_t stored = flock_bench::count_rows(big_store);
  std::printf("\n[file, big store] %zu realistic spans into a store of %lld spans\n", n, static_cast<long long>(stored));
  std::vector<flockcpp::SpanData> spans;
  spans.reserve(n);
  for (std::size_t k = 0; k < n; k += flock_bench::kSpansPerTrace) flock_bench::append_trace_data(realistic(), spans);
  std::string bare_path = flock_bench::temp_trace_path("bigbare"), path = flock_bench::temp_trace_path("bigpipe");
  fs::copy_file(big_store, bare_path, fs::copy_options::overwrite_existing);
  fs::copy_file(big_store, path, fs::copy_options::overwrite_existing);
  double bare_ms = 0;
  bare_appender(bare_path, spans, bare_ms);
  flock_bench::remove_trace_file(bare_path);
  spans.clear();
  spans.shrink_to_fit();
  std::vector<double> waits, flushes;
  double ms = pipeline_run(path, n, &waits, &flushes);
  flockcpp::detail::StoreFile::close_all_idle();
  std::int64_t rows = flock_bench::count_rows(path) - stored;
  flock_bench::remove_trace_file(path);
  double per_s = static_cast<double>(n) / (ms / 1000.0), bare_per_s = static_cast<double>(n) / (bare_ms / 1000.0);
  row(fmt("spans into the file, %.0fM stored", static_cast<double>(stored) / 1e6),
      fmt("bare appender, file open: %.0f spans/s", bare_per_s),
      fmt("%.0f spans/s = %.2fx, %.0f lost", per_s, per_s / bare_per_s, static_cast<double>(n) - static_cast<double>(rows)),
      ">= 100,000/s, >= 0.8x", per_s >= 100'000 && per_s / bare_per_s >= 0.8 && rows == static_cast<std::int64_t>(n));
}

void flush_targets(std::int64_t big, std::size_t file_spans) {
  std::printf("\n[flush] 4096-span flushes into a store of 100,000 and of %lld spans\n", static_cast<long long>(big));
  double small = flush_ms_at(100'000);
  std::string path = flock_bench::temp_trace_path("flush");
  flock_bench::generate_store(path, big);
  double large = flush_ms_at(path);
  row(fmt("flush time at %.0fM spans in the store", static_cast<double>(big) / 1e6), fmt("at 100K: %.1f ms", small),
      fmt("%.1f ms = %.2fx", large, large / small), "<= 1.3x", large / small <= 1.3);
  file_targets_at(path, file_spans);
  flock_bench::remove_trace_file(path);
}

// ---- the store-scale shape: cost per span does not grow with the store ----

// n spans in traces of 1,000 under traced_run (the run's span and 999
// children, 2 attributes, one of 200 bytes), timed until stored and the
// file closed: the cost
// per span in microseconds, and the file's bytes per span.
double scale_run(std::size_t n, double& bytes_per_span) {
  std::string path = flock_bench::temp_trace_path("scale");
  flockcpp::tracing::configure(quiet_file_config(path));
  const std::string payload(200, 'x');
  flockcpp::Flock flock;
  auto t0 = Clock::now();
  for (std::size_t done = 0; done < n; done += 1000) {
    auto run = flock.traced_run("scale.workflow");
    for (int i = 0; i < 999; ++i) {
      flockcpp::Span s = flockcpp::start_span("Agent.step");
      s.set_attribute("step", static_cast<std::int64_t>(i));
      s.set_attribute("payload", payload);
    }
  }
  // Until the file is closed and checkpointed: a short run would otherwise
  // skip the checkpoint that a long one pays at every release for readers.
  flockcpp::tracing::shutdown(std::chrono::minutes(10));
  flockcpp::detail::StoreFile::close_all_idle();
  double us = ms_since(t0) * 1000.0 / static_cast<double>(n);
  std::int64_t rows = flock_bench::count_rows(path);
  bytes_per_span = static_cast<double>(fs::file_size(path)) / static_cast<double>(std::max<std::int64_t>(rows, 1));
  if (rows != static_cast<std::int64_t>(n)) std::printf("  scale run lost spans: %lld stored of %zu\n",
                                                        static_cast<long long>(rows), n);
  flock_bench::remove_trace_file(path);
  return us;
}

void scale_targets(std::size_t big) {
  std::printf("\n[scale] traces of 1,000 spans with a 200-byte attribute: 100,000 spans, then %zu\n", big);
  double small_bytes = 0, big_bytes = 0;
  double small = scale_run(100'000, small_bytes);
  double large = scale_run(big, big_bytes);
  row(fmt("store-scale shape: cost per span at %.1fM", static_cast<double>(big) / 1e6),
      fmt("at 100K: %.1f us", small), fmt("%.1f us = %.2fx", large, large / small), "<= 1.3x", large / small <= 1.3);
  row("store-scale shape: file bytes per span", fmt("at 100K: %.0f B", small_bytes), fmt("%.0f B", big_bytes),
      "<= 200 B", big_bytes <= 200);
}

// ---- 7, 8: workflows ------------------------------------------------------

bool g_workflows_lost = false;

double workflows(int m, bool traced, double& switches) {
  std::string path = flock_bench::temp_trace_path("workflows");
  flockcpp::TraceConfig c = quiet_file_config(path);
  if (!traced) c.sdk_disabled = true;
  flockcpp::tracing::configure(c);
  auto f = flock_bench::make_two_agent_flock();
  flock_bench::one_workflow(*f, -1);
  flockcpp::tracing::force_flush();
  long cs0 = context_switches();
  auto t0 = Clock::now();
  for (int k = 0; k < m; ++k) flock_bench::one_workflow(*f, k);
  flockcpp::tracing::force_flush(std::chrono::minutes(10));
  double ms = ms_since(t0);
  switches = static_cast<double>(context_switches() - cs0) / m;
  if (flock_bench::dishes(*f) != static_cast<std::size_t>(m) + 1) {
    std::printf("  workflows lost outputs!\n");
    g_workflows_lost = true;
  }
  flockcpp::TraceStats st = flockcpp::tracing::stats();
  f.reset();
  flockcpp::tracing::shutdown();
  // Every span ended is stored: none dropped or lost, the file holds them all.
  if (traced) {
    std::int64_t rows = flock_bench::count_rows(path);
    if (st.spans_dropped + st.spans_lost > 0 || rows != static_cast<std::int64_t>(st.spans_exported)) {
      std::printf("  workflow spans lost: %lld stored of %llu\n", static_cast<long long>(rows),
                  static_cast<unsigned long long>(st.spans_exported + st.spans_dropped + st.spans_lost));
      g_workflows_lost = true;
    }
  }
  flock_bench::remove_trace_file(path);
  return m / (ms / 1000.0);
}

void workflow_targets(int m) {
  std::printf("\n[workflows] %d two-agent workflows, traced into the file and untraced\n", m);
  double cs_off = 0, cs_on = 0;
  double off = workflows(m, false, cs_off);
  double on = workflows(m, true, cs_on);
  row("traced 2-agent workflows/s, file on", fmt("untraced: %.0f/s", off),
      fmt("%.0f/s = %.2fx", on, on / off) + (g_workflows_lost ? ", LOST" : ", 0 lost"), ">= 8,000/s, 0 lost",
      on >= 8000 && !g_workflows_lost);
  row("context switches per untraced workflow", "-", fmt("%.1f (traced: %.1f)", cs_off, cs_on), "halved (from 4.9)",
      cs_off <= 2.45);
}

// ---- 9, 10: the trace list over the HTTP API ----------------------------

// The HTTP API alone on a free loopback port.
flockcpp::ServeOptions api_only() {
  flockcpp::ServeOptions o;
  o.port = 0;
  o.dashboard = false;
  o.print_url = false;
  return o;
}

// GET /api/traces/{id} p95 over `runs` sampled traces of the store, p95 in ms.
double trace_reads_p95(const std::string& path, const std::vector<std::string>& ids) {
  flockcpp::DashboardServer server(path, api_only());
  int port = server.start();
  std::vector<double> times;
  int status = 0;
  (void)flock_bench::http_get(port, "/api/traces/" + ids.front(), status);  // opens the file
  for (const auto& id : ids) {
    auto t0 = Clock::now();
    std::string body = flock_bench::http_get(port, "/api/traces/" + id, status);
    times.push_back(ms_since(t0));
    if (status != 200) std::printf("  GET /api/traces/%s answered %d\n", id.c_str(), status);
  }
  server.stop();
  return quantile(times, 0.95);
}

// One trace read without an index (the store as written) and with the
// index an earlier version kept on spans.trace_id, the same sampled traces.
void trace_by_id_target(const std::string& path, int runs) {
  std::vector<std::string> ids;
  {
    flockcpp::detail::DuckDatabase db(path);
    flockcpp::detail::DuckConnection con(db);
    flockcpp::detail::JsonTable t = con.query_table(
        "SELECT trace_id FROM traces USING SAMPLE " + std::to_string(std::max(runs, 1)) + " ROWS (reservoir, 7)");
    for (const auto& r : t.rows) ids.push_back(r[0].get<std::string>());
  }
  flockcpp::detail::StoreFile::close_all_idle();
  if (ids.empty()) return;
  double plain = trace_reads_p95(path, ids);
  flockcpp::detail::StoreFile::close_all_idle();
  {
    flockcpp::detail::DuckDatabase db(path);
    flockcpp::detail::DuckConnection con(db);
    con.execute("CREATE INDEX idx_spans_trace_id ON spans (trace_id)");
  }
  flockcpp::detail::StoreFile::close_all_idle();
  double keyed = trace_reads_p95(path, ids);
  flockcpp::detail::StoreFile::close_all_idle();
  row("GET /api/traces/{id} p95, no index", fmt("with an index on trace_id: %.1f ms", keyed),
      fmt("%.1f ms = %.2fx", plain, plain / keyed), "<= 1.3x", plain / keyed <= 1.3);
}

void api_target(std::int64_t spans, int runs, double target_ms, bool by_id = false) {
  std::string path = flock_bench::temp_trace_path("api");
  flock_bench::generate_store(path, spans);
  std::vector<double> direct, priced, http;
  {
    flockcpp::detail::DuckDatabase db(path);
    flockcpp::detail::DuckConnection con(db);
    flockcpp::TraceFilter page;
    // Interleaved: the listing's two queries without the models column, and
    // the listing with its tokens priced per model (what GET /api/traces
    // answers).
    for (int i = -1; i < runs; ++i) {
      auto t0 = Clock::now();
      (void)con.query_table("SELECT count(*) FROM traces WHERE true");
      (void)con.query_objects(
          "SELECT trace_id, root_name, workflow_name, start_time, end_time, duration_ms, span_count, error_count, "
          "status, services, agents, error_message, input_tokens, output_tokens, correlation_ids, service_names "
          "FROM traces WHERE true ORDER BY start_time DESC, trace_id DESC LIMIT 50 OFFSET 0");
      if (i >= 0) direct.push_back(ms_since(t0));
      t0 = Clock::now();
      flockcpp::Json out = flockcpp::detail::list_traces(con, page);
      flockcpp::detail::add_trace_costs(out["items"], flockcpp::ModelPrices::in_force());
      if (i >= 0) priced.push_back(ms_since(t0));
    }
  }
  flockcpp::DashboardServer server(path, api_only());
  int port = server.start();
  for (int i = -1; i < runs; ++i) {
    int status = 0;
    auto t0 = Clock::now();
    (void)flock_bench::http_get(port, "/api/traces?limit=50", status);
    if (i >= 0) http.push_back(ms_since(t0));
  }
  server.stop();
  if (by_id) trace_by_id_target(path, runs);
  double p95 = quantile(http, 0.95), d95 = quantile(direct, 0.95), c95 = quantile(priced, 0.95);
  row(fmt("trace list page with tokens priced, %.1fM spans", static_cast<double>(spans) / 1e6),
      fmt("without cost p95 %.2f ms", d95), fmt("p95 %.2f ms = %.2fx", c95, c95 / d95), "<= 1.2x", c95 / d95 <= 1.2);
  row(fmt("GET /api/traces?limit=50 over %.1fM spans", static_cast<double>(spans) / 1e6),
      fmt("direct DuckDB p95 %.1f ms", d95), fmt("p95 %.1f ms (p50 %.1f)", p95, quantile(http, 0.5)),
      fmt("p95 <= %.0f ms", target_ms), p95 <= target_ms);
  flock_bench::remove_trace_file(path);
}

long arg(int argc, char** argv, const char* name, long fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == name) return std::atol(argv[i + 1]);
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 4 && std::string(argv[1]) == "--reader") return reader_mode(argv[2], std::atoi(argv[3]));
  if (argc >= 4 && std::string(argv[1]) == "--memory") return memory_mode(argv[2], std::stoul(argv[3]));
  if (argc >= 3 && std::string(argv[1]) == "--hold") return hold_mode(argv[2]);
  // The file row's pipeline run alone (reader and force_flush included), for a profiler.
  if (argc >= 4 && std::string(argv[1]) == "--pipeline") {
    std::vector<double> waits, flushes;
    double ms = pipeline_run(argv[2], std::stoul(argv[3]), &waits, &flushes);
    std::printf("%.0f spans/s, longest reader wait %.0f ms, force_flush p99 %.0f ms\n",
                static_cast<double>(std::stoul(argv[3])) / (ms / 1000.0),
                waits.empty() ? -1.0 : *std::max_element(waits.begin(), waits.end()), quantile(flushes, 0.99));
    return 0;
  }
  if (argc >= 4 && std::string(argv[1]) == "--generate") {  // a store of N spans at PATH, for --pipeline
    flock_bench::generate_store(argv[2], std::stoll(argv[3]));
    return 0;
  }
  if (argc >= 4 && std::string(argv[1]) == "--local-rate") return local_rate_mode(argv[2], std::stoul(argv[3]));
  flockcpp::set_diagnostic_sink({});  // the table is the output
  const auto spans = static_cast<std::size_t>(arg(argc, argv, "--spans", 1'000'000));
  const long big = arg(argc, argv, "--big", 10'000'000);
  const int wf = static_cast<int>(arg(argc, argv, "--workflows", 20'000));
  const int runs = static_cast<int>(arg(argc, argv, "--api-runs", 40));

  // --only span|file|flush|scale|workflows|api runs one group.
  std::string only;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--only") only = argv[i + 1];
  }
  auto want = [&](const char* group) { return only.empty() || only == group; };
  if (want("span")) {
    std::printf("[span] start+end cost, 5 runs of 2M, medians\n");
    span_cost();
  }
  if (want("file")) file_targets(spans);
  if (want("flush")) flush_targets(big, spans);
  if (want("scale")) scale_targets(static_cast<std::size_t>(arg(argc, argv, "--scale-spans", 2'000'000)));
  if (want("workflows")) workflow_targets(wf);
  if (want("api")) {
    std::printf("\n[api] the trace list over the HTTP API\n");
    api_target(static_cast<std::int64_t>(spans), runs, 20);
    api_target(big, runs, 20, true);
  }

  std::printf("\n%-48s | %-36s | %-40s | %-22s | %s\n", "measure", "baseline (same run)", "result", "target", "");
  std::printf("%s\n", std::string(170, '-').c_str());
  for (const auto& r : g_rows) {
    std::printf("%-48s | %-36s | %-40s | %-22s | %s\n", r.measure.c_str(), r.baseline.c_str(), r.value.c_str(),
                r.target.c_str(), r.verdict.c_str());
  }
  flock_bench::cleanup_temp();
  return 0;
}

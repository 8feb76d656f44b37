// Benchmark 4: spans per second into the DuckDB file with realistic
// attributes, through the whole pipeline (start -> end -> lane -> batch
// processor -> DuckDbSpanExporter, timed until force_flush returns), against
// a bare DuckDB appender loop writing the same rows into the same schema in
// the same run.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include <flock/otlp.hpp>
#include <flock/json.hpp>
#include <flock/tracing.hpp>

#include "common.hpp"
#include "realistic.hpp"
#include "loopback_collector.hpp"
#include "storage/duckdb/duckdb_handle.hpp"
#include "storage/duckdb/schema.hpp"
#include "storage/span_json.hpp"
#include "storage/duckdb/span_row.hpp"
#include "tracing/ids.hpp"
#include "tracing/resource.hpp"
#include "tracing/span_control.hpp"

namespace flock_bench {
namespace {


// Baseline: one DuckDB session (same options as the exporter: threads = 1),
// ensure_schema, one appender, format_row + append_row per span, close.
// Diagnostic (not a target): the same appender loop after dropping the three
// secondary indexes ensure_schema creates (range(1) == 1), to show what they
// cost the writer.
void BM_Baseline_BareAppender(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const bool drop_indexes = state.range(1) == 1;
  std::vector<flockcpp::SpanData> spans;
  spans.reserve(n);
  for (std::size_t k = 0; k < n; ++k) spans.push_back(make_span_data(realistic()));
  std::string resource;
  flockcpp::detail::append_attributes_json(resource, flockcpp::detail::build_resource(flockcpp::TraceConfig{}));
  std::string path = temp_trace_path("appender");
  for (auto _ : state) {
    flockcpp::detail::DuckDatabase::Options opts;
    opts.threads = 1;
    flockcpp::detail::DuckDatabase db(path, opts);
    flockcpp::detail::DuckConnection con(db);
    flockcpp::detail::ensure_schema(con);
    if (drop_indexes) {
      con.execute("DROP INDEX IF EXISTS idx_spans_trace_id");
      con.execute("DROP INDEX IF EXISTS idx_spans_start_time");
      con.execute("DROP INDEX IF EXISTS idx_spans_name");
    }
    duckdb_appender app = nullptr;
    if (duckdb_appender_create(con.get(), nullptr, "spans", &app) != DuckDBSuccess) {
      state.SkipWithError("cannot create appender");
      break;
    }
    for (const char* col : flockcpp::detail::kSpanRowColumns) duckdb_appender_add_column(app, col);
    flockcpp::detail::SpanRow row;
    std::string error;
    for (const auto& s : spans) {
      flockcpp::detail::format_row(s, row);
      if (!flockcpp::detail::append_row(app, row, resource, error)) break;
    }
    if (!error.empty() || duckdb_appender_close(app) != DuckDBSuccess) state.SkipWithError("append failed");
    duckdb_appender_destroy(&app);
  }
  std::int64_t rows = count_rows(path);
  record_tally(drop_indexes ? "diag: appender, no secondary indexes" : "bare appender baseline", n * static_cast<std::uint64_t>(state.iterations()), rows, 0, 0);
  remove_trace_file(path);
  state.counters["spans"] = static_cast<double>(n);
}

// The measured part of the throughput benchmarks: n realistic spans, then
// force_flush until the configured exporters have them all.
void timed_realistic_batches(benchmark::State& state, std::size_t n) {
  const Realistic& r = realistic();
  for (auto _ : state) {
    for (std::size_t k = 0; k < n; ++k) {
      flockcpp::Span span = flockcpp::start_span("Agent.execute");
      fill(span, r);
    }
    if (!flockcpp::tracing::force_flush()) state.SkipWithError("force_flush timed out");
  }
}

void BM_Pipeline_DuckDB_Realistic(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::string path = temp_trace_path("pipeline");
  flockcpp::tracing::configure(file_config(path));
  flockcpp::TraceStats before = flockcpp::tracing::stats();
  timed_realistic_batches(state, n);
  flockcpp::TraceStats after = flockcpp::tracing::stats();
  flockcpp::tracing::shutdown();
  std::uint64_t expected = n * static_cast<std::uint64_t>(state.iterations());
  std::int64_t rows = count_rows(path);
  record_tally("pipeline realistic -> DuckDB", expected, rows, after.spans_dropped - before.spans_dropped,
               after.spans_lost);
  state.counters["spans"] = static_cast<double>(n);
  state.counters["rows_missing"] = static_cast<double>(static_cast<std::int64_t>(expected) - rows);
  state.counters["export_retries"] = static_cast<double>(after.export_retries);
  remove_trace_file(path);
}

// Issue 4: spans per second through the OTLP exporter (protobuf over HTTP to
// a collector on loopback), no file, timed until force_flush has delivered
// everything; compared with the DuckDB pipeline above.
void BM_Pipeline_OTLP_Realistic(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  LoopbackCollector collector;
  flockcpp::TraceConfig config;
  config.handle_signals = false;
  config.otlp = loopback_otlp_options(collector.endpoint(), 2048);
  flockcpp::tracing::configure(config);
  timed_realistic_batches(state, n);
  flockcpp::TraceStats after = flockcpp::tracing::stats();
  flockcpp::tracing::shutdown();
  std::uint64_t expected = n * static_cast<std::uint64_t>(state.iterations());
  record_tally("pipeline realistic -> OTLP loopback", expected, static_cast<std::int64_t>(collector.spans()),
               after.otlp ? after.otlp->spans_dropped : 0, after.otlp ? after.otlp->spans_rejected : 0);
  state.counters["spans"] = static_cast<double>(n);
}

}  // namespace

BENCHMARK(BM_Pipeline_OTLP_Realistic)->Arg(20000)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Baseline_BareAppender)->Args({20000, 0})->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Pipeline_DuckDB_Realistic)->Arg(20000)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Baseline_BareAppender)
    ->Name("BM_Diag_Appender_NoSecondaryIndexes")
    ->Args({20000, 1})
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace flock_bench

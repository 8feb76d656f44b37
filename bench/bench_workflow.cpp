// Benchmark 5: traced two-agent workflows per second, persisted end to end
// (each workflow under flock.traced_run, publish, run_until_idle; timed until
// force_flush returns, so every span is in the DuckDB file), against the
// same workflows with tracing disabled (OTEL_SDK_DISABLED) in the same run.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include <flock/flock.hpp>

#include "common.hpp"
#include "realistic.hpp"


namespace flock_bench {
namespace {

void run_workflows(benchmark::State& state, bool traced) {
  const int m = static_cast<int>(state.range(0));
  std::string path = temp_trace_path(traced ? "workflows" : "workflows-off");
  flockcpp::TraceConfig config = file_config(path);
  if (!traced) config.sdk_disabled = true;
  flockcpp::tracing::configure(config);
  auto f = make_two_agent_flock();
  one_workflow(*f, -1);  // warm-up: worker threads, lanes, record pools
  flockcpp::tracing::force_flush();
  flockcpp::TraceStats before = flockcpp::tracing::stats();
  for (auto _ : state) {
    for (int k = 0; k < m; ++k) one_workflow(*f, k);
    if (!flockcpp::tracing::force_flush()) state.SkipWithError("force_flush timed out");
  }
  flockcpp::TraceStats after = flockcpp::tracing::stats();
  auto made = dishes(*f);
  if (made != static_cast<std::size_t>(m) * state.iterations() + 1) state.SkipWithError("workflows lost outputs");
  state.counters["workflows"] = m;
  if (traced) {
    std::uint64_t ended = after.spans_ended - before.spans_ended;
    // Rows include the warm-up workflow's spans (ended before `before`).
    std::uint64_t warm = before.spans_exported;
    f.reset();
    flockcpp::tracing::force_flush();
    flockcpp::TraceStats last = flockcpp::tracing::stats();
    flockcpp::tracing::shutdown();
    std::int64_t rows = count_rows(path);
    std::uint64_t produced = warm + ended + (last.spans_ended - after.spans_ended);
    record_tally("traced 2-agent workflows -> DuckDB", produced, rows, last.spans_dropped - before.spans_dropped,
                 last.spans_lost);
    state.counters["spans_per_workflow"] = static_cast<double>(ended) / (static_cast<double>(m) * state.iterations());
    state.counters["rows_missing"] = static_cast<double>(static_cast<std::int64_t>(produced) - rows);
  } else {
    f.reset();
    flockcpp::tracing::shutdown();
  }
  remove_trace_file(path);
}

void BM_Baseline_Workflows_Untraced(benchmark::State& state) { run_workflows(state, false); }
void BM_Workflows_Traced_DuckDB(benchmark::State& state) { run_workflows(state, true); }

}  // namespace

BENCHMARK(BM_Baseline_Workflows_Untraced)->Arg(2000)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Workflows_Traced_DuckDB)->Arg(2000)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace flock_bench

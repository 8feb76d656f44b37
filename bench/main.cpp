// flock_bench: runs every benchmark, then prints the table of ratios against
// the baselines measured in the same run (medians when run with
// --benchmark_repetitions) and the "nothing lost" checks.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>

#include <flock/tracing.hpp>

#include "common.hpp"

namespace {

struct Measured {
  double real_ns = 0;  // per iteration, as Google Benchmark adjusts it
  int threads = 1;
  int reps = 0;
  bool median = false;
  bool error = false;
};

class CollectingReporter : public benchmark::ConsoleReporter {
 public:
  using benchmark::ConsoleReporter::ConsoleReporter;
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      std::string key = r.run_name.function_name + (r.threads > 1 ? "/threads:" + std::to_string(r.threads) : "");
      Measured& m = results[key];
      if (r.error_occurred) {
        m.error = true;
        continue;
      }
      double ns = r.GetAdjustedRealTime() * 1e9 / benchmark::GetTimeUnitMultiplier(r.time_unit);
      if (r.run_type == Run::RT_Aggregate) {
        if (r.aggregate_name == "median") {
          m.real_ns = ns;
          m.median = true;
        }
      } else {
        ++m.reps;
        if (!m.median) m.real_ns = ns;  // single run, or until the median arrives
      }
      m.threads = static_cast<int>(r.threads);
    }
    ConsoleReporter::ReportRuns(runs);
  }
  std::map<std::string, Measured> results;
};

const char* yes_no(bool b) { return b ? "MET" : "NOT MET"; }

void print_table(const std::map<std::string, Measured>& res) {
  auto get = [&](const std::string& k) -> const Measured* {
    auto it = res.find(k);
    return it == res.end() || it->second.error || it->second.real_ns <= 0 ? nullptr : &it->second;
  };
  std::printf("\n================ flock_bench: ratios against same-run baselines ================\n");
  std::printf("(medians over repetitions; wall-clock time; 2-core machine shared with other work)\n\n");

  // 1. One thread.
  if (auto* s = get("BM_Span_2Attrs_DuckDB")) {
    std::printf("1. span start + 2 attributes + end -> DuckDB store, 1 thread\n");
    std::printf("   (timing paused while tracing::force_flush() runs every %zu spans; Wait policy)\n",
                flock_bench::flush_every());
    std::printf("   flock span                         %8.1f ns/span   target <= 150 ns: %s\n", s->real_ns,
                yes_no(s->real_ns <= 150));
    if (auto* b = get("BM_Baseline_ClockAndStruct"))
      std::printf("   baseline: 2 clock reads + struct   %8.1f ns        ratio flock/baseline = %.2fx\n", b->real_ns,
                  s->real_ns / b->real_ns);
    if (auto* b = get("BM_Baseline_NaiveMutexTracer"))
      std::printf("   baseline: naive mutex+vector tracer%8.1f ns        ratio flock/naive    = %.2fx\n", b->real_ns,
                  s->real_ns / b->real_ns);
    if (auto* d = get("BM_Span_2Attrs_NoExporter"))
      std::printf("   diagnostic: flock span, no exporter%8.1f ns/span\n", d->real_ns);
  }
  // 2. Two threads. Google Benchmark reports (mean per-thread wall time) /
  // (iterations of all threads): wall time per span of the whole process.
  if (auto* s = get("BM_Span_2Attrs_DuckDB/threads:2")) {
    double per_thread = s->real_ns * s->threads;
    std::printf("\n2. the same from 2 threads (each thread's own lane)\n");
    std::printf("   flock span, per thread             %8.1f ns/span   target <= 150 ns: %s\n", per_thread,
                yes_no(per_thread <= 150));
    std::printf("   flock span, process throughput     %8.1f ns/span   (%.1f M spans/s)\n", s->real_ns,
                1e3 / s->real_ns);
    if (auto* b = get("BM_Baseline_ClockAndStruct/threads:2"))
      std::printf("   baseline: 2 clock reads + struct   %8.1f ns/thread ratio flock/baseline = %.2fx\n",
                  b->real_ns * b->threads, s->real_ns / b->real_ns);
    if (auto* b = get("BM_Baseline_NaiveMutexTracer/threads:2"))
      std::printf("   baseline: naive mutex+vector tracer%8.1f ns/thread ratio flock/naive    = %.2fx\n",
                  b->real_ns * b->threads, s->real_ns / b->real_ns);
    if (auto* d = get("BM_Span_2Attrs_NoExporter/threads:2"))
      std::printf("   diagnostic: flock span, no exporter%8.1f ns/thread\n", d->real_ns * d->threads);
  }
  // 3. Disabled.
  if (auto* e = get("BM_Baseline_EmptyLoop")) {
    std::printf("\n3. tracing disabled: start_span + 2 attributes + end\n");
    std::printf("   baseline: empty benchmark loop     %8.2f ns\n", e->real_ns);
    if (auto* d = get("BM_Disabled_SdkDisabled"))
      std::printf("   OTEL_SDK_DISABLED (start_span)     %8.2f ns  = %.1fx empty loop, net %.2f ns; target <= 5 ns: %s\n",
                  d->real_ns, d->real_ns / e->real_ns, d->real_ns - e->real_ns, yes_no(d->real_ns <= 5));
    if (auto* d = get("BM_Disabled_AutoTraceOff"))
      std::printf("   FLOCK_AUTO_TRACE=false (auto span) %8.2f ns  = %.1fx empty loop, net %.2f ns; target <= 5 ns: %s\n",
                  d->real_ns, d->real_ns / e->real_ns, d->real_ns - e->real_ns, yes_no(d->real_ns <= 5));
  }
  // 4. Store throughput (one iteration = 20000 spans).
  auto* p = get("BM_Pipeline_DuckDB_Realistic");
  auto* a = get("BM_Baseline_BareAppender");
  if (p && a) {
    const double n = 20000;
    double ps = n / (p->real_ns * 1e-9), as = n / (a->real_ns * 1e-9);
    std::printf("\n4. spans/s into the DuckDB file, 8 realistic attributes (agent.name, correlation_id, input.value JSON, ...)\n");
    std::printf("   whole pipeline (until force_flush) %10.0f spans/s (%.1f ms per 20000)\n", ps, p->real_ns / 1e6);
    std::printf("   bare appender loop, same rows      %10.0f spans/s (%.1f ms per 20000)\n", as, a->real_ns / 1e6);
    std::printf("   ratio pipeline/appender = %.2fx   target >= 0.8x: %s\n", ps / as, yes_no(ps / as >= 0.8));
    if (auto* d = get("BM_Diag_Appender_NoSecondaryIndexes"))
      std::printf("   diagnostic: appender without the 3 secondary indexes %10.0f spans/s (%.1fx the indexed store)\n",
                  n / (d->real_ns * 1e-9), (n / (d->real_ns * 1e-9)) / as);
  }
  // 5. Workflows.
  auto* t = get("BM_Workflows_Traced_DuckDB");
  auto* u = get("BM_Baseline_Workflows_Untraced");
  if (t) {
    const double m = 2000;
    double ts = m / (t->real_ns * 1e-9);
    std::printf("\n5. traced two-agent workflows persisted end to end (traced_run, publish, run_until_idle; until force_flush)\n");
    std::printf("   traced -> DuckDB                   %8.0f workflows/s  target >= 5000/s: %s\n", ts, yes_no(ts >= 5000));
    if (u) {
      double us = m / (u->real_ns * 1e-9);
      std::printf("   baseline: same, tracing disabled   %8.0f workflows/s  ratio traced/untraced = %.2fx\n", us,
                  ts / us);
    }
  }

  // 6. OTLP (issue 4).
  auto* o = get("BM_Pipeline_OTLP_Realistic");
  if (o) {
    const double n = 20000;
    double os = n / (o->real_ns * 1e-9);
    std::printf("\n6. OTLP/HTTP protobuf to a collector on 127.0.0.1, 8 realistic attributes (until delivered)\n");
    std::printf("   OTLP exporter                      %10.0f spans/s\n", os);
    if (p) std::printf("   ratio OTLP/DuckDB pipeline = %.2fx (same spans, same run)\n", os / (n / (p->real_ns * 1e-9)));
  }
  auto* f = get("BM_Span_2Attrs_DuckDB");
  auto* fo = get("BM_Span_2Attrs_DuckDB_Otlp");
  if (f && fo) {
    std::printf("   hot path, span 2 attrs: file only %8.1f ns, file + OTLP %8.1f ns: ratio %.2fx\n", f->real_ns,
                fo->real_ns, fo->real_ns / f->real_ns);
  }

  std::printf("\nNothing lost (spans produced vs rows counted in the trace files with DuckDB's C API):\n");
  bool all_ok = true;
  for (const auto& [name, tally] : flock_bench::tallies()) {
    bool ok = tally.unreadable == 0 && static_cast<std::int64_t>(tally.produced) == tally.rows && tally.dropped == 0 &&
              tally.lost == 0;
    all_ok = all_ok && ok;
    std::printf("   %-40s produced %10llu  rows %10lld  dropped %llu  lost %llu  (%d runs)%s %s\n", name.c_str(),
                static_cast<unsigned long long>(tally.produced), static_cast<long long>(tally.rows),
                static_cast<unsigned long long>(tally.dropped), static_cast<unsigned long long>(tally.lost),
                tally.calls, tally.unreadable ? " UNREADABLE FILE" : "", ok ? "OK" : "MISMATCH");
  }
  std::printf("   => %s\n", all_ok ? "no span dropped or lost" : "SPANS MISSING: see above");
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  CollectingReporter reporter(isatty(1) ? benchmark::ConsoleReporter::OO_Defaults
                                        : benchmark::ConsoleReporter::OO_Tabular);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  flockcpp::tracing::shutdown();
  print_table(reporter.results);
  benchmark::Shutdown();
  flock_bench::cleanup_temp();
  return 0;
}

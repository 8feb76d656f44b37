// Benchmarks 1-3: the producer's cost of a span (start, two attributes, end)
// exported to the DuckDB store, from one and from two threads, against
// baselines measured in the same run; and the cost of a span when tracing is
// disabled, against an empty loop.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include <flock/otlp.hpp>
#include <flock/tracing.hpp>

#include "common.hpp"
#include "loopback_collector.hpp"
#include "tracing/span_control.hpp"

namespace flock_bench {
namespace {

inline std::int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---------------------------------------------------------------------------
// Baseline A: the irreducible part of a span: two wall-clock reads and two
// attribute values written into a preallocated struct.

struct Preallocated {
  std::int64_t start_ns = 0;
  std::int64_t end_ns = 0;
  std::int64_t attr_i = 0;
  char attr_s[16] = {};
};

void BM_Baseline_ClockAndStruct(benchmark::State& state) {
  Preallocated p;
  std::int64_t i = 0;
  for (auto _ : state) {
    p.start_ns = wall_ns();
    p.attr_i = i++;
    std::memcpy(p.attr_s, "tight", 6);
    p.end_ns = wall_ns();
    benchmark::DoNotOptimize(p);
    benchmark::ClobberMemory();
  }
}

// ---------------------------------------------------------------------------
// Baseline B: a naive tracer: a heap-allocated span with a std::vector of
// attributes, pushed under one mutex into a std::vector that a consumer
// thread swaps out every 5 ms and frees (allocated on the caller's thread,
// freed on the consumer's). Flushed with timing paused, like the real one.

class NaiveTracer {
 public:
  struct Rec {
    std::string name;
    std::int64_t start_ns = 0;
    std::int64_t end_ns = 0;
    std::vector<std::pair<std::string, std::variant<std::int64_t, std::string>>> attributes;
  };

  NaiveTracer() : thread_([this] { run(); }) {}
  ~NaiveTracer() {
    {
      std::lock_guard l(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }

  std::unique_ptr<Rec> start(std::string_view name) {
    auto r = std::make_unique<Rec>();
    r->name.assign(name);
    r->start_ns = wall_ns();
    return r;
  }
  void end(std::unique_ptr<Rec> r) {
    r->end_ns = wall_ns();
    std::lock_guard l(mu_);
    queue_.push_back(std::move(r));
    ++pushed_;
  }
  void flush() {
    std::unique_lock l(mu_);
    std::uint64_t target = pushed_;
    ++flush_waiters_;
    cv_.notify_one();
    done_cv_.wait(l, [&] { return consumed_ >= target; });
    --flush_waiters_;
  }
  std::uint64_t consumed() {
    std::lock_guard l(mu_);
    return consumed_;
  }

 private:
  void run() {
    std::vector<std::unique_ptr<Rec>> batch;
    std::unique_lock l(mu_);
    for (;;) {
      cv_.wait_for(l, std::chrono::milliseconds(5), [&] { return stop_ || flush_waiters_ > 0; });
      batch.swap(queue_);
      l.unlock();
      std::size_t n = batch.size();
      for (auto& r : batch) benchmark::DoNotOptimize(r->attributes.size());
      batch.clear();  // frees on this thread
      l.lock();
      consumed_ += n;
      done_cv_.notify_all();
      if (stop_ && queue_.empty()) break;
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable done_cv_;
  std::vector<std::unique_ptr<Rec>> queue_;
  std::uint64_t pushed_ = 0;
  std::uint64_t consumed_ = 0;
  int flush_waiters_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

NaiveTracer* g_naive = nullptr;

void BM_Baseline_NaiveMutexTracer(benchmark::State& state) {
  if (state.thread_index() == 0) g_naive = new NaiveTracer();
  const std::size_t every = flush_every();
  std::size_t n = 0;
  std::int64_t i = 0;
  for (auto _ : state) {
    auto span = g_naive->start("Bench.op");
    span->attributes.emplace_back("bench.i", i);
    span->attributes.emplace_back("bench.kind", std::string("tight"));
    g_naive->end(std::move(span));
    ++i;
    if (++n == every) {
      state.PauseTiming();
      g_naive->flush();
      state.ResumeTiming();
      n = 0;
    }
  }
  if (state.thread_index() == 0) {
    g_naive->flush();
    std::uint64_t expected = static_cast<std::uint64_t>(state.iterations()) * state.threads();
    record_tally("naive mutex tracer (in memory)", expected, static_cast<std::int64_t>(g_naive->consumed()), 0, 0);
    delete g_naive;
    g_naive = nullptr;
  }
}

// ---------------------------------------------------------------------------
// Benchmarks 1 and 2: flockcpp::start_span + two attributes + end, exported to
// the DuckDB store (Wait policy: nothing may be dropped). Every flush_every()
// spans per thread, timing pauses while tracing::force_flush() writes them.

// The measured loop of benchmarks 1-2: flockcpp::start_span + two attributes +
// end; every flush_every() spans, timing pauses while force_flush() runs.
void timed_span_loop(benchmark::State& state) {
  const std::size_t every = flush_every();
  std::size_t n = 0;
  std::int64_t i = 0;
  for (auto _ : state) {
    flockcpp::Span span = flockcpp::start_span("Bench.op");
    span.set_attribute("bench.i", i);
    span.set_attribute("bench.kind", "tight");
    span.end();
    ++i;
    if (++n == every) {
      state.PauseTiming();
      flockcpp::tracing::force_flush();
      state.ResumeTiming();
      n = 0;
    }
  }
}

std::string g_span_path;
flockcpp::TraceStats g_span_before;
LoopbackCollector* g_collector = nullptr;

// with_otlp: the same, with an OTLP exporter to a loopback collector beside
// the file (issue 4: the cost the OTLP exporter adds to the hot path).
void span_bench(benchmark::State& state, bool with_otlp) {
  if (state.thread_index() == 0) {
    g_span_path = temp_trace_path("span");
    flockcpp::TraceConfig config = file_config(g_span_path);
    if (with_otlp) {
      g_collector = new LoopbackCollector();
      config.otlp = loopback_otlp_options(g_collector->endpoint(), 4096);
    }
    flockcpp::tracing::configure(config);
    g_span_before = flockcpp::tracing::stats();
  }
  timed_span_loop(state);
  if (state.thread_index() == 0) {
    // Every thread has left the loop (Google Benchmark's end barrier).
    flockcpp::tracing::force_flush();
    flockcpp::TraceStats after = flockcpp::tracing::stats();
    flockcpp::tracing::shutdown();
    std::uint64_t expected = static_cast<std::uint64_t>(state.iterations()) * state.threads();
    std::int64_t rows = count_rows(g_span_path);
    std::string label = std::string("span 2 attrs -> DuckDB") + (with_otlp ? " + OTLP" : "") +
                        (state.threads() > 1 ? ", 2 threads" : ", 1 thread");
    record_tally(label, expected, rows, after.spans_dropped - g_span_before.spans_dropped, after.spans_lost);
    state.counters["rows_missing"] = static_cast<double>(static_cast<std::int64_t>(expected) - rows);
    if (with_otlp) {
      // Everything also reached the collector (shutdown flushed the OTLP queue).
      record_tally(label + ": OTLP collector", expected, static_cast<std::int64_t>(g_collector->spans()),
                   after.otlp ? after.otlp->spans_dropped : 0, after.otlp ? after.otlp->spans_rejected : 0);
      delete g_collector;
      g_collector = nullptr;
    }
    remove_trace_file(g_span_path);
  }
}

void BM_Span_2Attrs_DuckDB(benchmark::State& state) { span_bench(state, false); }
void BM_Span_2Attrs_DuckDB_Otlp(benchmark::State& state) { span_bench(state, true); }

// Diagnostic: the same span through the pipeline with no exporter at all
// (the processor drains and discards), to separate the producer's own cost
// from the DuckDB writer's effects on the machine.
void BM_Span_2Attrs_NoExporter(benchmark::State& state) {
  if (state.thread_index() == 0) flockcpp::tracing::configure(flockcpp::TraceConfig{});
  timed_span_loop(state);
  if (state.thread_index() == 0) flockcpp::tracing::shutdown();
}

// An exporter that takes every batch at once and keeps nothing: the
// pipeline's own cost per span, as opentelemetry-cpp's processors are
// measured against a no-op exporter. `queue_full` counts the times the
// processor's bound was reached (0: the backlog stayed near one slice), and
// `max_backlog` the most spans it held between two samples.
class DiscardingExporter : public flockcpp::SpanExporter {
 public:
  std::string name() const override { return "discard"; }
  flockcpp::ExportResult export_batch(std::span<const flockcpp::SpanData>) override {
    return flockcpp::ExportResult::Success;
  }
};

void BM_Span_2Attrs_DiscardingExporter(benchmark::State& state) {
  if (state.thread_index() == 0) {
    flockcpp::TraceConfig c;
    c.exporters.push_back(std::make_shared<DiscardingExporter>());
    flockcpp::tracing::configure(c);
  }
  std::int64_t i = 0;
  std::uint64_t max_backlog = 0;
  for (auto _ : state) {
    flockcpp::Span span = flockcpp::start_span("Bench.op");
    span.set_attribute("bench.i", i);
    span.set_attribute("bench.kind", "tight");
    span.end();
    if ((++i & 0xffff) == 0) max_backlog = std::max(max_backlog, flockcpp::tracing::stats().spans_pending);
  }
  if (state.thread_index() == 0) {
    flockcpp::TraceStats s = flockcpp::tracing::stats();
    state.counters["queue_full"] = static_cast<double>(s.queue_full);
    state.counters["max_backlog"] = static_cast<double>(max_backlog);
    flockcpp::tracing::shutdown();
  }
}

// ---------------------------------------------------------------------------
// Benchmark 3: tracing disabled.

void BM_Baseline_EmptyLoop(benchmark::State& state) {
  std::int64_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(i);
    ++i;
  }
}

// OTEL_SDK_DISABLED: the public start_span path.
void BM_Disabled_SdkDisabled(benchmark::State& state) {
  flockcpp::TraceConfig c;
  c.sdk_disabled = true;
  flockcpp::tracing::configure(c);
  std::int64_t i = 0;
  bool recorded = false;
  for (auto _ : state) {
    flockcpp::Span span = flockcpp::start_span("Bench.op");
    span.set_attribute("bench.i", i);
    span.set_attribute("bench.kind", "tight");
    benchmark::DoNotOptimize(i);
    ++i;
  }
  recorded = flockcpp::start_span("Bench.op").is_recording();
  if (recorded) state.SkipWithError("a span was recorded with the SDK disabled");
}

// FLOCK_AUTO_TRACE=false: an automatic span (as the orchestrator starts
// them) while the pipeline runs.
void BM_Disabled_AutoTraceOff(benchmark::State& state) {
  flockcpp::TraceConfig c;
  c.auto_trace = false;
  flockcpp::tracing::configure(c);
  std::int64_t i = 0;
  for (auto _ : state) {
    flockcpp::Span span = flockcpp::detail::start_auto_span("Agent.execute");
    span.set_attribute("bench.i", i);
    span.set_attribute("bench.kind", "tight");
    benchmark::DoNotOptimize(i);
    ++i;
  }
  if (flockcpp::detail::start_auto_span("Agent.execute").is_recording())
    state.SkipWithError("an automatic span was recorded with auto tracing off");
  flockcpp::tracing::shutdown();
}

}  // namespace

BENCHMARK(BM_Baseline_ClockAndStruct)->UseRealTime();
BENCHMARK(BM_Baseline_NaiveMutexTracer)->UseRealTime();
// A fixed count: the flushes (paused) write every span to DuckDB, which takes
// far longer than the timed part, so Google Benchmark's own estimate of the
// iteration count would run for minutes.
constexpr benchmark::IterationCount kSpanIterations = 100000;
BENCHMARK(BM_Span_2Attrs_DuckDB)->Iterations(kSpanIterations)->UseRealTime();
BENCHMARK(BM_Span_2Attrs_DuckDB_Otlp)->Iterations(kSpanIterations)->UseRealTime();
BENCHMARK(BM_Span_2Attrs_NoExporter)->Iterations(10 * kSpanIterations)->UseRealTime();
BENCHMARK(BM_Span_2Attrs_DiscardingExporter)->Iterations(10 * kSpanIterations)->UseRealTime();
BENCHMARK(BM_Baseline_ClockAndStruct)->Threads(2)->UseRealTime();
BENCHMARK(BM_Baseline_NaiveMutexTracer)->Threads(2)->UseRealTime();
BENCHMARK(BM_Span_2Attrs_DuckDB)->Iterations(kSpanIterations)->Threads(2)->UseRealTime();
BENCHMARK(BM_Span_2Attrs_NoExporter)->Iterations(10 * kSpanIterations)->Threads(2)->UseRealTime();
BENCHMARK(BM_Baseline_EmptyLoop);
BENCHMARK(BM_Disabled_SdkDisabled);
BENCHMARK(BM_Disabled_AutoTraceOff);

}  // namespace flock_bench

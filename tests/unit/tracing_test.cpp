#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "test_support.hpp"
#include "tracing/span_control.hpp"

using namespace flockcpp;
using flockcpp::testing_support::TracedTest;

namespace {
class Tracing : public TracedTest {};
}  // namespace

TEST_F(Tracing, IdsAreRandomNonZeroAndChildrenShareTheTrace) {
  std::set<std::string> ids;
  {
    Span parent = start_span("Test.parent");
    ContextScope scope(parent.context());
    for (int i = 0; i < 100; ++i) {
      Span child = start_span("Test.child");
      EXPECT_EQ(child.trace_id(), parent.trace_id());
      ids.insert(child.span_id());
    }
  }
  EXPECT_EQ(ids.size(), 100u);
  auto all = spans();
  ASSERT_EQ(all.size(), 101u);
  const SpanData* parent = find(all, "Test.parent");
  EXPECT_FALSE(is_zero(parent->trace_id));
  EXPECT_TRUE(is_zero(parent->parent_span_id));
  for (const auto& s : all) {
    EXPECT_FALSE(is_zero(s.span_id));
    EXPECT_EQ(to_hex(s.trace_id).size(), 32u);
    EXPECT_EQ(to_hex(s.span_id).size(), 16u);
    if (s.name == "Test.child") {
      EXPECT_EQ(s.parent_span_id, parent->span_id);
    }
    EXPECT_LE(s.start_ns, s.end_ns);
  }
}

TEST_F(Tracing, TracedRunIsCurrentForItsScopeAndNests) {
  Flock flock;
  std::string outer_trace, outer_span;
  EXPECT_FALSE(current_span_context().valid());
  {
    auto outer = flock.traced_run("outer");
    outer.set_attribute("pipeline.version", "2.0");
    outer.set_attribute("dataset.size", 10000);
    outer.set_attribute("ratio", 0.5);
    outer.set_attribute("tags", std::vector<std::string>{"a", "b"});
    outer_trace = outer.trace_id();
    outer_span = outer.span_id();
    EXPECT_EQ(to_hex(current_span_context().span_id), outer_span);
    {
      auto inner = flock.traced_run("inner");
      EXPECT_EQ(inner.trace_id(), outer_trace);
      EXPECT_EQ(to_hex(current_span_context().span_id), inner.span_id());
    }
    EXPECT_EQ(to_hex(current_span_context().span_id), outer_span);
  }
  EXPECT_FALSE(current_span_context().valid());
  auto all = spans();
  const SpanData* outer = find(all, "outer");
  const SpanData* inner = find(all, "inner");
  ASSERT_TRUE(outer && inner);
  EXPECT_EQ(inner->parent_span_id, outer->span_id);
  EXPECT_EQ(std::get<bool>(*attr(*outer, "flock.workflow")), true);
  EXPECT_EQ(std::get<std::string>(*attr(*outer, "workflow.name")), "outer");
  EXPECT_EQ(std::get<std::string>(*attr(*outer, "pipeline.version")), "2.0");
  EXPECT_EQ(std::get<std::int64_t>(*attr(*outer, "dataset.size")), 10000);
  EXPECT_EQ(std::get<double>(*attr(*outer, "ratio")), 0.5);
  EXPECT_EQ(std::get<std::vector<std::string>>(*attr(*outer, "tags")).size(), 2u);
  EXPECT_EQ(outer->status, StatusCode::Ok);
}

TEST_F(Tracing, CallableFormRecordsAndRethrows) {
  Flock flock;
  int value = flock.traced_run("computes", [](TracedRun& run) {
    run.set_attribute("x", 1);
    return 42;
  });
  EXPECT_EQ(value, 42);
  EXPECT_THROW(flock.traced_run("fails", [] { throw std::runtime_error("disk full"); }), std::runtime_error);
  auto all = spans();
  const SpanData* ok = find(all, "computes");
  const SpanData* failed = find(all, "fails");
  ASSERT_TRUE(ok && failed);
  EXPECT_EQ(ok->status, StatusCode::Ok);
  EXPECT_EQ(failed->status, StatusCode::Error);
  EXPECT_EQ(failed->status_description, "disk full");
  ASSERT_EQ(failed->events.size(), 1u);
  EXPECT_EQ(failed->events[0].name, "exception");
  EXPECT_EQ(std::get<std::string>(failed->events[0].attributes[0].value), "std::runtime_error");
  EXPECT_EQ(std::get<std::string>(failed->events[0].attributes[1].value), "disk full");
}

TEST_F(Tracing, RaiiFormEndsWithErrorWhenAnExceptionUnwinds) {
  Flock flock;
  try {
    auto run = flock.traced_run("unwound");
    throw std::logic_error("bad");
  } catch (const std::logic_error&) {
  }
  auto all = spans();
  const SpanData* s = find(all, "unwound");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->status, StatusCode::Error);
}

TEST_F(Tracing, ContextCarriedToAnotherThreadJoinsTheTrace) {
  SpanContext ctx;
  std::string trace;
  {
    Span root = start_span("Test.root");
    ctx = root.context();
    trace = root.trace_id();
    std::thread([ctx] {
      ContextScope scope(ctx);
      Span child = start_span("Test.remote");
    }).join();
  }
  auto all = spans();
  const SpanData* remote = find(all, "Test.remote");
  ASSERT_NE(remote, nullptr);
  EXPECT_EQ(to_hex(remote->trace_id), trace);
  EXPECT_EQ(remote->parent_span_id, ctx.span_id);
}

TEST_F(Tracing, LimitsDropAndTruncateVisibly) {
  TraceConfig config;
  config.limits.attribute_count = 3;
  config.limits.attribute_value_length = 10;
  configure(config);
  {
    Span s = start_span("Test.limits");
    s.set_attribute("a", "0123456789abcdef");
    s.set_attribute("b", "ü\xC3\xBC\xC3\xBC\xC3\xBC\xC3\xBC\xC3\xBC");  // 2-byte chars across the cut
    s.set_attribute("a", "short");                                      // replaces, does not count twice
    s.set_attribute("c", 1);
    s.set_attribute("d", 2);  // over the count limit
  }
  auto all = spans();
  const SpanData* s = find(all, "Test.limits");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->attributes.size(), 3u);
  EXPECT_EQ(s->dropped_attributes, 1u);
  EXPECT_EQ(std::get<std::string>(*attr(*s, "a")), "short");
  std::string b = std::get<std::string>(*attr(*s, "b"));
  EXPECT_EQ(b.substr(0, 10), "\xC3\xBC\xC3\xBC\xC3\xBC\xC3\xBC\xC3\xBC");
  EXPECT_NE(b.find("[truncated, 12 bytes]"), std::string::npos) << b;
  EXPECT_EQ(s->truncated_values, 2u);  // both cuts are counted, though "a" was later replaced
}

TEST_F(Tracing, DisabledSdkRecordsNothing) {
  TraceConfig config;
  config.sdk_disabled = true;
  tracing::configure(config);
  Span s = start_span("Test.off");
  EXPECT_FALSE(s.is_recording());
  s.set_attribute("x", 1);
  s.end();
  configure();
  EXPECT_TRUE(spans().empty());
}

TEST_F(Tracing, ManyThreadsLoseNothing) {
  constexpr int kThreads = 8;
  constexpr int kSpans = 3000;
  TraceConfig config;
  config.thread_queue_capacity = 64;  // small: producers must wait for the processor
  configure(config);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      Span root = start_span("Test.thread");
      ContextScope scope(root.context());
      for (int i = 0; i < kSpans; ++i) {
        Span s = start_span("Test.work");
        s.set_attribute("thread", t);
        s.set_attribute("i", i);
      }
    });
  }
  for (auto& th : threads) th.join();
  auto all = spans();
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kThreads * (kSpans + 1)));
  std::map<std::string, std::int64_t> root_thread;
  std::set<std::string> ids;
  for (const auto& s : all) ids.insert(to_hex(s.span_id));
  EXPECT_EQ(ids.size(), all.size());
  // Every work span belongs to its own thread's root trace.
  std::map<std::string, std::set<std::int64_t>> threads_per_trace;
  for (const auto& s : all) {
    if (s.name == "Test.work") threads_per_trace[to_hex(s.trace_id)].insert(std::get<std::int64_t>(*attr(s, "thread")));
  }
  EXPECT_EQ(threads_per_trace.size(), static_cast<std::size_t>(kThreads));
  for (auto& [trace, set] : threads_per_trace) EXPECT_EQ(set.size(), 1u) << trace;
  EXPECT_EQ(tracing::stats().spans_dropped, 0u);
}

namespace {
// An exporter that refuses until released, like a file held by a reader.
class HeldExporter : public SpanExporter {
 public:
  std::string name() const override { return "held"; }
  ExportResult export_batch(std::span<const SpanData> spans) override {
    if (held_.load()) return ExportResult::Retry;
    count_ += spans.size();
    largest_batch_ = std::max<std::size_t>(largest_batch_, spans.size());
    return ExportResult::Success;
  }
  std::atomic<bool> held_{true};
  std::atomic<std::size_t> count_{0};
  std::atomic<std::size_t> largest_batch_{0};  // written by the processor thread only
};

// A pipeline whose only exporter is held until the test lets it go; tweak
// sets what the test is about.
template <class Tweak>
std::shared_ptr<HeldExporter> configure_held(Tweak&& tweak) {
  auto held = std::make_shared<HeldExporter>();
  TraceConfig config;
  config.exporters = {held};
  config.flush_interval = std::chrono::milliseconds(5);
  config.handle_signals = false;
  tweak(config);
  tracing::configure(config);
  return held;
}
std::shared_ptr<HeldExporter> configure_held() {
  return configure_held([](TraceConfig&) {});
}
}  // namespace

TEST_F(Tracing, RetriedExportKeepsSpansUntilTheStoreIsFree) {
  auto held = configure_held();
  for (int i = 0; i < 500; ++i) start_span("Test.queued").end();
  EXPECT_FALSE(tracing::force_flush(std::chrono::milliseconds(200)));  // cannot finish while held
  EXPECT_GT(tracing::stats().export_retries, 0u);
  held->held_ = false;
  EXPECT_TRUE(tracing::force_flush(std::chrono::seconds(20)));
  EXPECT_EQ(held->count_.load(), 500u);
  EXPECT_EQ(tracing::stats().spans_lost, 0u);
  configure();
}

TEST_F(Tracing, DropPolicyCountsWhatItDrops) {
  auto held = configure_held([](TraceConfig& config) {
    config.queue_full_policy = QueueFullPolicy::Drop;
    config.thread_queue_capacity = 32;
    config.max_pending_spans = 64;
  });
  std::uint64_t dropped_before = tracing::stats().spans_dropped;
  std::thread([] {
    for (int i = 0; i < 2000; ++i) start_span("Test.flood").end();
  }).join();
  held->held_ = false;
  EXPECT_TRUE(tracing::force_flush(std::chrono::seconds(20)));
  TraceStats st = tracing::stats();
  std::uint64_t dropped = st.spans_dropped - dropped_before;
  EXPECT_GT(dropped, 0u);
  EXPECT_EQ(held->count_.load() + dropped, 2000u);
  configure();
}

// Under the Drop policy a span is dropped only when the queue is at its
// bound, even in the first second of an exporter that cannot write, while
// drains still keep their cap for the Wait policy's producers.
TEST_F(Tracing, DropPolicyDropsNothingWhileTheQueueHasRoom) {
  auto held = configure_held([](TraceConfig& config) {
    config.queue_full_policy = QueueFullPolicy::Drop;
    config.thread_queue_capacity = 4096;
  });
  std::uint64_t dropped_before = tracing::stats().spans_dropped;
  std::thread([] {
    // More than a lane and the 8,192 spans a drain runs ahead hold together,
    // paced so that even a lane of the smallest size (a thread's lane is
    // reused with the size it was made with) holds 20 ms of it: a slow
    // wake-up of the processor drops nothing.
    for (int i = 0; i < 30'000; ++i) {
      start_span("Test.burst").end();
      if (i % 16 == 15) std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  }).join();
  EXPECT_EQ(tracing::stats().spans_dropped - dropped_before, 0u);
  held->held_ = false;
  EXPECT_TRUE(tracing::force_flush(std::chrono::seconds(20)));
  EXPECT_EQ(held->count_.load(), 30'000u);
  configure();
}

// While an exporter cannot write, the processor holds spans up to a bound in
// bytes (FLOCK_TRACE_MAX_QUEUE_BYTES), not only in count: a few big spans
// reach it long before the count bound.
TEST_F(Tracing, HeldSpansAreBoundedInBytes) {
  auto held = configure_held([](TraceConfig& config) {
    config.queue_full_policy = QueueFullPolicy::Drop;
    config.thread_queue_capacity = 256;
    config.max_pending_bytes = 1u << 20;
  });
  const std::string payload(4096, 'p');
  std::uint64_t dropped_before = tracing::stats().spans_dropped;
  testing::internal::CaptureStderr();
  std::thread([&] {
    // Paced so the processor drains the lane: the spans reach its queue
    // (and its bound) instead of being dropped at the lane.
    for (int i = 0; i < 2000; ++i) {
      Span s = start_span("Test.big");
      s.set_attribute("payload", payload);
      if (i % 32 == 31) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }).join();
  (void)tracing::force_flush(std::chrono::milliseconds(200));  // cannot finish while held
  TraceStats held_stats = tracing::stats();
  EXPECT_LE(held_stats.bytes_pending, (1u << 20) + 2 * 4096 + 1024);
  EXPECT_GT(held_stats.bytes_pending, (1u << 20) / 2);
  EXPECT_LT(held_stats.spans_pending, 400u);  // ~250 spans of 4 KB fit in 1 MiB
  EXPECT_GE(held_stats.queue_full, 1u);
  EXPECT_EQ(held_stats.max_pending_bytes, 1u << 20);
  held->held_ = false;
  EXPECT_TRUE(tracing::force_flush(std::chrono::seconds(20)));
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("span queue is full"), std::string::npos) << err;
  std::uint64_t dropped = tracing::stats().spans_dropped - dropped_before;
  EXPECT_GT(dropped, 0u);
  EXPECT_EQ(held->count_.load() + dropped, 2000u);
  configure();
}

// A backlog goes to the exporter in slices, not in one call: one call stays
// short, so the DuckDB writer can let go of its file between two of them.
TEST_F(Tracing, ABacklogIsExportedInSlices) {
  auto held = configure_held();
  std::thread([] {
    for (int i = 0; i < 100'000; ++i) start_span("Test.backlog").end();
  }).join();
  // The whole backlog waits in the processor's queue before it can go out.
  for (int waited = 0; tracing::stats().spans_pending < 100'000u && waited < 2000; ++waited) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(tracing::stats().spans_pending, 100'000u);
  held->held_ = false;
  EXPECT_TRUE(tracing::force_flush(std::chrono::seconds(30)));
  EXPECT_EQ(held->count_.load(), 100'000u);
  EXPECT_GT(held->largest_batch_.load(), 0u);
  EXPECT_LT(held->largest_batch_.load(), 100'000u);  // more than one call
  configure();
}

// An exporter that keeps up gets the spans as they are drained: the backlog
// stays near one slice, the queue never reaches its bound, and stderr never
// blames the exporter (it used to drain every lane before exporting, so a
// fast producer filled the queue in front of an exporter that returned at
// once).
TEST_F(Tracing, AnExporterThatKeepsUpKeepsTheBacklogNearOneSlice) {
  // Never held: a Retry before the test let go would lift the cap.
  auto held = std::make_shared<HeldExporter>();
  held->held_ = false;
  TraceConfig config;
  config.exporters = {held};
  config.handle_signals = false;
  tracing::configure(config);
  std::atomic<bool> producing{true};
  std::uint64_t largest = 0;
  testing::internal::CaptureStderr();
  std::thread producer([&] {
    for (int i = 0; i < 600'000; ++i) start_span("Test.fast").end();
    producing = false;
  });
  while (producing.load()) {
    largest = std::max(largest, tracing::stats().spans_pending);
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  producer.join();
  EXPECT_TRUE(tracing::force_flush(std::chrono::seconds(30)));
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(tracing::stats().queue_full, 0u) << err;
  EXPECT_EQ(err.find("span queue is full"), std::string::npos) << err;
  EXPECT_LT(largest, 100'000u) << "spans waiting for the exporter";
  EXPECT_EQ(held->count_.load(), 600'000u);
  configure();
}

// A Flock going out of scope waits for its spans only while they are being
// written: an exporter that cannot write holds it for the exit grace, not
// for the 30 s a healthy backlog may take.
TEST_F(Tracing, AFlockWhoseStoreCannotBeWrittenEndsWithinTheGrace) {
  auto held = configure_held([](TraceConfig& config) { config.exit_grace = std::chrono::milliseconds(300); });
  auto started = std::chrono::steady_clock::now();
  {
    Flock flock;
    auto run = flock.traced_run("unwritable");
    for (int i = 0; i < 50; ++i) start_span("Test.unwritten").end();
  }
  auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_LT(waited, std::chrono::seconds(10)) << "the destructor waited past the grace";
  EXPECT_EQ(held->count_.load(), 0u);
  held->held_ = false;  // the spans were kept, not dropped
  EXPECT_TRUE(tracing::force_flush(std::chrono::seconds(20)));
  EXPECT_GE(held->count_.load(), 51u);
  configure();
}

// Stopping with an exporter that cannot write waits for the grace, then
// says how many spans were not written, instead of hanging at exit.
TEST_F(Tracing, StoppingGivesUpAfterTheGraceAndSaysWhatWasLost) {
  auto held = configure_held();
  for (int i = 0; i < 100; ++i) start_span("Test.unwritten").end();
  testing::internal::CaptureStderr();
  auto started = std::chrono::steady_clock::now();
  tracing::shutdown(std::chrono::milliseconds(300));
  auto waited = std::chrono::steady_clock::now() - started;
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("exiting with 100 spans not written by"), std::string::npos) << err;
  EXPECT_LT(waited, std::chrono::seconds(5)) << "waited past the grace";
  EXPECT_EQ(held->count_.load(), 0u);
  configure();
}

// Spans left in a thread's lane when the pipeline gives up are taken out
// with it: counted as lost once, freed, and never exported by a pipeline
// configured later (it used to find them in the lane and export spans
// already reported lost; under LeakSanitizer the JSON they shared leaked).
TEST_F(Tracing, SpansGivenUpAtExitAreNotExportedByTheNextPipeline) {
  auto held = configure_held([](TraceConfig& config) {
    config.queue_full_policy = QueueFullPolicy::Drop;
    config.max_pending_spans = 64;  // the rest waits in this thread's lane
  });
  auto payload = std::make_shared<const Json>(Json{{"dish", "risotto"}});
  for (int i = 0; i < 500; ++i) {
    Span s = start_span("Test.given_up");
    detail::set_json_attribute(s, "input", payload);
  }
  testing::internal::CaptureStderr();
  tracing::shutdown(std::chrono::milliseconds(300));
  std::string err = testing::internal::GetCapturedStderr();
  TraceStats after_stop = tracing::stats();
  EXPECT_NE(err.find("spans not written by held"), std::string::npos) << err;
  EXPECT_EQ(after_stop.spans_lost + after_stop.spans_dropped, 500u);
  EXPECT_EQ(held->count_.load(), 0u);
  // (this thread's recycled span record may keep the last reference)
  EXPECT_LE(payload.use_count(), 2) << "spans given up still hold what they shared";

  auto memory = std::make_shared<InMemorySpanExporter>();
  TraceConfig next;
  next.exporters = {memory};
  next.handle_signals = false;
  tracing::configure(next);
  start_span("Test.after").end();
  ASSERT_TRUE(tracing::force_flush(std::chrono::seconds(10)));
  std::vector<SpanData> exported = memory->spans();
  ASSERT_EQ(exported.size(), 1u);
  EXPECT_EQ(exported[0].name, "Test.after");
  configure();
}

namespace {
// An exporter slower than the producers (a loaded disk): it notes whether
// the marker span has gone out. A pausing one also stops for 100 ms every
// 500 ms, as the DuckDB writer does when it lets go of its file for readers.
class SlowExporter : public SpanExporter {
 public:
  explicit SlowExporter(std::chrono::microseconds per_span = std::chrono::microseconds(50), bool pausing = false)
      : per_span_(per_span), pausing_(pausing) {}
  std::string name() const override { return "slow"; }
  ExportResult export_batch(std::span<const SpanData> spans) override {
    auto phase = (std::chrono::steady_clock::now() - started_) % std::chrono::milliseconds(500);
    if (pausing_ && phase < std::chrono::milliseconds(100)) return ExportResult::Retry;
    std::this_thread::sleep_for(per_span_ * spans.size());
    for (const auto& s : spans) {
      if (s.name == "Test.marker") marker_exported_ = true;
    }
    count_ += spans.size();
    return ExportResult::Success;
  }
  const std::chrono::microseconds per_span_;
  const bool pausing_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::atomic<bool> marker_exported_{false};
  std::atomic<std::size_t> count_{0};
};
}  // namespace

// force_flush waits for the spans ended before it, not for the ones producers
// keep ending meanwhile: with producers that outrun the exporter, it returns
// while they still run (it used to wait for the whole queue to be empty, that
// is until the producers stopped).
TEST_F(Tracing, ForceFlushDoesNotWaitForSpansEndedAfterIt) {
  auto slow = std::make_shared<SlowExporter>();
  TraceConfig config;
  config.exporters = {slow};
  config.flush_interval = std::chrono::milliseconds(5);
  config.handle_signals = false;
  config.max_pending_spans = 1024;     // the queue is at its bound while the producers run
  config.thread_queue_capacity = 1024;  // and what the flush waits for stays small
  tracing::configure(config);

  std::atomic<bool> stop{false};
  std::vector<std::thread> producers;
  for (int t = 0; t < 2; ++t) {
    producers.emplace_back([&] {
      while (!stop.load()) start_span("Test.later").end();
    });
  }
  // A safety stop, so that a flush that waits for the producers fails the
  // test instead of hanging it.
  std::atomic<bool> stopped_by_watchdog{false};
  std::mutex mu;
  std::condition_variable cv;
  bool flushed = false;
  std::thread watchdog([&] {
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, std::chrono::seconds(20), [&] { return flushed; })) {
      stopped_by_watchdog = true;
      stop = true;
    }
  });
  while (slow->count_.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  start_span("Test.marker").end();
  bool ok = tracing::force_flush(std::chrono::seconds(60));
  bool producers_ran_throughout = !stop.load();
  bool marker_out = slow->marker_exported_.load();
  {
    std::lock_guard lock(mu);
    flushed = true;
  }
  cv.notify_all();
  watchdog.join();
  stop = true;
  for (auto& p : producers) p.join();

  EXPECT_TRUE(ok);
  EXPECT_TRUE(marker_out) << "force_flush returned before the span ended before it was exported";
  EXPECT_TRUE(producers_ran_throughout) << "force_flush returned only once the producers stopped";
  EXPECT_FALSE(stopped_by_watchdog.load());
  configure();
}

// What a force_flush waits for stays within a slice or two while a producer
// outruns an exporter that pauses now and then: the producer waits for room
// in its lane instead. It used to drain every lane into the queue at the
// first Retry and past the cap whenever a lane was half full, so a flush
// queued behind the whole bound (262,144 spans, seconds of writing).
TEST_F(Tracing, AForceFlushWaitsBehindABoundedBacklogWhileTheExporterPauses) {
  auto exporter = std::make_shared<SlowExporter>(std::chrono::microseconds(20), true);
  TraceConfig config;
  config.exporters = {exporter};
  config.handle_signals = false;
  tracing::configure(config);
  std::atomic<bool> producing{true};
  std::atomic<std::size_t> ended{0};
  testing::internal::CaptureStderr();
  std::thread producer([&] {
    while (producing.load(std::memory_order_relaxed)) {
      start_span("Test.fast").end();
      ended.fetch_add(1, std::memory_order_relaxed);
    }
  });
  std::size_t largest_backlog = 0;
  for (int i = 0; i < 12; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    std::size_t backlog = ended.load() - exporter->count_.load();
    EXPECT_TRUE(tracing::force_flush(std::chrono::seconds(60)));
    largest_backlog = std::max(largest_backlog, backlog);
  }
  producing = false;
  producer.join();
  EXPECT_TRUE(tracing::force_flush(std::chrono::seconds(60)));
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(exporter->count_.load(), ended.load());
  EXPECT_EQ(tracing::stats().queue_full, 0u) << err;
  // A lane holds 8,192 spans or so and a drain runs 8,192 ahead of the
  // exporter; the bound is 262,144.
  EXPECT_LT(largest_backlog, 40'000u) << "spans a force_flush waited behind";
  configure();
}

// A span says when this process began its trace (its root's start), so the
// store can bound where that trace's stored row can be; a trace continued
// from another process's context says nothing (0), nor do its children.
TEST_F(Tracing, ASpanCarriesWhenThisProcessBeganItsTrace) {
  auto remote = parse_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  ASSERT_TRUE(remote.has_value());
  {
    Span root = start_span("Test.root");
    ContextScope scope(root.context());
    EXPECT_GT(root.context().trace_began_ns, 0);
    Span child = start_span("Test.child");
    EXPECT_EQ(child.context().trace_began_ns, root.context().trace_began_ns);
  }
  {
    ContextScope remote_scope(*remote);
    Span continued = start_span("Test.continued");
    ContextScope scope(continued.context());
    Span below = start_span("Test.below");
  }
  auto all = spans();
  const SpanData* root = find(all, "Test.root");
  const SpanData* child = find(all, "Test.child");
  ASSERT_TRUE(root != nullptr && child != nullptr);
  EXPECT_EQ(root->trace_began_ns, root->start_ns);
  EXPECT_EQ(child->trace_began_ns, root->start_ns);
  EXPECT_LE(child->trace_began_ns, child->start_ns);
  for (const char* name : {"Test.continued", "Test.below"}) {
    const SpanData* s = find(all, name);
    ASSERT_NE(s, nullptr) << name;
    EXPECT_EQ(s->trace_began_ns, 0) << name;
  }
}

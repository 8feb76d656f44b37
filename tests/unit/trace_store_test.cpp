#include <gtest/gtest.h>

#include "temp_folder.hpp"

#include <filesystem>
#include <fstream>

#include <flock/flock.hpp>

#include "storage/duckdb/duckdb_handle.hpp"
#include "exporters/store/store_span_exporter.hpp"
#include "storage/duckdb/schema.hpp"
#include "storage/duckdb/clear_traces.hpp"

namespace fs = std::filesystem;
using namespace flockcpp;

namespace {

TraceConfig ttl_config(double days) {
  TraceConfig c;
  c.ttl_days = days;
  return c;
}

class TraceStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    folder_ = std::make_unique<testing_support::TempFolder>("flock-store");
    dir_ = folder_->path();
    path_ = (dir_ / ".flock" / "traces.duckdb").string();
  }
  void TearDown() override { folder_.reset(); }
  std::unique_ptr<testing_support::TempFolder> folder_;

  static SpanData span(std::uint8_t trace, std::uint8_t id, std::uint8_t parent, std::string name,
                       std::int64_t start_ns) {
    SpanData s;
    s.trace_id[15] = trace;
    s.span_id[7] = id;
    s.parent_span_id[7] = parent;
    s.name = std::move(name);
    s.start_ns = start_ns;
    s.end_ns = start_ns + 2'000'000;
    s.status = StatusCode::Ok;
    return s;
  }

  static std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  static constexpr std::int64_t kDay = 86'400LL * 1'000'000'000LL;

  std::int64_t count(const std::string& sql) {
    return std::stoll(TraceStoreReader(path_).query(sql).rows.at(0).at(0).value());
  }

  fs::path dir_;
  std::string path_;
};

}  // namespace

TEST_F(TraceStoreTest, ExportedSpansReadBackWithTheGuidesJsonPaths) {
  auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
  SpanData root = span(1, 1, 0, "pizza_workflow", 1'000'000'000);
  root.attributes = {{"flock.workflow", true}, {"workflow.name", std::string("pizza_workflow")}};
  SpanData child = span(1, 2, 1, "Flock.publish", 1'001'000'000);
  child.events.push_back(SpanEvent{"exception", 5, {{"exception.type", std::string("std::runtime_error")}}});
  std::vector<SpanData> batch{root, child};
  ASSERT_EQ(exporter->export_batch(batch), ExportResult::Success);

  EXPECT_EQ(count("SELECT count(*) FROM spans"), 2);
  EXPECT_EQ(count("SELECT count(*) FROM spans WHERE json_extract(attributes, '$.flock.workflow') = 'true'"), 1);
  auto rows = TraceStoreReader(path_).query(
      "SELECT json_extract(attributes, '$.workflow.name'), service, operation, parent_id, "
      "json_extract_string(events, '$[0].attributes.exception.type') FROM spans ORDER BY start_time");
  EXPECT_EQ(rows.rows[0][0].value(), "\"pizza_workflow\"");
  EXPECT_EQ(rows.rows[0][1].value(), "pizza_workflow");
  EXPECT_FALSE(rows.rows[0][2].has_value());
  EXPECT_FALSE(rows.rows[0][3].has_value());
  EXPECT_EQ(rows.rows[1][1].value(), "Flock");
  EXPECT_EQ(rows.rows[1][2].value(), "publish");
  EXPECT_EQ(rows.rows[1][4].value(), "std::runtime_error");

  auto wf = TraceStoreReader(path_).query("SELECT workflow_name, span_count, status FROM workflows");
  ASSERT_EQ(wf.rows.size(), 1u);
  EXPECT_EQ(wf.rows[0][0].value(), "pizza_workflow");
  EXPECT_EQ(wf.rows[0][1].value(), "2");
  EXPECT_EQ(wf.rows[0][2].value(), "OK");
}

TEST_F(TraceStoreTest, ResourceCarriesServiceNameAndSdk) {
  TraceConfig config;
  config.service_name = "pizzeria";
  auto exporter = detail::make_store_span_exporter(path_, config);
  std::vector<SpanData> batch{span(1, 1, 0, "x", 1)};
  ASSERT_EQ(exporter->export_batch(batch), ExportResult::Success);
  auto r = TraceStoreReader(path_).query(
      "SELECT json_extract_string(resource, '$.service.name'), json_extract_string(resource, "
      "'$.telemetry.sdk.language') FROM spans");
  EXPECT_EQ(r.rows[0][0].value(), "pizzeria");
  EXPECT_EQ(r.rows[0][1].value(), "cpp");
}

TEST_F(TraceStoreTest, DuplicateSpanIdsAreSkippedNotFatal) {
  auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
  // Spans another process sent (OTLP): a sender may repeat one.
  auto origin = std::make_shared<const SpanOrigin>(SpanOrigin{{}, "sender", "", "sender", false});
  auto sent = [&](SpanData s) {
    s.origin = origin;
    return s;
  };
  std::vector<SpanData> first{sent(span(1, 1, 0, "a", 1))};
  ASSERT_EQ(exporter->export_batch(first), ExportResult::Success);
  std::vector<SpanData> again{sent(span(1, 1, 0, "a", 1)), sent(span(1, 2, 1, "b", 2))};
  ASSERT_EQ(exporter->export_batch(again), ExportResult::Success);
  EXPECT_EQ(count("SELECT count(*) FROM spans"), 2);
}

TEST_F(TraceStoreTest, UnreadableFileIsMovedAsideNotOverwritten) {
  fs::create_directories(fs::path(path_).parent_path());
  { std::ofstream(path_) << "this is not a database"; }
  auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
  std::vector<SpanData> batch{span(1, 1, 0, "a", 1)};
  testing::internal::CaptureStderr();
  ASSERT_EQ(exporter->export_batch(batch), ExportResult::Success);
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("kept it as"), std::string::npos) << err;
  int aside = 0;
  for (auto& e : fs::directory_iterator(fs::path(path_).parent_path())) {
    if (e.path().filename().string().find(".unusable-") != std::string::npos) {
      ++aside;
      std::ifstream in(e.path());
      std::string text((std::istreambuf_iterator<char>(in)), {});
      EXPECT_EQ(text, "this is not a database");
    }
  }
  EXPECT_EQ(aside, 1);
  EXPECT_EQ(count("SELECT count(*) FROM spans"), 1);
}

TEST_F(TraceStoreTest, TtlDeletesOldSpansAtStart) {
  {
    auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
    std::int64_t t = now_ns();
    std::vector<SpanData> batch{span(1, 1, 0, "old", t - 10 * kDay), span(2, 2, 0, "recent", t - kDay / 2)};
    ASSERT_EQ(exporter->export_batch(batch), ExportResult::Success);
  }
  auto exporter = detail::make_store_span_exporter(path_, ttl_config(3.0));
  testing::internal::CaptureStderr();
  exporter->start();
  testing::internal::GetCapturedStderr();
  EXPECT_EQ(count("SELECT count(*) FROM spans WHERE name = 'old'"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM spans WHERE name = 'recent'"), 1);
}

// TTL that removes part of a trace recounts its tokens per model, in table
// trace_models and in the listing's copy (traces.models).
TEST_F(TraceStoreTest, TtlRecountsTheModelsOfATraceItCuts) {
  std::int64_t t = now_ns();
  auto call = [&](std::uint8_t id, std::int64_t start, std::int64_t tokens) {
    SpanData s = span(7, id, 0, "LLMEngine.call_model", start);
    s.attributes = {{"gen_ai.request.model", std::string("gpt-4o")}, {"gen_ai.usage.input_tokens", tokens}};
    return s;
  };
  {
    auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
    std::vector<SpanData> batch{call(1, t - 10 * kDay, 100), call(2, t - kDay / 2, 5)};
    ASSERT_EQ(exporter->export_batch(batch), ExportResult::Success);
  }
  EXPECT_EQ(count("SELECT calls FROM trace_models"), 2);
  EXPECT_EQ(count("SELECT models->0->>'calls' FROM traces"), 2);
  auto exporter = detail::make_store_span_exporter(path_, ttl_config(3.0));
  testing::internal::CaptureStderr();
  exporter->start();
  testing::internal::GetCapturedStderr();
  EXPECT_EQ(count("SELECT calls FROM trace_models"), 1);
  EXPECT_EQ(count("SELECT input_tokens FROM trace_models"), 5);
  EXPECT_EQ(count("SELECT models->0->>'calls' FROM traces"), 1);
  EXPECT_EQ(count("SELECT models->0->>'input_tokens' FROM traces"), 5);
}

TEST_F(TraceStoreTest, ClearTracesDeletesAndShrinks) {
  std::uintmax_t fresh_size;
  {
    // A new store, closed (the writer holds the file until it lets go).
    auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
    std::vector<SpanData> none;
    ASSERT_EQ(exporter->export_batch(none), ExportResult::Success);
  }
  fresh_size = fs::file_size(path_);
  {
    auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
    std::vector<SpanData> batch;
    for (int i = 0; i < 20000; ++i) {
      SpanData s = span(static_cast<std::uint8_t>(i % 200), 0, 0, "Agent.execute", i);
      s.span_id[0] = static_cast<std::uint8_t>(i >> 8);
      s.span_id[1] = static_cast<std::uint8_t>(i & 255);
      s.span_id[7] = 1;
      s.attributes = {{"input.value", std::string(200, 'x')}};
      batch.push_back(std::move(s));
    }
    ASSERT_EQ(exporter->export_batch(batch), ExportResult::Success);
  }
  ASSERT_GT(fs::file_size(path_), fresh_size);
  ClearResult r = Flock::clear_traces(path_);
  EXPECT_TRUE(r.success) << r.error;
  EXPECT_EQ(r.deleted_count, 20000);
  EXPECT_LE(fs::file_size(path_), fresh_size);
  EXPECT_EQ(count("SELECT count(*) FROM spans"), 0);
  // Still a working store: the view is there.
  EXPECT_EQ(count("SELECT count(*) FROM workflows"), 0);
}

TEST_F(TraceStoreTest, ClearTracesReportsMissingAndForeignFiles) {
  ClearResult missing = Flock::clear_traces((dir_ / "nope.duckdb").string());
  EXPECT_FALSE(missing.success);
  EXPECT_NE(missing.error.find("no trace store"), std::string::npos);

  std::string garbage = (dir_ / "garbage.duckdb").string();
  { std::ofstream(garbage) << "nope"; }
  ClearResult bad = Flock::clear_traces(garbage);
  EXPECT_FALSE(bad.success);
  EXPECT_FALSE(bad.error.empty());

  std::string other = (dir_ / "other.duckdb").string();
  {
    detail::DuckDatabase db(other);
    detail::DuckConnection con(db);
    con.execute("CREATE TABLE t (x INT)");
  }
  ClearResult foreign = Flock::clear_traces(other);
  EXPECT_FALSE(foreign.success);
  EXPECT_NE(foreign.error.find("no table spans"), std::string::npos);
}

// clear_traces and TraceStoreReader take a store locator: duckdb:PATH is
// PATH; ClickHouse and malformed locators are errors, never a file name.
TEST_F(TraceStoreTest, ClearTracesAndReaderTakeAStoreLocator) {
  {
    auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
    std::vector<SpanData> batch{span(1, 1, 0, "Agent.execute", now_ns()), span(1, 2, 1, "Agent.execute", now_ns())};
    ASSERT_EQ(exporter->export_batch(batch), ExportResult::Success);
  }
  TraceStoreReader reader("duckdb:" + path_);
  EXPECT_EQ(reader.path(), path_);
  EXPECT_EQ(reader.stats()["total_spans"], 2);
  ClearResult r = Flock::clear_traces("duckdb:" + path_);
  EXPECT_TRUE(r.success) << r.error;
  EXPECT_EQ(r.deleted_count, 2);
  EXPECT_EQ(count("SELECT count(*) FROM spans"), 0);

  ClearResult ch = Flock::clear_traces("clickhouse://127.0.0.1/db");
  EXPECT_FALSE(ch.success);
  EXPECT_NE(ch.error.find("ClickHouse storage is not available"), std::string::npos) << ch.error;
  ClearResult empty = Flock::clear_traces("duckdb:");
  EXPECT_FALSE(empty.success);
  EXPECT_NE(empty.error.find("duckdb:"), std::string::npos) << empty.error;
  ClearResult unknown = Flock::clear_traces("postgres://h/db");
  EXPECT_FALSE(unknown.success);
  EXPECT_NE(unknown.error.find("unknown scheme"), std::string::npos) << unknown.error;

  try {
    TraceStoreReader ch_reader("clickhouse://127.0.0.1/db");
    ADD_FAILURE() << "a reader over ClickHouse";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::FailedPrecondition);
  }
  EXPECT_THROW(TraceStoreReader("duckdb:"), Error);
  // Nothing was created under a literal name.
  EXPECT_FALSE(fs::exists("duckdb:" + path_));
}

TEST(TraceTree, RendersTheGuidesHierarchy) {
  std::vector<StoredSpan> spans = {
      {"t", "a", "", "pizza_workflow", 0, 0, 5319, "OK", "", "{}"},
      {"t", "b", "a", "Flock.publish", 1, 0, 3, "OK", "", "{}"},
      {"t", "c", "b", "Agent.execute", 2, 0, 5218, "ERROR", "boom", "{}"},
      {"t", "d", "c", "FunctionEngine.evaluate", 3, 0, 0.15, "OK", "", "{}"},
      {"t", "e", "a", "Flock.run_until_idle", 4, 0, 5268, "OK", "", "{}"},
      {"t", "f", "e", "Flock.shutdown", 5, 0, 0.17, "OK", "", "{}"},
  };
  std::string tree = render_trace_tree(spans, false);
  EXPECT_EQ(tree,
            "pizza_workflow (5319.00ms) <- ROOT\n"
            "├─ Flock.publish (3.00ms)\n"
            "│  └─ Agent.execute (5218.00ms) [ERROR: boom]\n"
            "│     └─ FunctionEngine.evaluate (0.15ms)\n"
            "└─ Flock.run_until_idle (5268.00ms)\n"
            "   └─ Flock.shutdown (0.17ms)\n");
}

// Spans whose parent chain loops are not reached from any root: they are
// shown as roots, flagged, with what hangs below them (they used to vanish).
TEST(TraceTree, ShowsSpansInAParentCycleAsFlaggedRoots) {
  std::vector<StoredSpan> spans = {
      {"t", "a", "b", "cycle.a", 0, 0, 1, "OK", "", "{}"},
      {"t", "b", "a", "cycle.b", 1, 0, 1, "OK", "", "{}"},
      {"t", "c", "a", "under.a", 2, 0, 1, "OK", "", "{}"},
      {"t", "d", "c", "under.c", 3, 0, 1, "OK", "", "{}"},
      {"t", "s", "s", "own.parent", 4, 0, 1, "ERROR", "loop", "{}"},
      {"t", "k", "s", "under.own", 5, 0, 1, "OK", "", "{}"},
      {"t", "r", "", "root", 6, 0, 1, "OK", "", "{}"},
  };
  EXPECT_EQ(render_trace_tree(spans, false),
            "cycle.a (1.00ms) (parent cycle) <- ROOT\n"
            "└─ under.a (1.00ms)\n"
            "   └─ under.c (1.00ms)\n"
            "cycle.b (1.00ms) (parent cycle) <- ROOT\n"
            "own.parent (1.00ms) (parent cycle) <- ROOT [ERROR: loop]\n"
            "└─ under.own (1.00ms)\n"
            "root (1.00ms) <- ROOT\n");
}

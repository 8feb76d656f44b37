// Table spans has no index and no key (docs/trace-store.md): span ids stay
// unique because the writer leaves out a span it stored already, and a store
// with the key (an earlier version's, the Python original's) is rebuilt
// without it, once, in one transaction.
#include <gtest/gtest.h>

#include "temp_folder.hpp"

#include <filesystem>
#include <string>
#include <vector>

#include <flock/flock.hpp>

#include "storage/duckdb/duckdb_handle.hpp"
#include "exporters/store/store_span_exporter.hpp"
#include "storage/duckdb/schema.hpp"
#include "storage/duckdb/store_file.hpp"
#include "storage/duckdb/trace_summaries.hpp"

namespace fs = std::filesystem;
using namespace flockcpp;

namespace {

// This product's spans table before the key was dropped, with the indexes
// its earlier versions also had.
constexpr const char* kEarlierSchema = R"sql(
CREATE TABLE spans (
  trace_id VARCHAR NOT NULL,
  span_id VARCHAR PRIMARY KEY,
  parent_id VARCHAR,
  name VARCHAR NOT NULL,
  service VARCHAR,
  operation VARCHAR,
  kind VARCHAR,
  start_time BIGINT NOT NULL,
  end_time BIGINT NOT NULL,
  duration_ms DOUBLE NOT NULL,
  status_code VARCHAR NOT NULL,
  status_description VARCHAR,
  attributes JSON,
  events JSON,
  links JSON,
  resource JSON,
  created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX idx_spans_trace_id ON spans(trace_id);
CREATE INDEX idx_spans_start_time ON spans(start_time);
CREATE INDEX idx_spans_name ON spans(name);
)sql";

// The Python original's: the same table with five indexes of other names.
constexpr const char* kPythonSchema = R"sql(
CREATE TABLE spans (
  trace_id VARCHAR NOT NULL,
  span_id VARCHAR PRIMARY KEY,
  parent_id VARCHAR,
  name VARCHAR NOT NULL,
  service VARCHAR,
  operation VARCHAR,
  kind VARCHAR,
  start_time BIGINT NOT NULL,
  end_time BIGINT NOT NULL,
  duration_ms DOUBLE NOT NULL,
  status_code VARCHAR NOT NULL,
  status_description VARCHAR,
  attributes JSON,
  events JSON,
  links JSON,
  resource JSON,
  created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX idx_trace_id ON spans(trace_id);
CREATE INDEX idx_service ON spans(service);
CREATE INDEX idx_start_time ON spans(start_time);
CREATE INDEX idx_name ON spans(name);
CREATE INDEX idx_created_at ON spans(created_at);
)sql";

// n spans over n / 10 traces, with every column filled.
std::string fill_sql(int n) {
  return "INSERT INTO spans SELECT printf('%032x', i // 10), printf('%016x', i + 1), "
         "CASE WHEN i % 10 = 0 THEN NULL ELSE printf('%016x', i - i % 10 + 1) END, "
         "'Agent.execute', 'Agent', 'execute', 'INTERNAL', 1000000000 + i, 1000001000 + i, 0.001, "
         "CASE WHEN i % 7 = 0 THEN 'ERROR' ELSE 'OK' END, CASE WHEN i % 7 = 0 THEN 'boom' END, "
         "'{\"agent\":{\"name\":\"a' || (i % 3) || '\"}}', '[]', '[]', '{\"service\":{\"name\":\"py\"}}', "
         "TIMESTAMP '2026-01-01 00:00:00' + to_seconds(i) FROM range(" +
         std::to_string(n) + ") r(i)";
}

constexpr const char* kChecksumSql =
    "SELECT sum(hash(trace_id, span_id, parent_id, name, service, operation, kind, start_time, end_time, "
    "duration_ms, status_code, status_description, attributes, events, links, resource, created_at)) "
    "FROM spans";

SpanData span(std::uint8_t trace, std::uint8_t id, std::int64_t end_shift_ns = 0) {
  SpanData s;
  s.trace_id[15] = trace;
  s.trace_id[0] = 0xab;  // not a trace of fill_sql's
  s.span_id[7] = id;
  s.span_id[0] = 0xcd;
  s.name = "Agent.execute";
  s.start_ns = 2'000'000'000 + id;
  s.end_ns = s.start_ns + 1000 + end_shift_ns;
  return s;
}

// A span another process sent over OTLP: only such spans (and a batch
// retried after part of it committed) can repeat one the store holds.
SpanData sent(SpanData s) {
  static const auto origin = std::make_shared<const SpanOrigin>(SpanOrigin{{}, "sender", "", "sender", false});
  s.origin = origin;
  return s;
}

SpanData model_call(SpanData s) {
  s.attributes.push_back({"gen_ai.request.model", std::string("gpt-4o")});
  s.attributes.push_back({"gen_ai.usage.input_tokens", std::int64_t{7}});
  return s;
}

class StoreNoIndexTest : public testing::Test {
 protected:
  void SetUp() override {
    folder_ = std::make_unique<testing_support::TempFolder>("flock-noindex");
    path_ = (folder_->path() / "traces.duckdb").string();
  }
  void TearDown() override {
    detail::spans_rebuild_hook_for_tests = nullptr;
    detail::StoreFile::close_all_idle();
    folder_.reset();
  }

  std::string value(const std::string& sql) {
    auto rows = TraceStoreReader(path_).query(sql).rows;
    return rows.at(0).at(0).value_or("NULL");
  }
  std::int64_t count(const std::string& sql) { return std::stoll(value(sql)); }

  // Keys and indexes of table spans (NOT NULL constraints are no index).
  std::int64_t keys_on_spans() {
    return count("SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'spans' AND constraint_type <> "
                 "'NOT NULL'");
  }
  std::int64_t indexes_on_spans() { return count("SELECT count(*) FROM duckdb_indexes() WHERE table_name = 'spans'"); }

  void create_store(const char* schema, int n) {
    detail::DuckDatabase db(path_);
    detail::DuckConnection con(db);
    con.execute(schema);
    con.execute(fill_sql(n));
  }

  std::unique_ptr<testing_support::TempFolder> folder_;
  std::string path_;
};

}  // namespace

TEST_F(StoreNoIndexTest, AFreshStoreHasNoIndexAndNoKeyOnSpans) {
  auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
  std::vector<SpanData> batch{span(1, 1), span(1, 2)};
  ASSERT_EQ(exporter->export_batch(batch), ExportResult::Success);
  exporter->shutdown();
  EXPECT_EQ(indexes_on_spans(), 0);
  EXPECT_EQ(keys_on_spans(), 0);
  // span_id is still NOT NULL.
  EXPECT_EQ(count("SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'spans' AND constraint_type = "
                  "'NOT NULL' AND list_contains(constraint_column_names, 'span_id')"),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM spans"), 2);
  // Nor on traces: the writer keeps one row per trace.
  EXPECT_EQ(count("SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'traces' AND constraint_type <> "
                  "'NOT NULL'"),
            0);
  EXPECT_EQ(count("SELECT count(*) FROM traces"), 1);
}

// A store of the version before, whose traces table had a primary key: the
// key goes, every row stays, and merging keeps one row per trace.
TEST_F(StoreNoIndexTest, TracesOfAnEarlierStoreLoseTheirKeyAndKeepEveryRow) {
  {
    auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
    std::vector<SpanData> batch{model_call(span(1, 1)), span(2, 2), span(3, 3)};
    ASSERT_EQ(exporter->export_batch(batch), ExportResult::Success);
    exporter->shutdown();
  }
  detail::StoreFile::close_all_idle();
  {
    // And trace_models with its key (trace_id, model).
    detail::DuckDatabase db(path_);
    detail::DuckConnection con(db);
    con.execute("CREATE TABLE old_models AS SELECT * FROM trace_models");
    con.execute("DROP TABLE trace_models");
    con.execute("CREATE TABLE trace_models (trace_id VARCHAR NOT NULL, model VARCHAR NOT NULL, calls BIGINT NOT NULL, "
                "input_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL, PRIMARY KEY (trace_id, model))");
    con.execute("INSERT INTO trace_models SELECT * FROM old_models");
    con.execute("DROP TABLE old_models");
  }
  std::string before;
  {
    detail::DuckDatabase db(path_);
    detail::DuckConnection con(db);
    // The earlier traces: the same columns with trace_id the primary key.
    std::string ddl = con.query_table("SELECT sql FROM duckdb_tables() WHERE table_name = 'traces'").rows.at(0).at(0);
    ddl.replace(ddl.find("trace_id VARCHAR NOT NULL"), 25, "trace_id VARCHAR PRIMARY KEY");
    con.execute("CREATE TABLE old_traces AS SELECT * FROM traces");
    con.execute("DROP VIEW workflows");
    con.execute("DROP TABLE traces");
    con.execute(ddl);
    con.execute("INSERT INTO traces SELECT * FROM old_traces");
    con.execute("DROP TABLE old_traces");
    before = con.query_table("SELECT CAST(sum(hash(COLUMNS(*))) AS VARCHAR) FROM traces").rows.at(0).at(0);
  }
  ASSERT_EQ(count("SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'traces' AND constraint_type = "
                  "'PRIMARY KEY'"),
            1);
  detail::StoreFile::close_all_idle();
  EXPECT_EQ(value("SELECT CAST(sum(hash(COLUMNS(*))) AS VARCHAR) FROM traces"), before);
  detail::StoreFile::close_all_idle();

  auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
  std::vector<SpanData> more{model_call(span(1, 4)), span(4, 5)};
  ASSERT_EQ(exporter->export_batch(more), ExportResult::Success);
  exporter->shutdown();
  EXPECT_EQ(count("SELECT count(*) FROM duckdb_constraints() WHERE table_name IN ('traces', 'trace_models') AND "
                  "constraint_type <> 'NOT NULL'"),
            0);
  EXPECT_EQ(count("SELECT count(*) FROM trace_models"), 1);
  EXPECT_EQ(count("SELECT calls FROM trace_models WHERE model = 'gpt-4o'"), 2);
  EXPECT_EQ(count("SELECT input_tokens FROM trace_models WHERE model = 'gpt-4o'"), 14);
  EXPECT_EQ(count("SELECT count(*) FROM traces"), 4);
  EXPECT_EQ(count("SELECT span_count FROM traces WHERE trace_id LIKE 'ab%01'"), 2);
  EXPECT_EQ(count("SELECT count(*) FROM workflows"), 0);
}

// A sender repeating spans: the same batch again (an OTLP retry), a span
// again with another end time, a span twice in one batch. Each
// (trace_id, span_id) is stored once, none is counted as lost, and the
// trace's summary counts each span once.
TEST_F(StoreNoIndexTest, ASpanSentTwiceIsStoredOnceWhateverItsEndTime) {
  auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
  std::vector<SpanData> first{sent(span(1, 1)), sent(span(1, 2)), sent(span(2, 3))};
  testing::internal::CaptureStderr();
  ASSERT_EQ(exporter->export_batch(first), ExportResult::Success);
  ASSERT_EQ(exporter->export_batch(first), ExportResult::Success);  // the same batch again
  std::vector<SpanData> second{sent(span(1, 4)), sent(span(1, 1, 5'000'000'000)), sent(span(2, 3, 3'600'000'000'000))};
  ASSERT_EQ(exporter->export_batch(second), ExportResult::Success);
  std::vector<SpanData> third{sent(span(1, 2, 9'000'000'000)), sent(span(1, 5)), sent(span(1, 5, 1))};
  ASSERT_EQ(exporter->export_batch(third), ExportResult::Success);
  std::string err = testing::internal::GetCapturedStderr();
  TraceStats stats;
  stats.spans_exported = 12;
  exporter->add_stats(stats);
  exporter->shutdown();
  EXPECT_EQ(stats.spans_lost, 0u) << err;
  EXPECT_EQ(err.find("refused"), std::string::npos) << err;
  EXPECT_EQ(count("SELECT count(*) FROM spans"), 5);
  EXPECT_EQ(count("SELECT count(*) FROM (SELECT DISTINCT trace_id, span_id FROM spans)"), 5);
  // The first copy is the one kept.
  EXPECT_EQ(count("SELECT count(*) FROM spans WHERE end_time - start_time = 1000"), 5);
  EXPECT_EQ(count("SELECT sum(span_count) FROM traces"), 5);
}

// The window: spans written up to 15 minutes ago are recognised whatever
// their end time; older ones are not looked up (README states the window).
TEST_F(StoreNoIndexTest, RepeatsAreRecognisedForSpansWrittenInTheLast15Minutes) {
  {
    auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
    std::vector<SpanData> batch{sent(span(1, 1)), sent(span(1, 2))};
    ASSERT_EQ(exporter->export_batch(batch), ExportResult::Success);
    exporter->shutdown();
  }
  detail::StoreFile::close_all_idle();
  {
    detail::DuckDatabase db(path_);
    detail::DuckConnection con(db);
    con.execute("UPDATE spans SET created_at = CAST(current_timestamp AS TIMESTAMP) - INTERVAL 14 MINUTE "
                "WHERE span_id = 'cd00000000000001'");
    con.execute("UPDATE spans SET created_at = CAST(current_timestamp AS TIMESTAMP) - INTERVAL 16 MINUTE "
                "WHERE span_id = 'cd00000000000002'");
  }
  auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
  std::vector<SpanData> again{sent(span(1, 1, 7'000'000'000)), sent(span(1, 2, 7'000'000'000))};
  ASSERT_EQ(exporter->export_batch(again), ExportResult::Success);
  exporter->shutdown();
  EXPECT_EQ(count("SELECT count(*) FROM spans WHERE span_id = 'cd00000000000001'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM spans WHERE span_id = 'cd00000000000002'"), 2);
}

class StoreRebuildTest : public StoreNoIndexTest, public testing::WithParamInterface<const char*> {};

// A store with the key is rebuilt without it the first time a writer opens
// it: no index or key is left on spans, every span is there with every
// column as it was, and the next writer does not rebuild again.
TEST_P(StoreRebuildTest, AStoreWithTheKeyIsRebuiltWithoutItKeepingEverySpan) {
  constexpr int kSpans = 20'000;
  create_store(GetParam(), kSpans);
  std::string before = value(kChecksumSql);
  detail::StoreFile::close_all_idle();
  ASSERT_GT(keys_on_spans(), 0);
  detail::StoreFile::close_all_idle();

  auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
  std::vector<SpanData> batch{span(1, 1), span(1, 2)};
  testing::internal::CaptureStderr();
  ASSERT_EQ(exporter->export_batch(batch), ExportResult::Success);
  exporter->shutdown();
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("rebuilding table spans without its primary key (20000 spans"), std::string::npos) << err;

  EXPECT_EQ(indexes_on_spans(), 0);
  EXPECT_EQ(keys_on_spans(), 0);
  EXPECT_EQ(count("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'spans%'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM spans"), kSpans + 2);
  EXPECT_EQ(value(std::string(kChecksumSql) + " WHERE created_at < TIMESTAMP '2026-02-01'"), before);
  // The rows keep their order (the zone maps on time rely on it).
  EXPECT_EQ(count("SELECT count(*) FROM (SELECT start_time, lag(start_time) OVER () AS prev FROM spans "
                  "WHERE created_at < TIMESTAMP '2026-02-01') WHERE start_time < prev"),
            0);
  EXPECT_EQ(count("SELECT count(*) FROM traces"), kSpans / 10 + 1);
  EXPECT_EQ(count("SELECT count(*) FROM workflows"), 0);
  detail::StoreFile::close_all_idle();

  auto next = detail::make_store_span_exporter(path_, TraceConfig{});
  std::vector<SpanData> more{span(1, 3)};
  testing::internal::CaptureStderr();
  ASSERT_EQ(next->export_batch(more), ExportResult::Success);
  next->shutdown();
  err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(err.find("rebuilding"), std::string::npos) << err;
  EXPECT_EQ(count("SELECT count(*) FROM spans"), kSpans + 3);
}

INSTANTIATE_TEST_SUITE_P(EarlierSchemas, StoreRebuildTest, testing::Values(kEarlierSchema, kPythonSchema),
                         [](const testing::TestParamInfo<const char*>& p) {
                           return std::string(p.index == 0 ? "ThisProductsEarlierStore" : "ThePythonOriginals");
                         });

// A rebuild that fails midway (here the disk filling up once every span is
// copied, before the old table is dropped) commits nothing: the old table is
// whole, with its key, and no half-built table is left; the spans stay queued
// and the next attempt rebuilds.
TEST_F(StoreNoIndexTest, AnInterruptedRebuildLeavesTheOldTableWhole) {
  constexpr int kSpans = 20'000;
  create_store(kEarlierSchema, kSpans);
  std::string before = value(kChecksumSql);
  std::int64_t keys_before = keys_on_spans();
  std::int64_t indexes_before = indexes_on_spans();
  detail::StoreFile::close_all_idle();
  int calls = 0;
  detail::spans_rebuild_hook_for_tests = [&] {
    ++calls;
    throw detail::DuckDbError("IO Error: Could not write file \"traces.duckdb\": No space left on device");
  };

  auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
  std::vector<SpanData> batch{span(1, 1), span(1, 2)};
  testing::internal::CaptureStderr();
  EXPECT_EQ(exporter->export_batch(batch), ExportResult::Retry);
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(calls, 1) << err;
  detail::StoreFile::close_all_idle();

  // Kept, not moved aside; the old table as it was.
  std::vector<std::string> files;
  for (auto& e : fs::directory_iterator(folder_->path())) files.push_back(e.path().filename().string());
  for (const auto& f : files) EXPECT_EQ(f.find("unusable"), std::string::npos) << f;
  EXPECT_EQ(keys_on_spans(), keys_before);
  EXPECT_EQ(indexes_on_spans(), indexes_before);
  EXPECT_EQ(count("SELECT count(*) FROM spans"), kSpans);
  EXPECT_EQ(value(kChecksumSql), before);
  EXPECT_EQ(count("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'spans_rebuilt'"), 0);
  detail::StoreFile::close_all_idle();

  detail::spans_rebuild_hook_for_tests = nullptr;
  EXPECT_EQ(exporter->export_batch(batch), ExportResult::Success);
  exporter->shutdown();
  EXPECT_EQ(keys_on_spans(), 0);
  EXPECT_EQ(count("SELECT count(*) FROM spans"), kSpans + 2);
}

// Each release for outside readers checkpoints, and DuckDB rewrites the row
// group the last checkpoint left partly filled: the writer appends in row
// groups of kStoreRowGroupSize rows, not DuckDB's 122,880, so that rewrite
// stays small (docs/trace-store.md, "Row groups"). Read back by a plain
// read-only instance, as any client opens the file.
TEST_F(StoreNoIndexTest, TheWriterAppendsInRowGroupsOfTheStoresSize) {
  auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
  constexpr int kSpans = 100'000;
  std::vector<SpanData> batch;
  for (int i = 0; i < kSpans; ++i) {
    SpanData s = span(static_cast<std::uint8_t>(i % 200), 1);
    s.span_id[1] = static_cast<std::uint8_t>(i >> 16);
    s.span_id[2] = static_cast<std::uint8_t>(i >> 8);
    s.span_id[3] = static_cast<std::uint8_t>(i);
    batch.push_back(std::move(s));
    if (batch.size() == 10'000) {
      ASSERT_EQ(exporter->export_batch(batch), ExportResult::Success);
      batch.clear();
    }
  }
  exporter->shutdown();
  detail::StoreFile::close_all_idle();
  detail::DuckDatabase::Options read_only;
  read_only.read_only = true;
  detail::DuckDatabase db(path_, read_only);
  detail::DuckConnection con(db);
  EXPECT_EQ(con.query_int("SELECT count(*) FROM spans"), kSpans);
  // Rows per row group: the first column's segments add up to them.
  const std::string per_group =
      "SELECT row_group_id, sum(count) AS n FROM pragma_storage_info('spans') WHERE column_id = 0 "
      "AND column_path = '[0]' GROUP BY row_group_id";
  EXPECT_EQ(con.query_int("SELECT max(n) FROM (" + per_group + ")"),
            static_cast<std::int64_t>(detail::kStoreRowGroupSize));
  EXPECT_GE(con.query_int("SELECT count(*) FROM (" + per_group + ")"),
            (kSpans + static_cast<std::int64_t>(detail::kStoreRowGroupSize) - 1) /
                static_cast<std::int64_t>(detail::kStoreRowGroupSize));
}

// The writer's instance lets go of the file between two holds by detaching
// it (DuckDB checkpoints on DETACH) and attaches it again for the next hold:
// the log is folded in, the rows are there again, and the instance stays
// sealed across the two.
TEST_F(StoreNoIndexTest, TheWritersInstanceDetachesItsFileCheckpointedAndAttachesItSealed) {
  detail::DuckDatabase::Options writable;
  writable.row_group_size = detail::kStoreRowGroupSize;
  detail::DuckDatabase db(path_, writable);
  ASSERT_TRUE(db.can_detach());
  {
    detail::DuckConnection con(db);
    detail::ensure_schema(con);
    con.execute(fill_sql(1000));
  }
  EXPECT_TRUE(fs::exists(path_ + ".wal"));
  db.detach();
  EXPECT_FALSE(fs::exists(path_ + ".wal"));  // checkpointed
  {
    detail::DuckDatabase::Options read_only;
    read_only.read_only = true;
    detail::DuckDatabase other(path_, read_only);
    detail::DuckConnection con(other);
    EXPECT_EQ(con.query_int("SELECT count(*) FROM spans"), 1000);
  }
  db.reattach();
  detail::DuckConnection con(db);
  EXPECT_EQ(con.query_int("SELECT count(*) FROM spans"), 1000);
  con.execute(fill_sql(10));
  EXPECT_EQ(con.query_int("SELECT count(*) FROM spans"), 1010);
  const std::string other_file = (folder_->path() / "other.duckdb").string();
  EXPECT_THROW(con.execute("ATTACH " + detail::sql_quote(other_file) + " AS other"), detail::DuckDbError);
  EXPECT_THROW(con.execute("SET enable_external_access = true"), detail::DuckDbError);
  EXPECT_THROW(con.query_int("SELECT count(*) FROM read_text('/etc/hostname')"), detail::DuckDbError);
  EXPECT_FALSE(fs::exists(other_file));
}

// The look-up of a batch's stored traces is bounded by when this process
// began them: rows of such a trace end after that, less an hour for other
// hosts' clocks (docs/trace-store.md). A trace that may be older than this
// process knows (trace_began_ns 0: sent over OTLP, continued from a remote
// parent) leaves the look-up unbounded, and so does a claim later than the
// span's own start.
TEST_F(StoreNoIndexTest, TheLookUpOfStoredTracesIsBoundedByWhenThisProcessBeganThem) {
  constexpr std::int64_t kBegan = 5'000'000'000'000;
  SpanData a = span(1, 1);
  a.start_ns = kBegan + 10;
  a.trace_began_ns = kBegan;
  SpanData b = span(2, 2);
  b.start_ns = kBegan + 2'000'000'000;
  b.trace_began_ns = kBegan + 1'000'000'000;
  std::vector<SpanData> local{a, b};
  auto bound = detail::stored_rows_end_after(detail::summarize(local, "svc"));
  ASSERT_TRUE(bound.has_value());
  EXPECT_EQ(*bound, kBegan - detail::kClockSkewNs);

  std::vector<SpanData> with_unknown{a, span(3, 3)};  // trace_began_ns 0
  EXPECT_FALSE(detail::stored_rows_end_after(detail::summarize(with_unknown, "svc")).has_value());

  SpanData late = a;
  late.trace_began_ns = a.start_ns + 1'000'000'000'000;  // began after it started: not believed
  std::vector<SpanData> claim{late};
  EXPECT_EQ(*detail::stored_rows_end_after(detail::summarize(claim, "svc")), a.start_ns - detail::kClockSkewNs);
}

// A trace this process began whose first spans another process stored (they
// started after it began here) keeps one row: the bounded look-up finds it,
// among a store of older traces.
TEST_F(StoreNoIndexTest, ATraceThisProcessBeganStillMergesIntoTheRowAnotherProcessStored) {
  {
    detail::DuckDatabase db(path_);
    detail::DuckConnection con(db);
    detail::ensure_schema(con);
    con.execute(fill_sql(50'000));  // older traces (start_time about 1 s)
    con.execute(std::string("INSERT INTO traces ") + detail::traces_from_spans_sql() + " GROUP BY trace_id");
  }
  auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
  constexpr std::int64_t kBegan = 9'000'000'000'000;
  SpanData elsewhere = sent(span(7, 1));
  elsewhere.start_ns = kBegan + 5'000'000;
  elsewhere.end_ns = elsewhere.start_ns + 1'000;
  std::vector<SpanData> first{elsewhere};
  ASSERT_EQ(exporter->export_batch(first), ExportResult::Success);
  SpanData here = span(7, 2);
  here.start_ns = kBegan;
  here.end_ns = kBegan + 10'000'000;
  here.trace_began_ns = kBegan;
  std::vector<SpanData> second{here};
  ASSERT_EQ(exporter->export_batch(second), ExportResult::Success);
  exporter->shutdown();
  const std::string id = "'" + to_hex(here.trace_id) + "'";
  EXPECT_EQ(count("SELECT count(*) FROM traces WHERE trace_id = " + id), 1);
  EXPECT_EQ(count("SELECT span_count FROM traces WHERE trace_id = " + id), 2);
  EXPECT_EQ(count("SELECT count(*) FROM traces"), 5'001);
}

// The bound reaches the look-up: a stored row of the trace that ended more
// than an hour before this process began it is not looked at (the
// documented cost of clocks more than an hour apart: the trace gets a second
// row), while one within the hour is merged.
TEST_F(StoreNoIndexTest, TheLookUpSkipsRowsThatEndedBeforeTheBound) {
  auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
  constexpr std::int64_t kBegan = 9'000'000'000'000;
  SpanData old_part = sent(span(8, 1));  // stored by "another host"
  old_part.start_ns = kBegan - detail::kClockSkewNs - 2'000'000'000;
  old_part.end_ns = old_part.start_ns + 1'000;
  SpanData recent_part = sent(span(9, 1));
  recent_part.start_ns = kBegan - detail::kClockSkewNs + 2'000'000'000;
  recent_part.end_ns = recent_part.start_ns + 1'000;
  std::vector<SpanData> stored{old_part, recent_part};
  ASSERT_EQ(exporter->export_batch(stored), ExportResult::Success);
  std::vector<SpanData> local;
  for (std::uint8_t trace : {8, 9}) {
    SpanData s = span(trace, 2);
    s.start_ns = kBegan;
    s.end_ns = kBegan + 1'000;
    s.trace_began_ns = kBegan;
    local.push_back(s);
  }
  ASSERT_EQ(exporter->export_batch(local), ExportResult::Success);
  exporter->shutdown();
  EXPECT_EQ(count("SELECT count(*) FROM traces WHERE trace_id = '" + to_hex(local[1].trace_id) + "'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM traces WHERE trace_id = '" + to_hex(local[0].trace_id) + "'"), 2);
}

// The writer's instance, parked between two leases: the file is let go
// checkpointed (no log left), and the next writable lease takes it back
// with what was written.
TEST_F(StoreNoIndexTest, AWritableLeaseLetsGoOfTheFileCheckpointedAndTheNextTakesItBack) {
  {
    auto lease = detail::StoreFile::at(path_).share(true);
    detail::DuckConnection con(lease.db());
    detail::ensure_schema(con);
    con.execute(fill_sql(500));
  }
  EXPECT_FALSE(fs::exists(path_ + ".wal"));
  {
    detail::DuckDatabase::Options read_only;
    read_only.read_only = true;
    detail::DuckDatabase other(path_, read_only);  // as another process would
    detail::DuckConnection con(other);
    EXPECT_EQ(con.query_int("SELECT count(*) FROM spans"), 500);
  }
  auto lease = detail::StoreFile::at(path_).share(true);
  detail::DuckConnection con(lease.db());
  EXPECT_EQ(con.query_int("SELECT count(*) FROM spans"), 500);
}

// File names DuckDB would read as SQL or as its own catalogs: the attached
// file is quoted and named so that it still works.
TEST_F(StoreNoIndexTest, TheWriterAttachesFilesWithAnyName) {
  for (const char* name : {"memory.duckdb", "it's \"odd\"; DROP TABLE spans.duckdb", "TEMP.db", "main"}) {
    const std::string path = (folder_->path() / name).string();
    auto exporter = detail::make_store_span_exporter(path, TraceConfig{});
    std::vector<SpanData> batch{span(1, 1), span(1, 2)};
    ASSERT_EQ(exporter->export_batch(batch), ExportResult::Success) << name;
    exporter->shutdown();
    detail::StoreFile::close_all_idle();
    EXPECT_EQ(TraceStoreReader(path).query("SELECT count(*) FROM spans").rows.at(0).at(0).value_or(""), "2") << name;
  }
}

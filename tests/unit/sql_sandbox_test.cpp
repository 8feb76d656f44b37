// The SQL route's sandbox over a real store file: nothing outside the
// store is reachable (files, extensions, secrets, settings), and rows,
// result bytes, memory and time are bounded.
#include <gtest/gtest.h>

#include "temp_folder.hpp"
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <thread>

#include <flock/flock.hpp>

#include "exporters/store/store_span_exporter.hpp"
#include "storage/duckdb/sql_sandbox.hpp"

using flockcpp::SqlLimits;

namespace fs = std::filesystem;
using namespace flockcpp;
using flockcpp::Error;
using flockcpp::ErrorCode;

namespace {

// Seconds of work inside one call of a scalar function (one chunk of 2048
// rows), where DuckDB does not look for an interrupt.
constexpr const char* kUninterruptible =
    "SELECT max(length(regexp_replace(repeat('x', 8192) || r::VARCHAR, '(a|b|c|x)*?x', 'yy', 'g'))) "
    "FROM range(2048) t(r)";

class SqlSandboxTest : public testing::Test {
 protected:
  void SetUp() override {
    folder_ = std::make_unique<flockcpp::testing_support::TempFolder>("flock-sql");
    dir_ = folder_->path();
    fs::create_directories(dir_ / "home");
    path_ = (dir_ / "traces.duckdb").string();
    // DuckDB would put downloaded extensions and secrets under $HOME.
    if (const char* h = std::getenv("HOME")) old_home_ = h;
    ::setenv("HOME", (dir_ / "home").c_str(), 1);
    auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
    SpanData s;
    s.trace_id[15] = 1;
    s.span_id[7] = 1;
    s.name = "Flock.publish";
    s.start_ns = 1;
    s.end_ns = 2;
    std::vector<SpanData> batch{s};
    ASSERT_EQ(exporter->export_batch(batch), ExportResult::Success);
  }
  void TearDown() override {
    ::setenv("HOME", old_home_.c_str(), 1);
    // A runaway query may still hold the file: wait for it before removing.
    wait_for_runaways(std::chrono::seconds(120));
    folder_.reset();
  }

  static bool wait_for_runaways(std::chrono::seconds at_most) {
    auto until = std::chrono::steady_clock::now() + at_most;
    while (detail::runaway_sql_queries() > 0 && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return detail::runaway_sql_queries() == 0;
  }

  ErrorCode refusal(const std::string& sql, SqlLimits limits = {}) {
    try {
      detail::run_sandboxed_sql(path_, sql, limits);
    } catch (const Error& e) {
      last_error_ = e.what();
      return e.code();
    }
    ADD_FAILURE() << "not refused: " << sql;
    return ErrorCode::FailedPrecondition;
  }

  std::unique_ptr<flockcpp::testing_support::TempFolder> folder_;
  fs::path dir_;
  std::string path_;
  std::string old_home_;
  std::string last_error_;
};

TEST_F(SqlSandboxTest, ExtensionsAreNeverInstalledOrLoaded) {
  // Each of these names a function of an extension DuckDB would download.
  for (const char* sql : {"SELECT text(1.5, '0.0')", "SELECT * FROM sqlite_scan('x.db', 't')",
                          "SELECT * FROM read_xlsx('x.xlsx')", "SELECT st_point(1, 2)"}) {
    refusal(sql);
    EXPECT_EQ(last_error_.find("trace store"), std::string::npos) << sql;
  }
  // Secrets: DuckDB knows no secret type without an extension, so these
  // fail before the SELECT-only rule; refused either way.
  for (const char* sql : {"CREATE SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')",
                          "CREATE PERSISTENT SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')",
                          "SELECT * FROM duckdb_secrets()"}) {
    try {
      auto r = detail::run_sandboxed_sql(path_, sql, {});
      EXPECT_EQ(r["row_count"], 0) << sql;  // duckdb_secrets(): there are none
    } catch (const Error& e) {
      EXPECT_NE(e.code(), ErrorCode::Timeout) << sql;
    }
  }
  for (const char* sql : {"INSTALL excel", "LOAD excel", "LOAD '/tmp/x.duckdb_extension'", "FORCE INSTALL httpfs",
                          "SET autoinstall_known_extensions = true", "SET extension_directory = '/tmp'",
                          "SET memory_limit = '10GB'", "SET enable_external_access = true"}) {
    EXPECT_EQ(refusal(sql), ErrorCode::Forbidden) << sql << ": " << last_error_;
  }
  EXPECT_FALSE(fs::exists(dir_ / "home" / ".duckdb")) << "DuckDB wrote under $HOME";
  auto settings = detail::run_sandboxed_sql(
      path_,
      "SELECT current_setting('autoinstall_known_extensions'), current_setting('autoload_known_extensions'), "
      "current_setting('allow_community_extensions'), current_setting('enable_external_access'), "
      "current_setting('lock_configuration'), current_setting('allow_persistent_secrets')",
      {});
  EXPECT_EQ(settings["rows"][0], Json::parse("[false, false, false, false, true, false]"));
}

TEST_F(SqlSandboxTest, FilesAreOutOfReach) {
  for (const char* sql : {"SELECT * FROM read_text('/etc/passwd')", "SELECT * FROM read_csv('/etc/passwd')",
                          "SELECT * FROM glob('/etc/*')", "SELECT * FROM read_blob('/proc/self/environ')"}) {
    EXPECT_EQ(refusal(sql), ErrorCode::Forbidden) << sql << ": " << last_error_;
  }
  EXPECT_EQ(refusal("COPY spans TO '/tmp/x.csv'"), ErrorCode::Forbidden);
  EXPECT_EQ(refusal("ATTACH '/tmp/other.duckdb'"), ErrorCode::Forbidden);
}

TEST_F(SqlSandboxTest, ALongScalarFunctionIsAnsweredAtTheTimeLimit) {
  SqlLimits limits;
  limits.timeout = std::chrono::milliseconds(300);
  auto started = std::chrono::steady_clock::now();
  // ~3 s of work in one call of regexp_replace() over a chunk of 2048 rows,
  // which DuckDB cannot interrupt.
  EXPECT_EQ(refusal(kUninterruptible, limits), ErrorCode::Timeout);
  auto waited = std::chrono::steady_clock::now() - started;
  // Answered near the limit, not when DuckDB finally returns (seconds later).
  EXPECT_LT(waited, std::chrono::seconds(3)) << "waited for the query to finish";
  EXPECT_NE(last_error_.find("300 ms"), std::string::npos) << last_error_;
}

TEST_F(SqlSandboxTest, ALongScanIsInterrupted) {
  SqlLimits limits;
  limits.timeout = std::chrono::milliseconds(200);
  EXPECT_EQ(refusal("SELECT count(*) FROM range(1000000000000) a", limits), ErrorCode::Timeout);
  // Interrupted: without it this scan would run for hours.
  EXPECT_TRUE(wait_for_runaways(std::chrono::seconds(10)));
}

TEST_F(SqlSandboxTest, MemoryIsBounded) {
  EXPECT_EQ(refusal("SELECT string_agg(repeat('x', 1000), '') FROM range(2000000)"), ErrorCode::FailedPrecondition);
  EXPECT_NE(last_error_.find("Out of Memory"), std::string::npos) << last_error_;
}

TEST_F(SqlSandboxTest, ResultBytesAreBounded) {
  SqlLimits limits;
  limits.max_result_bytes = 100'000;
  EXPECT_EQ(refusal("SELECT repeat('x', 1000) FROM range(1000)", limits), ErrorCode::FailedPrecondition);
  EXPECT_NE(last_error_.find("larger than"), std::string::npos);
  auto ok = detail::run_sandboxed_sql(path_, "SELECT repeat('x', 1000) FROM range(50)", limits);
  EXPECT_EQ(ok["row_count"], 50);
}

TEST_F(SqlSandboxTest, RowsAreBoundedAndMarkedTruncated) {
  SqlLimits limits;
  limits.max_rows = 7;
  auto r = detail::run_sandboxed_sql(path_, "SELECT range AS n FROM range(100)", limits);
  EXPECT_EQ(r["row_count"], 7);
  EXPECT_TRUE(r["truncated"].get<bool>());
  auto small = detail::run_sandboxed_sql(path_, "SELECT range AS n FROM range(7)", limits);
  EXPECT_FALSE(small["truncated"].get<bool>());
}

TEST_F(SqlSandboxTest, EveryColumnTypeComesBackReadable) {
  auto r = detail::run_sandboxed_sql(
      path_,
      "SELECT 42 AS i, 1.25::DECIMAL(6,2) AS d, 170141183460469231731687303715884105727::HUGEINT AS h, "
      "TIMESTAMP '2026-01-02 03:04:05' AS ts, DATE '2026-01-02' AS day, [1, 2] AS list, {'a': 1} AS s, "
      "'{\"k\": 1}'::JSON AS j, NULL AS nothing, true AS yes",
      {});
  ASSERT_EQ(r["rows"].size(), 1u);
  const Json& row = r["rows"][0];
  EXPECT_EQ(row[0], 42);
  EXPECT_DOUBLE_EQ(row[1].get<double>(), 1.25);
  EXPECT_TRUE(row[2].is_number());
  EXPECT_EQ(row[3], "2026-01-02 03:04:05");
  EXPECT_EQ(row[4], "2026-01-02");
  EXPECT_EQ(row[5], "[1, 2]");
  EXPECT_EQ(row[6], "{'a': 1}");
  EXPECT_EQ(row[7], Json::parse(R"({"k": 1})"));
  EXPECT_TRUE(row[8].is_null());
  EXPECT_EQ(row[9], true);
  EXPECT_EQ(r["columns"], Json::parse(R"(["i","d","h","ts","day","list","s","j","nothing","yes"])"));
}

TEST_F(SqlSandboxTest, QueriesAtOnceAreBounded) {
  // Queries that ignore the interrupt keep running after their callers are
  // answered; past the bound, new ones are refused as busy until they end.
  SqlLimits limits;
  // Long enough for all four to be inside their uninterruptible call.
  limits.timeout = std::chrono::milliseconds(600);
  std::vector<std::future<ErrorCode>> runs;
  for (int i = 0; i < detail::kMaxConcurrentSql; ++i) {
    runs.push_back(std::async(std::launch::async, [&] {
      try {
        detail::run_sandboxed_sql(path_, kUninterruptible, limits);
      } catch (const Error& e) {
        return e.code();
      }
      return ErrorCode::FailedPrecondition;
    }));
  }
  for (auto& f : runs) EXPECT_EQ(f.get(), ErrorCode::Timeout);
  ASSERT_EQ(detail::runaway_sql_queries(), detail::kMaxConcurrentSql);
  EXPECT_EQ(refusal("SELECT 1"), ErrorCode::Unavailable);
  ASSERT_TRUE(wait_for_runaways(std::chrono::seconds(120)));
  EXPECT_EQ(detail::run_sandboxed_sql(path_, "SELECT 1 AS one", {})["rows"][0][0], 1);
}

TEST_F(SqlSandboxTest, OverlongAndNulQueriesAreRefused) {
  EXPECT_EQ(refusal(std::string("SELECT 1\0", 9)), ErrorCode::InvalidArgument);
  EXPECT_EQ(refusal("SELECT '" + std::string(detail::kMaxSqlBytes, 'x') + "'"), ErrorCode::InvalidArgument);
  EXPECT_EQ(refusal("SELECT 1; SELECT 2"), ErrorCode::FailedPrecondition);
  EXPECT_EQ(refusal("DELETE FROM spans"), ErrorCode::Forbidden);
}

}  // namespace

// The store seam (storage/trace_store.hpp): which store a locator names, and
// that what sits above it (the span exporter, the public reader) works with
// any implementation: a second store, kept in memory here, plugs in with
// nothing above the seam changed.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <flock/error.hpp>
#include <flock/trace_reader.hpp>

#include "exporters/store/store_span_exporter.hpp"
#include "storage/trace_store.hpp"
#include "temp_folder.hpp"

namespace flockcpp {
namespace {

namespace fs = std::filesystem;

// What a second implementation saw through the writer interface.
struct Journal {
  std::mutex mu;
  std::vector<std::string> appended;  // span names
  std::vector<std::int64_t> expiries;  // cutoffs asked for
  int expiry_refusals = 0;             // Retry answers still to give to expire_before
  bool closed = false;
};

class MemoryWriter final : public detail::TraceStoreWriter {
 public:
  explicit MemoryWriter(std::shared_ptr<Journal> j) : j_(std::move(j)) {}
  ExportResult append(std::span<const SpanData> batch) override {
    std::lock_guard lock(j_->mu);
    for (const auto& s : batch) j_->appended.push_back(s.name);
    return ExportResult::Success;
  }
  ExportResult expire_before(std::int64_t cutoff_ns) override {
    std::lock_guard lock(j_->mu);
    j_->expiries.push_back(cutoff_ns);
    if (j_->expiry_refusals > 0) {
      --j_->expiry_refusals;
      return ExportResult::Retry;
    }
    return ExportResult::Success;
  }
  void close() override { j_->closed = true; }

 private:
  std::shared_ptr<Journal> j_;
};

class MemoryStore final : public detail::TraceStore {
 public:
  explicit MemoryStore(std::shared_ptr<Journal> j) : j_(std::move(j)) {}
  std::string name() const override { return "memory:test"; }
  bool exists() const override { return true; }
  Json describe() const override { return Json{{"kind", "memory"}}; }
  std::unique_ptr<detail::TraceStoreWriter> open_writer(const TraceConfig&) const override {
    return std::make_unique<MemoryWriter>(j_);
  }
  Json list_traces(const TraceFilter&) const override { return Json::object(); }
  std::optional<Json> trace_json(const std::string&) const override { return std::nullopt; }
  std::vector<StoredSpan> trace(const std::string&) const override { return {}; }
  Json services() const override { return {}; }
  Json stats() const override { return {}; }
  Json workflow_stats() const override { return {}; }
  Json service_stats() const override { return {}; }
  Json agent_stats() const override { return {}; }
  Json model_stats() const override { return {}; }
  Json agents_seen() const override { return {}; }
  Json dependencies(const std::string&) const override { return {}; }
  std::int64_t newest_end_time() const override { return 0; }
  std::vector<detail::SpanEventRow> spans_ended_after(std::int64_t, std::size_t) const override { return {}; }
  Json run_sql(const std::string&, const SqlLimits&) const override { return {}; }
  QueryResult query(const std::string&) const override { return {}; }
  ClearResult clear() const override { return {}; }

 private:
  std::shared_ptr<Journal> j_;
};

SpanData named(const std::string& name) {
  SpanData s;
  s.trace_id[15] = 1;
  s.span_id[7] = 1;
  s.name = name;
  return s;
}

std::int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST(TraceStoreSeam, TheExporterWritesThroughAnyStore) {
  auto journal = std::make_shared<Journal>();
  auto exporter = detail::make_store_span_exporter(std::make_shared<MemoryStore>(journal), TraceConfig{});
  EXPECT_EQ(exporter->name(), "memory:test");
  exporter->start();
  std::vector<SpanData> batch{named("a"), named("b")};
  EXPECT_EQ(exporter->export_batch(batch), ExportResult::Success);
  exporter->shutdown();
  EXPECT_EQ(journal->appended, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(journal->expiries.empty()) << "no TTL configured, none applied";
  EXPECT_TRUE(journal->closed);
}

TEST(TraceStoreSeam, TheTtlIsAskedOfTheStoreAtStartAndAgainUntilItIsApplied) {
  auto journal = std::make_shared<Journal>();
  journal->expiry_refusals = 1;  // busy at start
  TraceConfig config;
  config.ttl_days = 2.0;
  auto exporter = detail::make_store_span_exporter(std::make_shared<MemoryStore>(journal), config);
  std::int64_t before = wall_ns();
  exporter->start();
  std::vector<SpanData> batch{named("a")};
  EXPECT_EQ(exporter->export_batch(batch), ExportResult::Success);
  EXPECT_EQ(exporter->export_batch(batch), ExportResult::Success);
  std::int64_t after = wall_ns();
  // Refused at start, applied with the first batch, not asked again after.
  ASSERT_EQ(journal->expiries.size(), 2u);
  const std::int64_t two_days = 2 * 86'400LL * 1'000'000'000LL;
  for (std::int64_t cutoff : journal->expiries) {
    EXPECT_GE(cutoff, before - two_days);
    EXPECT_LE(cutoff, after - two_days);
  }
  EXPECT_EQ(journal->appended.size(), 2u) << "a store that cannot expire yet still takes the batch";
}

TEST(TraceStoreSeam, ALocatorNamesItsStore) {
  testing_support::TempFolder folder("flock-seam");
  const std::string path = (folder.path() / "t.duckdb").string();
  auto plain = detail::open_trace_store(path);
  auto prefixed = detail::open_trace_store("duckdb:" + path);
  EXPECT_EQ(plain->name(), prefixed->name());
  EXPECT_EQ(plain->name(), "duckdb:" + path);
  EXPECT_FALSE(plain->exists());
  EXPECT_EQ(plain->describe()["exists"], false);
  EXPECT_EQ(plain->newest_end_time(), 0) << "an absent store reads as empty";

  // Written through one, read through the other and through the public reader.
  auto exporter = detail::make_store_span_exporter(plain, TraceConfig{});
  SpanData s = named("seam.span");
  s.start_ns = wall_ns();
  s.end_ns = s.start_ns + 1000;
  std::vector<SpanData> batch{s};
  ASSERT_EQ(exporter->export_batch(batch), ExportResult::Success);
  exporter->shutdown();
  EXPECT_TRUE(prefixed->exists());
  EXPECT_EQ(prefixed->newest_end_time(), s.end_ns);
  auto rows = prefixed->spans_ended_after(s.end_ns - 1, 10);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].event["name"], "seam.span");
  EXPECT_TRUE(prefixed->spans_ended_after(s.end_ns, 10).empty());
  TraceStoreReader reader("duckdb:" + path);
  EXPECT_EQ(reader.stats()["total_spans"], 1);
  EXPECT_EQ(reader.path(), path);
  EXPECT_EQ(reader.name(), plain->name());
}

TEST(TraceStoreSeam, StoresThisBuildCannotOpenAreRefusedClearly) {
  try {
    detail::open_trace_store("clickhouse://127.0.0.1/flock");
    ADD_FAILURE() << "ClickHouse accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::FailedPrecondition);
    EXPECT_NE(std::string(e.what()).find("ClickHouse storage is not available"), std::string::npos) << e.what();
  }
  for (const char* bad : {"duckdb:", "", "postgres://h/db"}) {
    try {
      detail::open_trace_store(bad);
      ADD_FAILURE() << bad << " accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::InvalidArgument) << bad;
    }
  }
  EXPECT_THROW(TraceStoreReader("clickhouse://127.0.0.1/flock"), Error);
}

}  // namespace
}  // namespace flockcpp

// The trace writer against files and disks that fight back: a store it
// cannot use is kept aside under a unique name and a fresh one takes the
// spans; a full disk is waited out without junk files or a line per retry.
#include <gtest/gtest.h>

#include "temp_folder.hpp"
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <thread>

#include <flock/flock.hpp>

#include "storage/duckdb/duckdb_handle.hpp"
#include "exporters/store/store_span_exporter.hpp"
#include "storage/duckdb/store_file.hpp"
#include "storage/duckdb/store_recovery.hpp"

namespace fs = std::filesystem;
using namespace flockcpp;

namespace {

SpanData span(std::uint8_t id, std::size_t attribute_bytes = 0) {
  SpanData s;
  s.trace_id[15] = 1;
  s.span_id[7] = id;
  s.span_id[6] = static_cast<std::uint8_t>(id >> 8 == 0 ? 0 : 1);
  s.name = "Agent.execute";
  s.start_ns = 1'000'000'000 + id;
  s.end_ns = s.start_ns + 1000;
  if (attribute_bytes > 0) s.attributes.push_back({"payload", std::string(attribute_bytes, 'x')});
  return s;
}

class StoreFaultsTest : public testing::Test {
 protected:
  void SetUp() override {
    folder_ = std::make_unique<flockcpp::testing_support::TempFolder>("flock-faults");
    dir_ = folder_->path();
    path_ = (dir_ / "traces.duckdb").string();
  }
  void TearDown() override {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    folder_.reset();
  }

  bool mount_tmpfs(const char* size) {
    std::string options = std::string("size=") + size;
    mounted_ = ::geteuid() == 0 && ::mount("tmpfs", dir_.c_str(), "tmpfs", 0, options.c_str()) == 0;
    return mounted_;
  }

  std::int64_t count(const std::string& file, const std::string& sql) {
    return std::stoll(TraceStoreReader(file).query(sql).rows.at(0).at(0).value());
  }
  std::vector<fs::path> aside_files() {
    std::vector<fs::path> out;
    for (auto& e : fs::directory_iterator(dir_)) {
      std::string name = e.path().filename().string();
      if (name.find(".unusable-") != std::string::npos && name.find(".wal") == std::string::npos) out.push_back(e.path());
    }
    return out;
  }
  std::set<std::string> listing() {
    std::set<std::string> out;
    for (auto& e : fs::directory_iterator(dir_)) out.insert(e.path().filename().string());
    return out;
  }

  std::unique_ptr<flockcpp::testing_support::TempFolder> folder_;
  fs::path dir_;
  std::string path_;
  bool mounted_ = false;
};

TEST_F(StoreFaultsTest, ASpansTableWithOtherColumnsIsKeptAsideAndANewStoreTakesTheSpans) {
  {
    detail::DuckDatabase db(path_);
    detail::DuckConnection con(db);
    con.execute("CREATE TABLE spans (id INTEGER, note VARCHAR)");
    con.execute("INSERT INTO spans VALUES (1, 'a user''s own data')");
  }
  auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
  std::vector<SpanData> batch{span(1), span(2)};
  testing::internal::CaptureStderr();
  ASSERT_EQ(exporter->export_batch(batch), ExportResult::Success);
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("table spans has 2 columns"), std::string::npos) << err;
  EXPECT_EQ(count(path_, "SELECT count(*) FROM spans"), 2);
  auto aside = aside_files();
  ASSERT_EQ(aside.size(), 1u);
  EXPECT_EQ(count(aside[0].string(), "SELECT count(*) FROM spans WHERE note = 'a user''s own data'"), 1);
}

TEST_F(StoreFaultsTest, ATruncatedStoreIsKeptAsideAndANewStoreTakesTheSpans) {
  {
    auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
    std::vector<SpanData> batch;
    for (int i = 1; i <= 200; ++i) batch.push_back(span(static_cast<std::uint8_t>(i), 2000));
    ASSERT_EQ(exporter->export_batch(batch), ExportResult::Success);
  }
  detail::StoreFile::close_all_idle();
  auto size = fs::file_size(path_);
  fs::resize_file(path_, size / 2);
  auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
  std::vector<SpanData> next{span(250)};  // a span the store does not hold
  testing::internal::CaptureStderr();
  ExportResult r = exporter->export_batch(next);
  std::string err = testing::internal::GetCapturedStderr();
  ASSERT_EQ(r, ExportResult::Success) << err;
  EXPECT_EQ(count(path_, "SELECT count(*) FROM spans"), 1);
  auto aside = aside_files();
  ASSERT_EQ(aside.size(), 1u) << err;
  EXPECT_EQ(fs::file_size(aside[0]), size / 2);  // the user's bytes, untouched
}

// The default path is relative and has a folder in it (.flock/...): the
// move must name the file inside that folder once, not twice.
TEST_F(StoreFaultsTest, ARelativePathInAFolderIsMovedAsideToo) {
  fs::create_directories(dir_ / ".flock");
  {
    std::ofstream(dir_ / ".flock" / "traces.duckdb") << "not a DuckDB file, a user's notes";
  }
  fs::path cwd = fs::current_path();
  fs::current_path(dir_);
  auto exporter = detail::make_store_span_exporter(".flock/traces.duckdb", TraceConfig{});
  std::vector<SpanData> batch{span(1), span(2)};
  testing::internal::CaptureStderr();
  ExportResult r = exporter->export_batch(batch);
  std::string err = testing::internal::GetCapturedStderr();
  exporter->shutdown();
  detail::StoreFile::close_all_idle();
  fs::current_path(cwd);
  ASSERT_EQ(r, ExportResult::Success) << err;
  EXPECT_EQ(count((dir_ / ".flock" / "traces.duckdb").string(), "SELECT count(*) FROM spans"), 2);
  std::vector<fs::path> aside;
  for (auto& e : fs::directory_iterator(dir_ / ".flock")) {
    if (e.path().filename().string().find(".unusable-") != std::string::npos) aside.push_back(e.path());
  }
  ASSERT_EQ(aside.size(), 1u) << err;
  std::ifstream in(aside[0]);
  std::string kept((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(kept, "not a DuckDB file, a user's notes");
}

TEST_F(StoreFaultsTest, MovedAsideNamesAreUniqueAndNeverReplaceAFile) {
  std::set<std::string> names;
  for (int i = 0; i < 5; ++i) {
    { std::ofstream(path_) << "garbage " << i; }
    std::string error;
    auto aside = detail::move_aside(path_, error);
    ASSERT_TRUE(aside.has_value()) << error;
    names.insert(*aside);
  }
  EXPECT_EQ(names.size(), 5u);
  std::set<std::string> contents;
  for (const auto& n : names) {
    std::ifstream in(n);
    contents.insert(std::string((std::istreambuf_iterator<char>(in)), {}));
  }
  EXPECT_EQ(contents.size(), 5u) << "a moved-aside file was overwritten";
  EXPECT_FALSE(fs::exists(path_));
}

TEST_F(StoreFaultsTest, NotDuckDbTwiceInOneSecondKeepsBoth) {
  for (int i = 0; i < 2; ++i) {
    detail::StoreFile::close_all_idle();
    { std::ofstream(path_, std::ios::trunc) << "not a database " << i; }
    auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
    std::vector<SpanData> batch{span(static_cast<std::uint8_t>(i + 1))};
    testing::internal::CaptureStderr();
    ASSERT_EQ(exporter->export_batch(batch), ExportResult::Success);
    testing::internal::GetCapturedStderr();
    { auto gone = detail::StoreFile::at(path_).exclusive(); }
    fs::remove(path_);
    fs::remove(path_ + ".wal");
  }
  EXPECT_EQ(aside_files().size(), 2u);
}

// A 2 MiB tmpfs filled to the brim: needs root (mount); skipped otherwise.
TEST_F(StoreFaultsTest, AFullDiskIsWaitedOutWithoutJunkFilesOrALinePerRetry) {
  if (!mount_tmpfs("2m")) GTEST_SKIP() << "mounting a small tmpfs needs root and mount(8)";
  {
    // Fill the disk: the store cannot be created.
    std::ofstream filler(dir_ / "filler", std::ios::binary);
    std::string block(64 * 1024, 'f');
    while (filler.write(block.data(), static_cast<std::streamsize>(block.size()))) {
    }
  }
  auto before = listing();
  auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
  std::vector<SpanData> batch{span(1), span(2)};
  testing::internal::CaptureStderr();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(exporter->export_batch(batch), ExportResult::Retry);
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(listing(), before) << "the failed attempts left files behind";
  std::size_t lines = std::count(err.begin(), err.end(), '\n');
  EXPECT_EQ(lines, 1u) << err;
  EXPECT_NE(err.find("cannot write"), std::string::npos) << err;
  // Room again: the same spans are written, and the recovery is one line.
  fs::remove(dir_ / "filler");
  testing::internal::CaptureStderr();
  EXPECT_EQ(exporter->export_batch(batch), ExportResult::Success);
  err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("writable again"), std::string::npos) << err;
  EXPECT_EQ(count(path_, "SELECT count(*) FROM spans"), 2);
  EXPECT_TRUE(aside_files().empty());
}

TEST_F(StoreFaultsTest, AStoreThatFillsTheDiskIsKeptNotMovedAside) {
  if (!mount_tmpfs("4m")) GTEST_SKIP() << "mounting a small tmpfs needs root and mount(8)";
  auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
  std::vector<SpanData> first{span(1)};
  ASSERT_EQ(exporter->export_batch(first), ExportResult::Success);
  detail::StoreFile::close_all_idle();
  {
    std::ofstream filler(dir_ / "filler", std::ios::binary);
    std::string block(16 * 1024, 'f');
    while (filler.write(block.data(), static_cast<std::streamsize>(block.size()))) {
    }
  }
  std::vector<SpanData> big;
  for (int i = 2; i < 250; ++i) big.push_back(span(static_cast<std::uint8_t>(i), 4000));
  testing::internal::CaptureStderr();
  ExportResult r = ExportResult::Success;
  for (int i = 0; i < 3; ++i) r = exporter->export_batch(big);
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(r, ExportResult::Retry) << err;
  EXPECT_TRUE(aside_files().empty()) << "a store on a full disk is not the store's fault:\n" << err;
  fs::remove(dir_ / "filler");
  testing::internal::CaptureStderr();
  EXPECT_EQ(exporter->export_batch(big), ExportResult::Success);
  testing::internal::GetCapturedStderr();
  EXPECT_EQ(count(path_, "SELECT count(*) FROM spans"), 249);
}


std::string file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The file moved aside is the user's file byte for byte: nothing opened it
// for writing before it was classified.
TEST_F(StoreFaultsTest, ATruncatedStoreIsKeptAsideByteForByte) {
  {
    auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
    std::vector<SpanData> batch;
    for (int i = 1; i <= 200; ++i) batch.push_back(span(static_cast<std::uint8_t>(i), 2000));
    ASSERT_EQ(exporter->export_batch(batch), ExportResult::Success);
  }
  detail::StoreFile::close_all_idle();
  for (double fraction : {0.5, 0.3, 0.9}) {
    for (auto& f : aside_files()) fs::remove(f);
    if (!fs::exists(path_)) {
      auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
      std::vector<SpanData> batch;
      for (int i = 1; i <= 200; ++i) batch.push_back(span(static_cast<std::uint8_t>(i), 2000));
      ASSERT_EQ(exporter->export_batch(batch), ExportResult::Success);
      exporter->shutdown();
      detail::StoreFile::close_all_idle();
    }
    auto size = fs::file_size(path_);
    fs::resize_file(path_, static_cast<std::uintmax_t>(static_cast<double>(size) * fraction));
    std::string users_bytes = file_bytes(path_);
    auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
    std::vector<SpanData> next{span(250)};
    testing::internal::CaptureStderr();
    ExportResult r = exporter->export_batch(next);
    std::string err = testing::internal::GetCapturedStderr();
    ASSERT_EQ(r, ExportResult::Success) << err;
    exporter->shutdown();
    auto aside = aside_files();
    ASSERT_EQ(aside.size(), 1u) << err;
    EXPECT_TRUE(file_bytes(aside[0]) == users_bytes) << "cut at " << fraction << ": the file kept aside differs\n" << err;
    fs::remove(path_);
    detail::StoreFile::close_all_idle();
  }
}

SpanData model_call(std::uint8_t id, std::int64_t input_tokens) {
  SpanData s = span(id);
  s.name = "LLMEngine.call_model";
  s.attributes.push_back({"gen_ai.request.model", std::string("gpt-4o")});
  s.attributes.push_back({"gen_ai.usage.input_tokens", input_tokens});
  s.attributes.push_back({"gen_ai.usage.output_tokens", std::int64_t{-5}});
  return s;
}

// A span the store refuses as data (here a CHECK constraint the user put on
// the table; also a value out of range) is the batch's fault, not the
// store's: it is left out and counted, the rest of the batch is written.
TEST_F(StoreFaultsTest, ARefusedSpanIsLeftOutCountedAndTheStoreKept) {
  {
    detail::DuckDatabase db(path_);
    detail::DuckConnection con(db);
    con.execute(
        "CREATE TABLE spans (trace_id VARCHAR NOT NULL, span_id VARCHAR NOT NULL, parent_id VARCHAR, "
        "name VARCHAR NOT NULL CHECK (name <> 'poison'), service VARCHAR, operation VARCHAR, kind VARCHAR, "
        "start_time BIGINT NOT NULL, end_time BIGINT NOT NULL, duration_ms DOUBLE NOT NULL, "
        "status_code VARCHAR NOT NULL, status_description VARCHAR, attributes JSON, events JSON, links JSON, "
        "resource JSON, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)");
  }
  auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
  std::vector<SpanData> first{span(1)};
  ASSERT_EQ(exporter->export_batch(first), ExportResult::Success);
  SpanData bad = span(100);
  bad.name = "poison";
  std::vector<SpanData> second;
  for (int i = 2; i <= 40; ++i) second.push_back(span(static_cast<std::uint8_t>(i)));
  second.insert(second.begin() + 17, bad);
  testing::internal::CaptureStderr();
  EXPECT_EQ(exporter->export_batch(second), ExportResult::Success);
  SpanData bad2 = span(101);
  bad2.name = "poison";
  std::vector<SpanData> third{bad2, span(41)};
  EXPECT_EQ(exporter->export_batch(third), ExportResult::Success);
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(aside_files().empty()) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << "said once:\n" << err;
  EXPECT_NE(err.find("refused 1 span"), std::string::npos) << err;
  TraceStats stats;
  stats.spans_exported = 42;  // what the pipeline counted as handed over
  exporter->add_stats(stats);
  EXPECT_EQ(stats.spans_lost, 2u);
  EXPECT_EQ(stats.spans_exported, 40u);
  exporter->shutdown();
  EXPECT_EQ(count(path_, "SELECT count(*) FROM spans"), 41);
  EXPECT_EQ(count(path_, "SELECT span_count FROM traces"), 41);
}

// Token counts near the int64 limit: sums saturate, in one batch and across
// batches (the merge in SQL), and never go negative.
TEST_F(StoreFaultsTest, TokenSumsSaturateAndNeverWrap) {
  constexpr std::int64_t kHuge = 9'000'000'000'000'000'000;
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
  std::vector<SpanData> both{model_call(1, kHuge), model_call(2, kHuge)};
  testing::internal::CaptureStderr();
  ASSERT_EQ(exporter->export_batch(both), ExportResult::Success);
  std::vector<SpanData> more{model_call(3, kHuge)};
  ASSERT_EQ(exporter->export_batch(more), ExportResult::Success);
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(aside_files().empty()) << err;
  exporter->shutdown();
  EXPECT_EQ(count(path_, "SELECT input_tokens FROM traces"), kMax);
  EXPECT_EQ(count(path_, "SELECT output_tokens FROM traces"), 0);
  EXPECT_EQ(count(path_, "SELECT input_tokens FROM trace_models"), kMax);
  EXPECT_EQ(count(path_, "SELECT count(*) FROM spans"), 3);
  Json listed = TraceStoreReader(path_).list_traces();
  ASSERT_EQ(listed["items"].size(), 1u);
  EXPECT_EQ(listed["items"][0]["input_tokens"].get<std::int64_t>(), kMax);
  EXPECT_GE(listed["items"][0]["cost_usd"].get<double>(), 0.0) << listed.dump();
}

// DuckDB invalidates a database after a failed write to its files; the
// writer closes it, opens the file again once there is room, and goes on.
TEST_F(StoreFaultsTest, AFullDiskMidWriteIsSurvivedAndWritingResumes) {
  if (!mount_tmpfs("8m")) GTEST_SKIP() << "mounting a small tmpfs needs root and mount(8)";
  auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
  {
    // Leave about 1.5 MB: two fillers, one of 3 MB to free later.
    std::ofstream a(dir_ / "filler-a", std::ios::binary), b(dir_ / "filler-b", std::ios::binary);
    std::string block(64 * 1024, 'f');
    for (int i = 0; i < 48; ++i) b.write(block.data(), static_cast<std::streamsize>(block.size()));
    for (int i = 0; i < 56; ++i) a.write(block.data(), static_cast<std::streamsize>(block.size()));
  }
  int written = 0, id = 0;
  ExportResult r = ExportResult::Success;
  testing::internal::CaptureStderr();
  for (int round = 0; round < 200 && r == ExportResult::Success; ++round) {
    std::vector<SpanData> batch;
    for (int i = 0; i < 20; ++i) {
      SpanData s = span(1, 4000);
      s.span_id[0] = static_cast<std::uint8_t>(++id);
      s.span_id[1] = static_cast<std::uint8_t>(id >> 8);
      batch.push_back(s);
    }
    r = exporter->export_batch(batch);
    if (r == ExportResult::Success) written += 20;
  }
  ASSERT_EQ(r, ExportResult::Retry) << "the disk never filled";
  // A backlog larger than the room that comes back: it goes in steps, so
  // what fits is written at once.
  std::vector<SpanData> pending;
  for (int i = 0; i < 1000; ++i) {
    SpanData s = span(1, 4000);
    s.span_id[0] = static_cast<std::uint8_t>(i);
    s.span_id[1] = static_cast<std::uint8_t>(i >> 8);
    s.span_id[2] = 0xee;
    pending.push_back(s);
  }
  EXPECT_EQ(exporter->export_batch(pending), ExportResult::Retry);
  fs::remove(dir_ / "filler-b");  // 3 MB back
  // As the pipeline does: the batch again until it is a Success, never after.
  ExportResult after = ExportResult::Retry;
  for (int i = 0; i < 20 && after != ExportResult::Success; ++i) {
    after = exporter->export_batch(pending);
    if (after != ExportResult::Success) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::int64_t resumed = count(path_, "SELECT count(*) FROM spans");
  EXPECT_GT(resumed, written) << "nothing was written once there was room again";
  fs::remove(dir_ / "filler-a");  // room for all of it
  for (int i = 0; i < 50 && after != ExportResult::Success; ++i) {
    after = exporter->export_batch(pending);
    if (after != ExportResult::Success) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::string err = testing::internal::GetCapturedStderr();
  ASSERT_EQ(after, ExportResult::Success) << err;
  exporter->shutdown();
  detail::StoreFile::close_all_idle();
  EXPECT_TRUE(aside_files().empty()) << err;
  EXPECT_EQ(count(path_, "SELECT count(*) FROM spans"), written + 1000) << err;
  EXPECT_EQ(count(path_, "SELECT span_count FROM traces"), written + 1000) << "a step counted twice";
}

}  // namespace

// The trace writer against files and disks that fight back: a store it
// cannot use is kept aside under a unique name and a fresh one takes the
// spans; a full disk is waited out without junk files or a line per retry.
#include <gtest/gtest.h>

#include "temp_folder.hpp"
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include <flock/flock.hpp>

#include "storage/duckdb_handle.hpp"
#include "storage/duckdb_span_exporter.hpp"
#include "storage/store_file.hpp"
#include "storage/store_recovery.hpp"

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
  auto exporter = detail::make_duckdb_span_exporter(path_, std::nullopt, TraceConfig{});
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
    auto exporter = detail::make_duckdb_span_exporter(path_, std::nullopt, TraceConfig{});
    std::vector<SpanData> batch;
    for (int i = 1; i <= 200; ++i) batch.push_back(span(static_cast<std::uint8_t>(i), 2000));
    ASSERT_EQ(exporter->export_batch(batch), ExportResult::Success);
  }
  detail::StoreFile::close_all_idle();
  auto size = fs::file_size(path_);
  fs::resize_file(path_, size / 2);
  auto exporter = detail::make_duckdb_span_exporter(path_, std::nullopt, TraceConfig{});
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
  auto exporter = detail::make_duckdb_span_exporter(".flock/traces.duckdb", std::nullopt, TraceConfig{});
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
    auto exporter = detail::make_duckdb_span_exporter(path_, std::nullopt, TraceConfig{});
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
  auto exporter = detail::make_duckdb_span_exporter(path_, std::nullopt, TraceConfig{});
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
  auto exporter = detail::make_duckdb_span_exporter(path_, std::nullopt, TraceConfig{});
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

}  // namespace

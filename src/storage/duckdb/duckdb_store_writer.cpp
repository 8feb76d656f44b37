#include "storage/duckdb/duckdb_store_writer.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "flock/trace_config.hpp"
#include "flock/tracing.hpp"
#include "storage/duckdb/duckdb_handle.hpp"
#include "storage/duckdb/schema.hpp"
#include "storage/span_json.hpp"
#include "storage/duckdb/span_row.hpp"
#include "storage/duckdb/store_file.hpp"
#include "storage/duckdb/store_recovery.hpp"
#include "storage/duckdb/trace_summaries.hpp"
#include "storage/duckdb/transaction.hpp"
#include "tracing/env_util.hpp"
#include "tracing/resource.hpp"
#include "common/log.hpp"

namespace flockcpp::detail {
namespace {

namespace fs = std::filesystem;

// A file this writer could not use, with why.
struct Unusable {
  std::string reason;
};

// The writer holds the file open across flushes (no checkpoint per flush)
// and lets go at most `hold` after it opened it, staying away for `gap`, so
// another process can open the file in between; letting go (DETACH)
// checkpoints.
constexpr auto kDefaultHold = std::chrono::milliseconds(600);
constexpr auto kDefaultGap = std::chrono::milliseconds(100);
constexpr std::uintmax_t kCheckpointWalBytes = 64u << 20;

// The spans of the store written in the last 15 minutes (README.md and
// docs/trace-store.md state the window) with one of the span ids of `?`
// (comma-separated). created_at is DuckDB's CURRENT_TIMESTAMP as local
// time: the earlier of the two cutoffs covers 15 minutes across a change of
// daylight saving time either way.
#define FLOCK_REPEAT_WINDOW "INTERVAL 15 MINUTE"
constexpr const char* kStoredRecentlySql =
    "SELECT trace_id, span_id FROM spans WHERE created_at >= least(CAST(current_timestamp AS TIMESTAMP) - "
    FLOCK_REPEAT_WINDOW ", CAST(current_timestamp - " FLOCK_REPEAT_WINDOW " AS TIMESTAMP)) "
    "AND span_id IN (SELECT unnest(string_split(?, ',')))";
#undef FLOCK_REPEAT_WINDOW

class DuckDbStoreWriter final : public TraceStoreWriter {
 public:
  DuckDbStoreWriter(std::string path, const TraceConfig& config) : path_(std::move(path)) {
    StoreFile::at(path_).mark_writer();
    auto resource = build_resource(config);
    append_attributes_json(resource_json_, resource);
    for (const auto& a : resource) {
      if (a.key == "service.name" && std::holds_alternative<std::string>(a.value)) service_name_ = std::get<std::string>(a.value);
    }
    read_env_ms("FLOCK_TRACE_HOLD_MS", hold_, 10, 60'000);
    read_env_ms("FLOCK_TRACE_RELEASE_GAP_MS", gap_, 0, 10'000);
    releaser_ = std::thread([this] { release_when_due(); });
  }

  ~DuckDbStoreWriter() override { stop_releaser(); }

  void close() override {
    stop_releaser();
    std::lock_guard lock(mu_);
    close_lease();
    shut_down_.store(true, std::memory_order_release);
  }

  ExportResult append(std::span<const SpanData> spans) override {
    std::lock_guard lock(mu_);
    auto now = std::chrono::steady_clock::now();
    // Held for its time while spans kept coming (the releaser thread could
    // not get in between two batches): let go here, before the next batch.
    if (lease_ && now >= opened_at_ + hold_ && !spans.empty()) {
      release_for_readers();
      now = std::chrono::steady_clock::now();
    }
    // Just let go for outside readers: stay away a little while (the
    // processor keeps draining its lanes meanwhile and comes back).
    if (!lease_ && now < reopen_after_ && !spans.empty()) return ExportResult::Retry;
    // Steps committed by an attempt that then fails are in the store, though
    // the batch is retried (those spans are skipped then).
    const std::uint64_t appended_before = appended_;
    ExportResult r = write_or_recover([&] { write_in_steps(spans); });
    if (r == ExportResult::Success) {
      unacknowledged_.store(0, std::memory_order_relaxed);
    } else {
      unacknowledged_.fetch_add(appended_ - appended_before, std::memory_order_relaxed);
    }
    return r;
  }

  ExportResult expire_before(std::int64_t cutoff_ns) override {
    std::lock_guard lock(mu_);
    if (!lease_ && std::chrono::steady_clock::now() < reopen_after_) return ExportResult::Retry;
    return write_or_recover([&] {
      open();
      remove_before(*con_, cutoff_ns);
    });
  }

 private:
  enum class State { Writing, Held, Failing };

  bool exists() const {
    std::error_code ec;
    return fs::exists(path_, ec);
  }

  // Writes the batch, or decides what its failure means. An unusable file
  // is moved aside at most once per file: a fresh store that fails the same
  // way is the machine's fault, not the file's.
  template <class Work>
  ExportResult write_or_recover(Work&& work) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      bool existed = exists();
      try {
        work();
        report(State::Writing, "");
        return ExportResult::Success;
      } catch (const Unusable& u) {
        if (!existed || fresh_) {
          report(State::Failing, u.reason);
          return ExportResult::Retry;
        }
        if (!set_aside(u.reason)) return ExportResult::Retry;
      } catch (const DuckDbError& e) {
        StoreFault fault = classify_store_error(e);
        if (fault == StoreFault::HeldElsewhere) {
          report(State::Held, e.what());
          return ExportResult::Retry;
        }
        // Whatever DuckDB left behind of a store it could not create is junk
        // (not once a step of the batch committed in it).
        if (!existed && fresh_) remove_own_leftovers();
        // Refused data outside a step's spans (write_step handles theirs) is
        // never the file's fault either.
        if (fault == StoreFault::Environment || fault == StoreFault::BadBatch || !existed || fresh_) {
          // A full disk may get back less room than a whole backlog needs.
          // Start small again; each step that commits doubles the next.
          if (fault == StoreFault::Environment) step_ = kMinStep;
          release_instance();
          report(State::Failing, e.what());
          return ExportResult::Retry;
        }
        if (!set_aside(e.what())) return ExportResult::Retry;
      }
    }
    return ExportResult::Retry;
  }

  void add_stats(TraceStats& out) const override {
    // Spans the store refused were handed over with a batch that succeeded.
    std::uint64_t refused = refused_.load(std::memory_order_relaxed);
    out.spans_exported -= std::min(out.spans_exported, refused);
    out.spans_lost += refused;
    // Given up at exit with a batch part of which was committed in steps:
    // those spans are stored, not lost.
    if (shut_down_.load(std::memory_order_acquire)) {
      std::uint64_t stored = std::min(out.spans_lost, unacknowledged_.load(std::memory_order_relaxed));
      out.spans_lost -= stored;
      out.spans_exported += stored;
    }
  }

  // After a fault of the disk, a batch goes in steps of step_ spans, each
  // committed on its own, so that room coming back a little at a time is
  // used; the steps grow back as they succeed. A retried batch skips what an
  // earlier attempt committed (without_stored).
  void write_in_steps(std::span<const SpanData> spans) {
    std::size_t at = 0;
    do {
      std::size_t n = std::min(step_, spans.size() - at);
      write_step(spans.subspan(at, n));
      at += n;
      if (step_ < kNoStep) step_ = step_ >= spans.size() ? kNoStep : step_ * 2;
    } while (at < spans.size());
  }

  // One step. Data DuckDB refuses (a value out of range, a constraint a user
  // added to the table) is the fault of some spans, never of the store: the
  // step is written in halves until each refused span is alone, and those
  // are left out and counted as lost. A handful of bad spans costs a few
  // transactions each (log2 of the step).
  void write_step(std::span<const SpanData> spans) {
    try {
      write(spans);
      return;
    } catch (const DuckDbError& e) {
      if (spans.empty() || classify_store_error(e) != StoreFault::BadBatch) throw;
      if (spans.size() == 1) return refuse_span(e.what());
    }
    std::size_t half = spans.size() / 2;
    write_step(spans.first(half));
    write_step(spans.subspan(half));
  }

  // Counted in spans_lost (add_stats); said once per writer.
  void refuse_span(const std::string& why) {
    refused_.fetch_add(1, std::memory_order_relaxed);
    if (refusal_reported_) return;
    refusal_reported_ = true;
    detail::logf(LogLevel::Warning, "%s refused 1 span (%s); it is left out and counted as lost "
                 "(tracing::stats().spans_lost), the store and the rest of its batch are kept; later refusals are "
                 "only counted", path_.c_str(), why.c_str());
  }

  // Before this writer first opens a file it did not create, the file is
  // opened read-only, with no other instance of it open in this process: a
  // file DuckDB cannot read, or with another schema, is then moved aside
  // exactly as the user left it. (A store cut short opens; the first write
  // that reads a missing block fails, and since a current store's schema is
  // not written to, the file is still as the user left it.)
  void check_existing_file_read_only() {
    auto alone = StoreFile::at(path_).exclusive();
    DuckDatabase::Options read_only;
    read_only.read_only = true;
    read_only.threads = 1;
    DuckDatabase db(path_, read_only);
    DuckConnection con(db);
    if (auto why = schema_mismatch(con)) throw Unusable{*why};
  }

  // Opens the file, or keeps it open.
  void open() {
    if (!lease_) {
      std::error_code ec;
      fs::path p(path_);
      if (p.has_parent_path()) fs::create_directories(p.parent_path(), ec);
      bool created = !exists();
      if (!created && !checked_ && fs::file_size(path_, ec) > 0) check_existing_file_read_only();
      if (created) fresh_ = true;  // holds nothing of ours until a write commits
      lease_.emplace(StoreFile::at(path_).share(true));
      con_.emplace(lease_->db());
      opened_at_ = std::chrono::steady_clock::now();
      cv_.notify_all();
      if (!checked_) {
        if (auto why = schema_mismatch(*con_)) throw Unusable{*why};
        ensure_schema(*con_);
        checked_ = true;
        fresh_ = created;
      }
    }
  }

  // Writes the batch: its spans and the summaries of their traces in one
  // transaction.
  void write(std::span<const SpanData> spans) {
    open();
    DuckConnection& con = *con_;
    if (spans.empty()) return;
    std::size_t appended = 0;
    in_transaction(con, TransactionMode::ReadWrite, [&] {
      std::span<const SpanData> fresh = without_stored(con, spans);
      append(con, "spans", fresh);
      merge_summaries(con, summarize(fresh, service_name_));
      appended = fresh.size();
    });
    appended_ += appended;
    fresh_ = false;
    checkpoint_if_wal_is_large(con);
  }

  // Letting go of the file checkpoints it, but a dashboard in this process
  // that keeps reading keeps the instance open: past kCheckpointWalBytes of
  // write-ahead log the writer checkpoints by itself (DuckDB's automatic one
  // is set far higher so that it never lands inside a commit).
  void checkpoint_if_wal_is_large(DuckConnection& con) {
    std::error_code ec;
    auto wal = fs::file_size(path_ + ".wal", ec);
    if (ec || wal < kCheckpointWalBytes) return;
    try {
      con.execute("CHECKPOINT");
    } catch (const DuckDbError&) {
      // A reader's transaction is in the way: the next batch tries again.
    }
  }

  // The spans of `spans` the store does not hold yet, a span being its
  // (trace_id, span_id). A span is written once (each batch commits whole),
  // but a sender may repeat one (an OTLP client retrying after a lost answer,
  // a span sent twice, even with another end time): repeats within the
  // batch, and spans the store holds that were written in the last
  // 15 minutes (by created_at, whatever their end time), are left out.
  // Rows are appended in the order they are written, so DuckDB's zone maps on
  // created_at confine the look-up to the store's tail: it costs in
  // proportion to the spans written in the window, not to the store.
  //
  // Only two kinds of batch can repeat a span, and only they are looked up:
  // spans another process sent (they carry an origin), and a batch retried
  // after some of its steps committed. This process's own spans otherwise
  // reach the writer once, with fresh random ids, and the look-up (which
  // scans the window's ids) would cost every flush in proportion to the
  // spans written in the last 15 minutes.
  std::span<const SpanData> without_stored(DuckConnection& con, std::span<const SpanData> spans) {
    bool may_repeat = unacknowledged_.load(std::memory_order_relaxed) > 0 ||
                      std::any_of(spans.begin(), spans.end(), [](const SpanData& s) { return s.origin != nullptr; });
    if (!may_repeat) return spans;
    ids_.clear();
    for (const SpanData& s : spans) {
      if (!ids_.empty()) ids_ += ',';
      ids_ += to_hex(s.span_id);
    }
    JsonTable stored = con.query_table(kStoredRecentlySql, {ids_});
    seen_.clear();
    for (const Json& row : stored.rows) seen_.insert(row[0].get<std::string>() + row[1].get<std::string>());
    // One pass; the new spans are copied out only once a repeat shows (rare).
    bool repeats = false;
    for (std::size_t i = 0; i < spans.size(); ++i) {
      bool fresh = seen_.insert(to_hex(spans[i].trace_id) + to_hex(spans[i].span_id)).second;
      if (!fresh && !repeats) {
        repeats = true;
        unique_.assign(spans.begin(), spans.begin() + static_cast<std::ptrdiff_t>(i));
      } else if (fresh && repeats) {
        unique_.push_back(spans[i]);
      }
    }
    return repeats ? std::span<const SpanData>(unique_) : spans;
  }

  // The resource column: this process's, or the sender's for a span
  // received over OTLP (formatted once per sender batch).
  const std::string& resource_json_of(const SpanData& s) {
    if (!s.origin) return resource_json_;
    if (s.origin.get() != origin_) {
      origin_ = s.origin.get();
      origin_json_.clear();
      append_attributes_json(origin_json_, s.origin->resource);
    }
    return origin_json_;
  }

  void close_lease() {
    con_.reset();
    lease_.reset();
  }

  // Lets go of the file `hold` after opening it (the detach checkpoints).
  void release_when_due() {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      if (!lease_) {
        cv_.wait(lock);
        continue;
      }
      auto due = opened_at_ + hold_;
      if (cv_.wait_until(lock, due, [&] { return stopping_ || !lease_; })) continue;
      release_for_readers();
    }
  }

  // Lets go of the file (its instance detaches it, DuckDB checkpoints it;
  // StoreFile keeps the instance for the next hold) and stays away for the
  // gap.
  void release_for_readers() {
    close_lease();
    reopen_after_ = std::chrono::steady_clock::now() + gap_;
  }

  void stop_releaser() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (releaser_.joinable()) releaser_.join();
  }

  // Prints one line when the writer's state changes, not one per retry.
  void report(State s, const std::string& why) {
    if (s == state_ && (s == State::Writing || why == last_reason_)) return;
    auto now = std::chrono::steady_clock::now();
    long long ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - since_).count();
    if (s == State::Writing) {
      detail::logf(LogLevel::Info, "%s is writable again after %lld ms; queued spans written", path_.c_str(), ms);
    } else if (s == State::Held) {
      detail::logf(LogLevel::Warning, "%s is held by another process; spans stay queued until it is free",
                   path_.c_str());
    } else {
      detail::logf(LogLevel::Error, "cannot write %s (%s); spans stay queued (bounded by FLOCK_TRACE_MAX_QUEUE_BYTES) "
                   "and the writer retries with back-off", path_.c_str(), why.c_str());
    }
    if (s != state_) since_ = now;
    state_ = s;
    last_reason_ = why;
  }

  // Closes this process's instance of the file (DuckDB may have invalidated
  // it after a failed write) so the next attempt opens it afresh.
  void release_instance() {
    close_lease();
    auto no_users = StoreFile::at(path_).exclusive();
    checked_ = false;
  }

  bool set_aside(const std::string& why) {
    release_instance();
    std::string error;
    auto aside = move_aside(path_, error);
    if (!aside) {
      report(State::Failing, why + "; moving it aside failed: " + error);
      return false;
    }
    detail::logf(LogLevel::Warning, "%s is not a usable trace store (%s); kept it as %s and started a new store",
                 path_.c_str(), why.c_str(), aside->c_str());
    return true;
  }

  void remove_own_leftovers() {
    release_instance();
    std::error_code ec;
    fs::remove(path_, ec);
    fs::remove(path_ + ".wal", ec);
  }

  void remove_before(DuckConnection& con, std::int64_t cutoff_ns) {
    std::string where = "start_time < " + std::to_string(cutoff_ns);
    std::int64_t n = con.query_int("SELECT count(*) FROM spans WHERE " + where);
    if (n == 0) return;
    // The traces that lose spans are summed again from what is left, in the
    // same transaction.
    in_transaction(con, TransactionMode::ReadWrite, [&] { rebuild_summaries(con, where); });
    detail::logf(LogLevel::Info, "%s: FLOCK_TRACE_TTL_DAYS removed %lld spans", path_.c_str(), static_cast<long long>(n));
  }

  void append(DuckConnection& con, const char* table, std::span<const SpanData> spans) {
    duckdb_appender app = nullptr;
    if (duckdb_appender_create(con.get(), nullptr, table, &app) != DuckDBSuccess) {
      duckdb_error_data e = duckdb_appender_error_data(app);
      std::string msg = duckdb_error_data_message(e);
      duckdb_destroy_error_data(&e);
      duckdb_appender_destroy(&app);
      throw DuckDbError(msg);
    }
    for (const char* col : kSpanRowColumns) duckdb_appender_add_column(app, col);
    origin_ = nullptr;  // an address seen in an earlier batch may be another sender's now
    std::string error;
    bool ok = true;
    for (const SpanData& s : spans) {
      format_row(s, row_);
      if (!append_row(app, row_, resource_json_of(s), error)) {
        ok = false;
        break;
      }
    }
    duckdb_error_type type = DUCKDB_ERROR_INVALID;
    if (ok && duckdb_appender_close(app) != DuckDBSuccess) {
      duckdb_error_data e = duckdb_appender_error_data(app);
      type = duckdb_error_data_error_type(e);
      const char* m = duckdb_error_data_message(e);
      error = m ? m : "appender flush failed";
      duckdb_destroy_error_data(&e);
      ok = false;
    }
    duckdb_appender_destroy(&app);
    if (!ok) throw DuckDbError(error, type);
  }

  std::string path_;
  std::chrono::milliseconds hold_ = kDefaultHold;
  std::chrono::milliseconds gap_ = kDefaultGap;
  std::mutex mu_;  // the lease and everything written under it
  std::condition_variable cv_;
  std::optional<StoreFile::Lease> lease_;
  std::optional<DuckConnection> con_;  // on lease_'s instance
  std::chrono::steady_clock::time_point opened_at_{};
  std::chrono::steady_clock::time_point reopen_after_{};
  bool stopping_ = false;
  std::thread releaser_;
  std::string resource_json_;
  std::string service_name_;  // the resource's service.name, for table traces
  const SpanOrigin* origin_ = nullptr;  // whose resource origin_json_ holds
  std::string origin_json_;
  SpanRow row_;           // reused between rows: no allocation per span once warm
  std::string ids_;                       // the batch's span ids, for kStoredRecentlySql
  std::unordered_set<std::string> seen_;  // trace and span ids, while a batch is checked
  std::vector<SpanData> unique_;          // a batch without its repeats (rare)
  static constexpr std::size_t kNoStep = std::size_t{1} << 40;
  static constexpr std::size_t kMinStep = 64;
  std::size_t step_ = kNoStep;  // spans per transaction (write_in_steps)
  std::atomic<std::uint64_t> refused_{0};         // spans the store refused (write_step)
  std::uint64_t appended_ = 0;                    // spans committed, ever
  std::atomic<std::uint64_t> unacknowledged_{0};  // committed in steps of a batch not yet a Success
  std::atomic<bool> shut_down_{false};
  bool refusal_reported_ = false;
  bool checked_ = false;  // the open file's schema was checked
  bool fresh_ = false;    // the open file was created by this writer and holds nothing yet
  State state_ = State::Writing;
  std::string last_reason_;
  std::chrono::steady_clock::time_point since_ = std::chrono::steady_clock::now();
};

}  // namespace

std::unique_ptr<TraceStoreWriter> make_duckdb_store_writer(const std::string& path, const TraceConfig& config) {
  // Open DuckDB once here, on the configuring thread, before the exit flush
  // is registered: DuckDB's own static objects then exist before our exit
  // handler, so they are destroyed after it, never under a flush in progress.
  static const bool warmed = [] {
    DuckDatabase db(":memory:");
    DuckConnection con(db);
    con.execute("SELECT json_extract('{}', '$.a')");
    return true;
  }();
  (void)warmed;
  return std::make_unique<DuckDbStoreWriter>(path, config);
}

}  // namespace flockcpp::detail

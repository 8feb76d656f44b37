#include "storage/duckdb_span_exporter.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>

#include "storage/duckdb_handle.hpp"
#include "storage/schema.hpp"
#include "storage/span_json.hpp"
#include "storage/span_row.hpp"
#include "storage/store_file.hpp"
#include "storage/store_recovery.hpp"
#include "tracing/resource.hpp"
#include "common/log.hpp"

namespace flockcpp::detail {
namespace {

namespace fs = std::filesystem;

// A file this writer could not use, with why.
struct Unusable {
  std::string reason;
};

class DuckDbSpanExporter : public SpanExporter {
 public:
  DuckDbSpanExporter(std::string path, std::optional<double> ttl_days, const TraceConfig& config)
      : path_(std::move(path)), ttl_days_(ttl_days) {
    StoreFile::at(path_).mark_writer();
    append_attributes_json(resource_json_, build_resource(config));
  }

  std::string name() const override { return "duckdb:" + path_; }

  ExportResult export_batch(std::span<const SpanData> spans) override {
    // An unusable file is moved aside at most once per file: a fresh store
    // that fails the same way is the machine's fault, not the file's.
    for (int attempt = 0; attempt < 2; ++attempt) {
      bool existed = exists();
      try {
        write(spans);
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
        // Whatever DuckDB left behind of a store it could not create is junk.
        if (!existed) remove_own_leftovers();
        if (fault == StoreFault::Environment || !existed || fresh_) {
          release_instance();
          report(State::Failing, e.what());
          return ExportResult::Retry;
        }
        if (!set_aside(e.what())) return ExportResult::Retry;
      }
    }
    return ExportResult::Retry;
  }

  // FLOCK_TRACE_TTL_DAYS applies when the pipeline starts, spans or not.
  void start() override {
    if (ttl_days_) (void)export_batch(std::span<const SpanData>());
  }

 private:
  enum class State { Writing, Held, Failing };

  bool exists() const {
    std::error_code ec;
    return fs::exists(path_, ec);
  }

  void write(std::span<const SpanData> spans) {
    std::error_code ec;
    fs::path p(path_);
    if (p.has_parent_path()) fs::create_directories(p.parent_path(), ec);
    bool created = !exists();
    auto lease = StoreFile::at(path_).share(true);
    DuckConnection con(lease.db());
    if (!checked_) {
      if (auto why = schema_mismatch(con)) throw Unusable{*why};
      ensure_schema(con);
      checked_ = true;
      fresh_ = created;
    }
    if (ttl_days_) {
      apply_ttl(con);
      ttl_days_.reset();  // once, at start
    }
    if (!spans.empty() && !append(con, spans)) {
      // A row the primary key refuses (a batch written before a failure was
      // reported): insert what is new and skip what is there.
      insert_or_ignore(con, spans);
    }
    fresh_ = false;
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

  void apply_ttl(DuckConnection& con) {
    auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    // ttl_days is at most 36500 (config.cpp): the product fits in int64.
    auto cutoff = now - static_cast<std::int64_t>(*ttl_days_ * 86400.0 * 1e9);
    std::int64_t n = con.query_int("SELECT count(*) FROM spans WHERE start_time < " + std::to_string(cutoff));
    if (n > 0) {
      con.execute("DELETE FROM spans WHERE start_time < " + std::to_string(cutoff));
      detail::logf(LogLevel::Info, "FLOCK_TRACE_TTL_DAYS removed %lld spans older than %g days",
                   static_cast<long long>(n), *ttl_days_);
    }
  }

  bool append_into(DuckConnection& con, const char* table, std::span<const SpanData> spans) {
    duckdb_appender app = nullptr;
    if (duckdb_appender_create(con.get(), nullptr, table, &app) != DuckDBSuccess) {
      std::string e = app ? duckdb_appender_error(app) : "cannot create appender";
      duckdb_appender_destroy(&app);
      throw DuckDbError(e);
    }
    for (const char* col : kSpanRowColumns) duckdb_appender_add_column(app, col);
    std::string error;
    bool ok = true;
    for (const SpanData& s : spans) {
      format_row(s, row_);
      if (!append_row(app, row_, resource_json_, error)) {
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
    if (!ok && type != DUCKDB_ERROR_CONSTRAINT) throw DuckDbError(error, type);
    return ok;
  }

  bool append(DuckConnection& con, std::span<const SpanData> spans) { return append_into(con, "spans", spans); }

  void insert_or_ignore(DuckConnection& con, std::span<const SpanData> spans) {
    con.execute("CREATE OR REPLACE TEMP TABLE spans_incoming AS SELECT * FROM spans LIMIT 0");
    if (!append_into(con, "spans_incoming", spans)) throw DuckDbError("cannot stage spans");
    con.execute("INSERT OR IGNORE INTO spans SELECT * FROM spans_incoming");
    con.execute("DROP TABLE spans_incoming");
  }

  std::string path_;
  std::optional<double> ttl_days_;
  std::string resource_json_;
  SpanRow row_;           // reused between rows: no allocation per span once warm
  bool checked_ = false;  // the open file's schema was checked
  bool fresh_ = false;    // the open file was created by this writer and holds nothing yet
  State state_ = State::Writing;
  std::string last_reason_;
  std::chrono::steady_clock::time_point since_ = std::chrono::steady_clock::now();
};

}  // namespace

std::shared_ptr<SpanExporter> make_duckdb_span_exporter(const std::string& path, std::optional<double> ttl_days,
                                                        const TraceConfig& config) {
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
  return std::make_shared<DuckDbSpanExporter>(path, ttl_days, config);
}

}  // namespace flockcpp::detail

#include "storage/duckdb_span_exporter.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>

#include "storage/duckdb_handle.hpp"
#include "storage/schema.hpp"
#include "storage/store_file.hpp"
#include "storage/span_json.hpp"
#include "storage/span_row.hpp"
#include "tracing/resource.hpp"

namespace flock::detail {
namespace {

namespace fs = std::filesystem;

class DuckDbSpanExporter : public SpanExporter {
 public:
  DuckDbSpanExporter(std::string path, std::optional<double> ttl_days, const TraceConfig& config)
      : path_(std::move(path)), ttl_days_(ttl_days) {
    StoreFile::at(path_).mark_writer();
    append_attributes_json(resource_json_, build_resource(config));
  }

  std::string name() const override { return "duckdb:" + path_; }

  ExportResult export_batch(std::span<const SpanData> spans) override {
    std::optional<StoreFile::Lease> db;
    if (ExportResult r = open(db); r != ExportResult::Success) return r;
    try {
      DuckConnection con(db->db());
      ensure_schema(con);
      if (ttl_days_) {
        apply_ttl(con);
        ttl_days_.reset();  // once, at start
      }
      if (!spans.empty() && !append(con, spans)) {
        // A row the primary key refuses (a batch written before a failure was
        // reported): insert what is new and skip what is there.
        insert_or_ignore(con, spans);
      }
    } catch (const DuckDbError& e) {
      std::fprintf(stderr, "flock: writing %zu spans to %s failed: %s\n", spans.size(), path_.c_str(), e.what());
      return ExportResult::Failure;
    }
    if (held_since_) {
      auto held = std::chrono::steady_clock::now() - *held_since_;
      std::fprintf(stderr, "flock: %s is free again after %lld ms; queued spans written\n", path_.c_str(),
                   static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(held).count()));
      held_since_.reset();
    }
    return ExportResult::Success;
  }

  // FLOCK_TRACE_TTL_DAYS applies when the pipeline starts, spans or not.
  void start() override {
    if (ttl_days_) (void)export_batch(std::span<const SpanData>());
  }

 private:
  ExportResult open(std::optional<StoreFile::Lease>& db) {
    std::error_code ec;
    fs::path p(path_);
    if (p.has_parent_path()) fs::create_directories(p.parent_path(), ec);
    for (int attempt = 0; attempt < 2; ++attempt) {
      try {
        db.emplace(StoreFile::at(path_).share(true));
        return ExportResult::Success;
      } catch (const DuckDbError& e) {
        std::string msg = e.what();
        if (is_lock_conflict(msg)) {
          if (!held_since_) {
            held_since_ = std::chrono::steady_clock::now();
            std::fprintf(stderr, "flock: %s is held by another process; spans stay queued until it is free\n",
                         path_.c_str());
          }
          return ExportResult::Retry;
        }
        if (attempt == 0 && fs::exists(p, ec)) {
          // Not a DuckDB file we can use: keep it aside, never overwrite data.
          auto aside = path_ + ".unreadable-" + std::to_string(std::time(nullptr));
          fs::rename(p, aside, ec);
          std::fprintf(stderr, "flock: %s could not be opened (%s); moved it to %s and started a new store\n",
                       path_.c_str(), msg.c_str(), aside.c_str());
          if (!ec) continue;
        }
        std::fprintf(stderr, "flock: cannot open trace store %s: %s\n", path_.c_str(), msg.c_str());
        return ExportResult::Retry;
      }
    }
    return ExportResult::Retry;
  }

  void apply_ttl(DuckConnection& con) {
    auto cutoff = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count() -
                  static_cast<std::int64_t>(*ttl_days_ * 86400.0 * 1e9);
    std::int64_t n = con.query_int("SELECT count(*) FROM spans WHERE start_time < " + std::to_string(cutoff));
    if (n > 0) {
      con.execute("DELETE FROM spans WHERE start_time < " + std::to_string(cutoff));
      std::fprintf(stderr, "flock: FLOCK_TRACE_TTL_DAYS removed %lld spans older than %g days\n",
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
    if (ok && duckdb_appender_close(app) != DuckDBSuccess) {
      const char* e = duckdb_appender_error(app);
      error = e ? e : "appender flush failed";
      ok = false;
    }
    duckdb_appender_destroy(&app);
    if (!ok && error.find("onstraint") == std::string::npos && error.find("uplicate") == std::string::npos) {
      throw DuckDbError(error);
    }
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
  SpanRow row_;  // reused between rows: no allocation per span once warm
  std::optional<std::chrono::steady_clock::time_point> held_since_;
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

}  // namespace flock::detail

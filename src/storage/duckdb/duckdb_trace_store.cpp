#include "storage/duckdb/duckdb_trace_store.hpp"

#include <algorithm>
#include <filesystem>

#include "storage/duckdb/clear_traces.hpp"
#include "storage/duckdb/duckdb_handle.hpp"
#include "storage/duckdb/duckdb_store_writer.hpp"
#include "storage/duckdb/schema.hpp"
#include "storage/duckdb/sql_sandbox.hpp"
#include "storage/duckdb/store_access.hpp"
#include "storage/duckdb/store_file.hpp"

namespace flockcpp::detail {

namespace fs = std::filesystem;

bool DuckDbTraceStore::exists() const {
  std::error_code ec;
  return fs::exists(path_, ec);
}

Json DuckDbTraceStore::describe() const {
  std::error_code ec;
  bool present = exists();
  double bytes = present ? static_cast<double>(fs::file_size(path_, ec)) : 0.0;
  if (ec) bytes = 0;
  return Json{{"kind", "duckdb"}, {"path", path_}, {"exists", present}, {"size_mb", bytes / 1048576.0}};
}

std::unique_ptr<TraceStoreWriter> DuckDbTraceStore::open_writer(const TraceConfig& config) const {
  return make_duckdb_store_writer(path_, config);
}

Json DuckDbTraceStore::run_sql(const std::string& sql, const SqlLimits& limits) const {
  return run_sandboxed_sql(path_, sql, limits);
}

ClearResult DuckDbTraceStore::clear() const { return clear_trace_store(path_); }

QueryResult DuckDbTraceStore::query(const std::string& sql) const {
  auto lease = StoreFile::at(path_).share(false);
  DuckConnection con(lease.db());
  return con.query(sql);
}

std::vector<StoredSpan> DuckDbTraceStore::trace(const std::string& trace_id) const {
  // Through the trace's time range in table traces: DuckDB's zone maps on
  // start_time then skip every row group outside it (spans has no index).
  auto lease = StoreFile::at(path_).share(false);
  DuckConnection con(lease.db());
  use_traces_of(con);
  QueryResult range = con.query("SELECT start_time, end_time FROM traces WHERE trace_id = " + sql_quote(trace_id));
  if (range.rows.empty()) return {};
  QueryResult rows = con.query(
      "SELECT trace_id, span_id, parent_id, name, start_time, end_time, duration_ms, status_code, "
      "status_description, CAST(attributes AS VARCHAR) FROM spans WHERE trace_id = " +
      sql_quote(trace_id) + " AND start_time BETWEEN " + range.rows[0][0].value_or("0") + " AND " +
      range.rows[0][1].value_or("0") + " ORDER BY start_time, span_id");
  std::vector<StoredSpan> out;
  for (auto& r : rows.rows) {
    StoredSpan s;
    s.trace_id = r[0].value_or("");
    s.span_id = r[1].value_or("");
    s.parent_id = r[2].value_or("");
    s.name = r[3].value_or("");
    s.start_time = std::stoll(r[4].value_or("0"));
    s.end_time = std::stoll(r[5].value_or("0"));
    s.duration_ms = std::stod(r[6].value_or("0"));
    s.status_code = r[7].value_or("");
    s.status_description = r[8].value_or("");
    s.attributes = r[9].value_or("{}");
    out.push_back(std::move(s));
  }
  return out;
}

std::int64_t DuckDbTraceStore::newest_end_time() const {
  Json out = with_store(path_, Json(0), [](DuckConnection& con) {
    return Json(con.query_int("SELECT coalesce(max(end_time), 0) FROM spans"));
  }, /*linger=*/false);
  return out.get<std::int64_t>();
}

std::vector<SpanEventRow> DuckDbTraceStore::spans_ended_after(std::int64_t after_ns, std::size_t limit) const {
  Json rows = with_store(path_, Json::array(), [&](DuckConnection& con) {
    return con.query_objects(
        "SELECT trace_id, span_id, parent_id, name, start_time, end_time, duration_ms, status_code, "
        "json_extract_string(attributes, '$.agent.name') AS agent_name, "
        "json_extract_string(attributes, '$.workflow.name') AS workflow_name FROM spans WHERE end_time > ? "
        "ORDER BY end_time LIMIT " + std::to_string(limit),
        {after_ns});
  }, /*linger=*/false);
  std::vector<SpanEventRow> out;
  out.reserve(rows.size());
  for (auto& r : rows) {
    SpanEventRow e;
    e.end_time = r["end_time"].get<std::int64_t>();
    if (r["agent_name"].is_null()) r.erase("agent_name");
    if (r["workflow_name"].is_null()) r.erase("workflow_name");
    e.event = std::move(r);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace flockcpp::detail

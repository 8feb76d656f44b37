#include "flock/trace_reader.hpp"
#include "storage/duckdb_handle.hpp"

#include <algorithm>
#include <filesystem>

#include "common/store_locator.hpp"
#include "storage/clear_traces.hpp"
#include "storage/schema.hpp"
#include "storage/sql_sandbox.hpp"
#include "storage/store_access.hpp"
#include "storage/store_file.hpp"

namespace flockcpp {

using detail::DuckConnection;
using detail::DuckDatabase;
using detail::DuckDbError;
using detail::sql_quote;

TraceStoreReader::TraceStoreReader(std::string store) : path_(detail::duckdb_store_path(store)) {}

bool TraceStoreReader::exists() const {
  std::error_code ec;
  return std::filesystem::exists(path_, ec);
}

Json TraceStoreReader::run_sql(const std::string& sql, const SqlLimits& limits) const {
  return detail::run_sandboxed_sql(path_, sql, limits);
}

ClearResult TraceStoreReader::clear() const { return detail::clear_trace_store(path_); }

QueryResult TraceStoreReader::query(const std::string& sql) const {
  auto lease = detail::StoreFile::at(path_).share(false);
  DuckConnection con(lease.db());
  return con.query(sql);
}

std::vector<StoredSpan> TraceStoreReader::trace(const std::string& trace_id) const {
  // Through the trace's time range in table traces: DuckDB's zone maps on
  // start_time then skip every row group outside it (spans has no index).
  auto lease = detail::StoreFile::at(path_).share(false);
  DuckConnection con(lease.db());
  detail::use_traces_of(con);
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

}  // namespace flockcpp

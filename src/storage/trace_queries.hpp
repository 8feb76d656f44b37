// The read side of the trace store: the queries behind the HTTP API, the
// dashboard and `flock traces`. Each call leases the file (StoreFile) for the
// query's duration only; a store that does not exist yet reads as empty.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include "flock/json.hpp"
#include "flock/orchestrator.hpp"
#include "storage/sql_sandbox.hpp"

namespace flock::detail {

// Filters of GET /api/traces (API.md §5); unset fields do not filter.
struct TraceFilter {
  std::optional<std::string> workflow;
  std::optional<std::string> service;
  std::optional<std::string> operation;  // a span name ("Agent.execute") or its operation part ("execute")
  std::optional<std::string> status;     // "ok" or "error"
  std::optional<std::string> correlation_id;
  std::optional<std::string> text;       // free text: trace id prefix, span name, attribute text
  std::optional<std::string> tag;        // an artifact tag published in the trace
  std::optional<double> min_duration_ms;
  std::optional<double> max_duration_ms;
  std::optional<std::int64_t> since_ns;
  std::optional<std::int64_t> until_ns;
  std::int64_t limit = 50;
  std::int64_t offset = 0;
};

class DuckConnection;

class TraceQueries {
 public:
  explicit TraceQueries(std::string path) : path_(std::move(path)) {}
  const std::string& path() const { return path_; }
  bool store_exists() const;

  // {items: [{trace_id, root_name, workflow_name, start_time, duration_ms,
  // span_count, error_count, services, correlation_ids}], total}
  Json list_traces(const TraceFilter& filter) const;
  // {trace_id, spans: [...]} with every column of API.md §4; nullopt when
  // the store has no span of that trace.
  std::optional<Json> trace(const std::string& trace_id) const;
  // The same trace as an OTLP/JSON ExportTraceServiceRequest.
  std::optional<std::string> trace_otlp_json(const std::string& trace_id) const;
  Json services() const;          // {services, operations}
  Json stats() const;             // GET /api/traces/stats
  Json workflow_stats() const;    // {workflows: [...]}
  Json service_stats() const;     // {services: [...]}: RED metrics
  Json dependencies() const;      // {edges: [{parent, child, calls, errors}]}
  // One read-only SELECT: {columns, rows, row_count, truncated}. Throws
  // QueryRefused, or DuckDbError for SQL that DuckDB rejects.
  Json run_sql(const std::string& sql, const SqlLimits& limits) const;
  ClearResult clear() const;

  // The same queries on a connection the caller holds (benchmarks compare
  // the routes with these on an open database).
  static Json list_traces(DuckConnection& con, const TraceFilter& filter);
  static Json trace_spans(DuckConnection& con, const std::string& trace_id);

 private:
  std::string path_;
};

// "2026-11-25T18:00:00.123456789Z" for nanoseconds since the epoch.
std::string iso8601_ns(std::int64_t ns);
// Nanoseconds since the epoch from digits or an ISO-8601 time; nullopt when
// the text is neither.
std::optional<std::int64_t> parse_time_ns(const std::string& text);

}  // namespace flock::detail

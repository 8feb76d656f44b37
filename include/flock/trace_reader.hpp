// Reading a trace store (.flock/traces.duckdb) from C++: the trace list and
// statistics the HTTP API and the `flock` command show, one trace, a sealed
// read-only SQL query, clearing, and the indented tree of the guide's "Trace
// Hierarchy Example". Each call opens the file for its own duration only, so
// a running writer is never held up for long. Failures are flockcpp::Error
// (ErrorCode::Unavailable while another process holds the file).
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "flock/clear_result.hpp"
#include "flock/json.hpp"

namespace flockcpp {

namespace detail {
class TraceStore;
}

struct StoredSpan {
  std::string trace_id;
  std::string span_id;
  std::string parent_id;  // empty for a root
  std::string name;
  std::int64_t start_time = 0;
  std::int64_t end_time = 0;
  double duration_ms = 0;
  std::string status_code;
  std::string status_description;
  std::string attributes;  // JSON text
};

// A query result as text; NULL is nullopt.
struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

// Filters of the trace list (GET /api/traces); unset fields do not filter.
struct TraceFilter {
  std::optional<std::string> workflow{};
  std::optional<std::string> service{};
  std::optional<std::string> operation{};  // a span name ("Agent.execute") or its operation part ("execute")
  std::optional<std::string> status{};     // "ok" or "error"
  std::optional<std::string> correlation_id{};
  std::optional<std::string> text{};       // free text: trace id prefix, span name, attribute text
  std::optional<std::string> tag{};        // an artifact tag published in the trace
  std::optional<std::string> agent{};      // an agent (agent.name) that ran in the trace
  std::optional<double> min_duration_ms{};
  std::optional<double> max_duration_ms{};
  std::optional<std::int64_t> since_ns{};
  std::optional<std::int64_t> until_ns{};
  std::string sort = "start_time";  // start_time, duration_ms, span_count or error_count
  bool ascending = false;           // newest (largest) first by default
  std::int64_t limit = 50;
  std::int64_t offset = 0;
};

// The bounds of a user's SQL query (run_sql).
struct SqlLimits {
  std::size_t max_rows = 10000;
  std::chrono::milliseconds timeout{5000};
  std::size_t max_result_bytes = 32u << 20;  // text in the result's cells
};

class TraceStoreReader {
 public:
  // store: a path, duckdb:PATH (the same file) or a clickhouse:// URL
  // (docs/configuration.md). Throws Error: InvalidArgument for a malformed
  // store (`duckdb:` alone, an unknown scheme), FailedPrecondition for
  // ClickHouse, which this build cannot read yet.
  explicit TraceStoreReader(std::string store = ".flock/traces.duckdb");
  // The file read (PATH for duckdb:PATH).
  const std::string& path() const { return path_; }
  bool exists() const;
  // The store as a locator ("duckdb:PATH"), for messages.
  std::string name() const;

  // Every span of one trace, by start time.
  std::vector<StoredSpan> trace(const std::string& trace_id) const;
  // A query of the program's own (not sealed to one SELECT; the instance is
  // sealed against files, network and extensions all the same).
  QueryResult query(const std::string& sql) const;

  // The HTTP API's answers, as JSON (docs/http-api.md names the fields).
  // {items: [{trace_id, root_name, workflow_name, start_time, end_time,
  // duration_ms, span_count, error_count, status, services, agents,
  // error_message, input_tokens, output_tokens, correlation_ids, cost_usd,
  // models: [{model, calls, input_tokens, output_tokens, cost_usd, price}]}],
  // total},
  // from table traces. Throws Error (InvalidArgument) for a sort column that
  // is not one of the four.
  Json list_traces(const TraceFilter& filter = {}) const;
  // {trace_id, spans: [...]} with every column of the spans table; nullopt
  // when the store has no span of that trace.
  std::optional<Json> trace_json(const std::string& trace_id) const;
  Json services() const;        // {services, operations}
  Json stats() const;           // {total_spans, total_traces, services_count, oldest_trace, newest_trace, database_size_mb}
  Json workflow_stats() const;  // {workflows: [...]}
  Json service_stats() const;   // {services: [...]}: rate, errors and durations per service
  // {agents: [{agent_name, runs, errors, error_rate, avg_ms, p50_ms, p95_ms,
  // p99_ms, max_ms, input_tokens, output_tokens, cost_usd, models}]} from
  // Agent.execute spans; cost_usd is null when a model has no price
  // (flock/model_prices.hpp).
  Json agent_stats() const;
  // {models: [{model, calls, input_tokens, output_tokens, cost_usd, price,
  // errors, p50_ms, p95_ms, p99_ms, traces}], prices}: every model call.
  Json model_stats() const;
  // {agents: [{name, consumes, publishes, runs, last_seen}]}: the agents as
  // the spans record them (a store read without the program that wrote it).
  Json agents_seen() const;
  // {edges: [{parent, child, calls, errors}], by}: calls between agents
  // (hooks folded into their agent; the default), services, or operations.
  Json dependencies(const std::string& by = "agent") const;
  // One read-only SELECT, bounded by limits: {columns, rows, row_count,
  // truncated}. Refusals are Error: InvalidArgument (a NUL byte, or over
  // 64 KiB of text), Forbidden (not a SELECT, or files, extensions or
  // settings), FailedPrecondition (several statements, SQL DuckDB rejects, a
  // result too large, out of memory), Timeout, Unavailable (too many queries
  // at once, or the file held by another process).
  Json run_sql(const std::string& sql, const SqlLimits& limits = {}) const;
  // Deletes every span and leaves a file no bigger than a fresh store.
  ClearResult clear() const;

 private:
  std::string path_;
  std::shared_ptr<const detail::TraceStore> store_;
};

// The indented tree of one trace with durations; ANSI colours when asked.
std::string render_trace_tree(const std::vector<StoredSpan>& spans, bool color = false);

// A result as an aligned text table.
std::string render_table(const QueryResult& result);

// "2026-11-25T18:00:00.123456Z" for nanoseconds since the epoch.
std::string iso8601_ns(std::int64_t ns);

}  // namespace flockcpp

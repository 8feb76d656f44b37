// The trace store seam: everything the rest of the program does with a
// store of spans goes through TraceStore (reading, the SQL route, clearing)
// and the TraceStoreWriter it opens (appending batches, TTL). Which store a
// locator names (a DuckDB file today; ClickHouse next) is decided once, in
// open_trace_store; nothing above src/storage names an implementation.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "flock/clear_result.hpp"
#include "flock/json.hpp"
#include "flock/span_data.hpp"
#include "flock/span_exporter.hpp"
#include "flock/trace_config.hpp"
#include "flock/trace_reader.hpp"

namespace flockcpp::detail {

// Appends batches to one store, on the exporter's thread. Retry keeps a
// batch queued (the store is busy or unreachable); a batch is stored whole
// or retried, and a span already stored within the dedupe window (README:
// 15 minutes) is not stored again.
class TraceStoreWriter {
 public:
  virtual ~TraceStoreWriter() = default;
  virtual ExportResult append(std::span<const SpanData> batch) = 0;
  // Deletes the spans that started before cutoff_ns, and makes the traces
  // they belonged to agree with what is left. Retry when it cannot now.
  virtual ExportResult expire_before(std::int64_t cutoff_ns) = 0;
  // After the last append: lets go of the store.
  virtual void close() = 0;
  // Spans the store refused, and spans stored by a batch given up at exit.
  virtual void add_stats(TraceStats& /*out*/) const {}
};

// A span as the live stream shows it (the fields of the dashboard's "span"
// event).
struct SpanEventRow {
  Json event;               // trace_id, span_id, parent_id, name, times, status_code, agent_name?, workflow_name?
  std::int64_t end_time = 0;
};

class TraceStore {
 public:
  virtual ~TraceStore() = default;
  // The locator, for messages ("duckdb:.flock/traces.duckdb").
  virtual std::string name() const = 0;
  virtual bool exists() const = 0;
  // The file the store lives in, when it is one on this machine (DuckDB);
  // empty for a store behind a server.
  virtual std::string local_file() const { return {}; }
  // {path?, exists, size_mb}: what GET /api/config shows of the store.
  virtual Json describe() const = 0;

  virtual std::unique_ptr<TraceStoreWriter> open_writer(const TraceConfig& config) const = 0;

  // The reads of TraceStoreReader (flock/trace_reader.hpp names the JSON).
  virtual Json list_traces(const TraceFilter& filter) const = 0;
  virtual std::optional<Json> trace_json(const std::string& trace_id) const = 0;
  virtual std::vector<StoredSpan> trace(const std::string& trace_id) const = 0;
  virtual Json services() const = 0;
  virtual Json stats() const = 0;
  virtual Json workflow_stats() const = 0;
  virtual Json service_stats() const = 0;
  virtual Json agent_stats() const = 0;
  virtual Json model_stats() const = 0;
  virtual Json agents_seen() const = 0;
  virtual Json dependencies(const std::string& by) const = 0;
  // The newest end_time stored (0 for none), and up to `limit` spans that
  // ended after `after_ns`, oldest first: the live stream of a store that
  // another process writes.
  virtual std::int64_t newest_end_time() const = 0;
  virtual std::vector<SpanEventRow> spans_ended_after(std::int64_t after_ns, std::size_t limit) const = 0;

  // The SQL route: one read-only SELECT, bounded.
  virtual Json run_sql(const std::string& sql, const SqlLimits& limits) const = 0;
  // A program's own query (not sealed to one SELECT).
  virtual QueryResult query(const std::string& sql) const = 0;
  virtual ClearResult clear() const = 0;
};

// The store a locator names (common/store_locator.hpp). Throws Error:
// InvalidArgument for a malformed locator, FailedPrecondition for a store
// this build cannot open.
std::shared_ptr<TraceStore> open_trace_store(std::string_view locator);

}  // namespace flockcpp::detail

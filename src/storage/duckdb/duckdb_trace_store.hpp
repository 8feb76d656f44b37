// The trace store as one DuckDB file (.flock/traces.duckdb): the first
// implementation of the seam. Each read opens the file for its own duration
// only (store_file.hpp shares one instance within the process), so a writer
// in another process is never held up for long.
#pragma once
#include <string>

#include "storage/trace_store.hpp"

namespace flockcpp::detail {

class DuckDbTraceStore final : public TraceStore {
 public:
  explicit DuckDbTraceStore(std::string path) : path_(std::move(path)) {}
  std::string name() const override { return "duckdb:" + path_; }
  std::string local_file() const override { return path_; }
  bool exists() const override;
  Json describe() const override;
  std::unique_ptr<TraceStoreWriter> open_writer(const TraceConfig& config) const override;

  Json list_traces(const TraceFilter& filter) const override;
  std::optional<Json> trace_json(const std::string& trace_id) const override;
  std::vector<StoredSpan> trace(const std::string& trace_id) const override;
  Json services() const override;
  Json stats() const override;
  Json workflow_stats() const override;
  Json service_stats() const override;
  Json agent_stats() const override;
  Json model_stats() const override;
  Json agents_seen() const override;
  Json dependencies(const std::string& by) const override;
  std::int64_t newest_end_time() const override;
  std::vector<SpanEventRow> spans_ended_after(std::int64_t after_ns, std::size_t limit) const override;

  Json run_sql(const std::string& sql, const SqlLimits& limits) const override;
  QueryResult query(const std::string& sql) const override;
  ClearResult clear() const override;

 private:
  std::string path_;
};

}  // namespace flockcpp::detail

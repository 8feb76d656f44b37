// Reading a trace store: what the demo, the CLI and the server show. A
// reader opens the file read-only for one call and releases it at once.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "flock/orchestrator.hpp"
#include "storage/duckdb_handle.hpp"

namespace flock::detail {

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

class TraceReader {
 public:
  explicit TraceReader(std::string path) : path_(std::move(path)) {}
  // Every span of one trace, by start time. Throws DuckDbError.
  std::vector<StoredSpan> trace(const std::string& trace_id) const;
  // Any read-only query, rows as text. Throws DuckDbError.
  QueryRows query(const std::string& sql) const;

 private:
  std::string path_;
};

// The indented tree of one trace, like the seed's "Trace Hierarchy Example".
std::string render_trace_tree(const std::vector<StoredSpan>& spans, bool color);

// Deletes every span and leaves a file no bigger than a fresh store.
ClearResult clear_trace_store(const std::string& path);

}  // namespace flock::detail

// Reading a trace store from C++: one trace, any read-only query, and the
// indented tree the seed's "Trace Hierarchy Example" shows. The reader opens
// the file read-only for each call and releases it at once, so a running
// writer is never held up for long.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace flock {

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

class TraceStoreReader {
 public:
  explicit TraceStoreReader(std::string path = ".flock/traces.duckdb") : path_(std::move(path)) {}
  // Every span of one trace, by start time. Throws std::runtime_error with
  // DuckDB's message when the file cannot be read.
  std::vector<StoredSpan> trace(const std::string& trace_id) const;
  // A read-only query. Throws std::runtime_error with DuckDB's message.
  QueryResult query(const std::string& sql) const;

 private:
  std::string path_;
};

// The indented tree of one trace with durations; ANSI colours when asked.
std::string render_trace_tree(const std::vector<StoredSpan>& spans, bool color = false);

// A result as an aligned text table.
std::string render_table(const QueryResult& result);

}  // namespace flock

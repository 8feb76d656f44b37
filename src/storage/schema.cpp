#include "storage/schema.hpp"

#include <iterator>
#include <utility>

namespace flockcpp::detail {

namespace {
// The columns of table spans, in order, with DuckDB's type names.
constexpr std::pair<const char*, const char*> kColumns[] = {
    {"trace_id", "VARCHAR"},     {"span_id", "VARCHAR"},     {"parent_id", "VARCHAR"},
    {"name", "VARCHAR"},         {"service", "VARCHAR"},     {"operation", "VARCHAR"},
    {"kind", "VARCHAR"},         {"start_time", "BIGINT"},   {"end_time", "BIGINT"},
    {"duration_ms", "DOUBLE"},   {"status_code", "VARCHAR"}, {"status_description", "VARCHAR"},
    {"attributes", "JSON"},      {"events", "JSON"},         {"links", "JSON"},
    {"resource", "JSON"},        {"created_at", "TIMESTAMP"}};
}  // namespace

std::optional<std::string> schema_mismatch(DuckConnection& con) {
  JsonTable t = con.query_table(
      "SELECT column_name, data_type, (SELECT table_type FROM information_schema.tables i "
      "WHERE i.table_schema = 'main' AND i.table_name = 'spans') "
      "FROM information_schema.columns WHERE table_schema = 'main' AND table_name = 'spans' "
      "ORDER BY ordinal_position");
  if (t.rows.empty()) return std::nullopt;  // no spans yet: ensure_schema creates it
  if (t.rows[0][2] != "BASE TABLE") return "\"spans\" is a view, not a table";
  std::size_t n = std::size(kColumns);
  if (t.rows.size() != n) {
    return "table spans has " + std::to_string(t.rows.size()) + " columns, a trace store has " + std::to_string(n);
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (t.rows[i][0] != kColumns[i].first || t.rows[i][1] != kColumns[i].second) {
      return "column " + std::to_string(i + 1) + " of table spans is " + t.rows[i][0].get<std::string>() + " " +
             t.rows[i][1].get<std::string>() + ", a trace store has " + kColumns[i].first + " " +
             kColumns[i].second;
    }
  }
  return std::nullopt;
}

void ensure_schema(DuckConnection& con) {
  con.execute(R"sql(
CREATE TABLE IF NOT EXISTS spans (
  trace_id VARCHAR NOT NULL,
  span_id VARCHAR PRIMARY KEY,
  parent_id VARCHAR,
  name VARCHAR NOT NULL,
  service VARCHAR,
  operation VARCHAR,
  kind VARCHAR,
  start_time BIGINT NOT NULL,
  end_time BIGINT NOT NULL,
  duration_ms DOUBLE NOT NULL,
  status_code VARCHAR NOT NULL,
  status_description VARCHAR,
  attributes JSON,
  events JSON,
  links JSON,
  resource JSON,
  created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
))sql");
  // Point lookups of one trace, time-ordered listings, name filters.
  con.execute("CREATE INDEX IF NOT EXISTS idx_spans_trace_id ON spans (trace_id)");
  con.execute("CREATE INDEX IF NOT EXISTS idx_spans_start_time ON spans (start_time)");
  con.execute("CREATE INDEX IF NOT EXISTS idx_spans_name ON spans (name)");
  // One row per workflow span, with the size of its whole trace.
  con.execute(R"sql(
CREATE VIEW IF NOT EXISTS workflows AS
SELECT w.trace_id,
       json_extract_string(w.attributes, '$.workflow.name') AS workflow_name,
       w.start_time,
       w.end_time,
       w.duration_ms,
       (SELECT count(*) FROM spans s WHERE s.trace_id = w.trace_id) AS span_count,
       w.status_code AS status
FROM spans w
WHERE json_extract(w.attributes, '$.flock.workflow') = 'true')sql");
}

}  // namespace flockcpp::detail

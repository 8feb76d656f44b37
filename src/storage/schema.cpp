#include "storage/schema.hpp"

namespace flock::detail {

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

}  // namespace flock::detail

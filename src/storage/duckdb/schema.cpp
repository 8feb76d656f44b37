#include "storage/duckdb/schema.hpp"

#include <chrono>
#include <iterator>
#include <utility>

#include "common/log.hpp"
#include "storage/duckdb/store_access.hpp"
#include "storage/duckdb/trace_costs.hpp"
#include "storage/duckdb/transaction.hpp"

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

// No index and no key: every ART index is rewritten at each checkpoint and
// costs on each append in proportion to the whole store, while DuckDB's zone
// maps serve time ranges (spans are appended in about the order they end) and
// table traces serves listings. Span ids stay unique because the writer
// leaves out what it stored already (docs/trace-store.md has the figures).
constexpr const char* kSpansColumns = R"sql( (
  trace_id VARCHAR NOT NULL,
  span_id VARCHAR NOT NULL,
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
))sql";

// One row per trace, kept by the writer in the transaction of its spans.
// The columns after output_tokens are what merging a late span needs. No key
// either: the writer keeps one row per trace (merge_summaries).
constexpr const char* kTracesColumns = R"sql( (
  trace_id VARCHAR NOT NULL,
  root_name VARCHAR,
  workflow_name VARCHAR,
  start_time BIGINT NOT NULL,
  end_time BIGINT NOT NULL,
  duration_ms DOUBLE NOT NULL,
  span_count BIGINT NOT NULL,
  error_count BIGINT NOT NULL,
  status VARCHAR NOT NULL,
  services JSON,
  agents JSON,
  error_message VARCHAR,
  input_tokens BIGINT NOT NULL,
  output_tokens BIGINT NOT NULL,
  correlation_ids JSON,
  tags JSON,
  has_root BOOLEAN NOT NULL,
  workflow_start BIGINT,
  first_error_time BIGINT,
  service_names JSON,
  models JSON
))sql";

// Tokens per trace and model, kept beside traces in the same transaction:
// cost is priced when read (the price table may change; the tokens do not).
constexpr const char* kTraceModelsColumns = R"sql( (
  trace_id VARCHAR NOT NULL,
  model VARCHAR NOT NULL,
  calls BIGINT NOT NULL,
  input_tokens BIGINT NOT NULL,
  output_tokens BIGINT NOT NULL
))sql";

// One row per workflow span, with the size of its whole trace.
constexpr const char* kWorkflowsView = R"sql(
CREATE OR REPLACE VIEW workflows AS
SELECT w.trace_id,
       json_extract_string(w.attributes, '$.workflow.name') AS workflow_name,
       w.start_time,
       w.end_time,
       w.duration_ms,
       t.span_count,
       w.status_code AS status
FROM spans w JOIN traces t USING (trace_id)
WHERE json_extract(w.attributes, '$.flock.workflow') = 'true')sql";

bool has_table(DuckConnection& con, const char* name) {
  return con.query_int(std::string("SELECT count(*) FROM information_schema.tables WHERE table_catalog = current_database() AND table_schema = 'main' AND "
                                   "table_name = '") +
                       name + "'") > 0;
}

}  // namespace

std::optional<std::string> schema_mismatch(DuckConnection& con) {
  JsonTable t = con.query_table(
      "SELECT column_name, data_type, (SELECT table_type FROM information_schema.tables i "
      "WHERE i.table_catalog = current_database() AND i.table_schema = 'main' AND i.table_name = 'spans') "
      "FROM information_schema.columns WHERE table_catalog = current_database() AND table_schema = 'main' AND table_name = 'spans' "
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

const char* traces_from_spans_sql() {
  // The same summary the writer keeps, computed from the spans themselves:
  // used to migrate a store and after TTL deletes part of a trace.
  return R"sql(
SELECT trace_id,
       coalesce(min_by(name, start_time) FILTER (WHERE parent_id IS NULL), min_by(name, start_time)) AS root_name,
       min_by(json_extract_string(attributes, '$.workflow.name'), start_time)
           FILTER (WHERE json_extract_string(attributes, '$.flock.workflow') = 'true') AS workflow_name,
       min(start_time) AS start_time,
       max(end_time) AS end_time,
       (max(end_time) - min(start_time)) / 1e6 AS duration_ms,
       count(*) AS span_count,
       count(*) FILTER (WHERE status_code = 'ERROR') AS error_count,
       CASE WHEN count(*) FILTER (WHERE status_code = 'ERROR') > 0 THEN 'ERROR' ELSE 'OK' END AS status,
       to_json(coalesce(list(DISTINCT service ORDER BY service) FILTER (WHERE service IS NOT NULL), [])) AS services,
       to_json(coalesce(list(DISTINCT json_extract_string(attributes, '$.agent.name')
                             ORDER BY json_extract_string(attributes, '$.agent.name'))
                        FILTER (WHERE json_extract_string(attributes, '$.agent.name') IS NOT NULL), [])) AS agents,
       min_by(status_description, start_time) FILTER (WHERE status_code = 'ERROR') AS error_message,
       )sql" FLOCK_TOKEN_SUM_SQL("input_tokens") R"sql( AS input_tokens,
       )sql" FLOCK_TOKEN_SUM_SQL("output_tokens") R"sql( AS output_tokens,
       to_json(coalesce(list(DISTINCT json_extract_string(attributes, '$.correlation_id')
                             ORDER BY json_extract_string(attributes, '$.correlation_id'))
                        FILTER (WHERE json_extract_string(attributes, '$.correlation_id') IS NOT NULL), []))
           AS correlation_ids,
       to_json(coalesce(list_sort(list_distinct(flatten(list(json_extract_string(attributes, '$.artifact.tags[*]'))
                                                       FILTER (WHERE json_extract(attributes, '$.artifact.tags')
                                                               IS NOT NULL)))), [])) AS tags,
       bool_or(parent_id IS NULL) AS has_root,
       min(start_time) FILTER (WHERE json_extract_string(attributes, '$.flock.workflow') = 'true') AS workflow_start,
       min(start_time) FILTER (WHERE status_code = 'ERROR') AS first_error_time,
       to_json(coalesce(list(DISTINCT json_extract_string(resource, '$.service.name')
                             ORDER BY json_extract_string(resource, '$.service.name'))
                        FILTER (WHERE json_extract_string(resource, '$.service.name') IS NOT NULL), []))
           AS service_names,
       NULL::JSON AS models
FROM spans
)sql";
}

const char* trace_models_from_spans_sql() {
  // A model call is a span naming a model or recording token usage; the
  // model is the one that answered, else the one asked for.
  return R"sql(
SELECT trace_id,
       coalesce(json_extract_string(attributes, '$.gen_ai.response.model'),
                json_extract_string(attributes, '$.gen_ai.request.model'), 'unknown') AS model,
       count(*) AS calls,
       )sql" FLOCK_TOKEN_SUM_SQL("input_tokens") R"sql( AS input_tokens,
       )sql" FLOCK_TOKEN_SUM_SQL("output_tokens") R"sql( AS output_tokens
FROM spans
WHERE (json_extract(attributes, '$.gen_ai.response.model') IS NOT NULL
       OR json_extract(attributes, '$.gen_ai.request.model') IS NOT NULL
       OR json_extract(attributes, '$.gen_ai.usage.input_tokens') IS NOT NULL
       OR json_extract(attributes, '$.gen_ai.usage.output_tokens') IS NOT NULL)
)sql";
}

namespace {
// traces.models of each trace from its trace_models rows, most tokens first
// (append WHERE ... and GROUP BY trace_id).
constexpr const char* kModelsPerTrace =
    "SELECT trace_id, to_json(list({model: model, calls: calls, input_tokens: input_tokens, output_tokens: "
    "output_tokens} ORDER BY input_tokens + output_tokens DESC, model)) AS models FROM trace_models";

bool traces_has_models(DuckConnection& con) {
  return con.query_int("SELECT count(*) FROM information_schema.columns WHERE table_catalog = current_database() AND table_schema = 'main' AND "
                       "table_name = 'traces' AND column_name = 'models'") > 0;
}
}  // namespace

std::string fill_trace_models_sql(const std::string& which_traces) {
  return std::string("UPDATE traces SET models = m.models FROM (") + kModelsPerTrace + " WHERE " + which_traces +
         " GROUP BY trace_id) m WHERE traces.trace_id = m.trace_id";
}

void use_traces_of(DuckConnection& con) {
  // Runs before every read: one query over DuckDB's catalog functions (the
  // information_schema views cost milliseconds each).
  JsonTable shape = con.query_table(
      "SELECT count(*) FILTER (WHERE table_name = 'spans'), count(*) FILTER (WHERE table_name = 'trace_models'), "
      "(SELECT count(*) FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = 'main' "
      "AND table_name = 'traces' AND column_name = 'models') FROM duckdb_tables() "
      "WHERE database_name = current_database() AND schema_name = 'main'");
  auto has = [&](int column) { return !shape.rows.empty() && shape.rows[0][column].get<std::int64_t>() > 0; };
  if (!has(0)) return;  // not a store yet: the queries read as empty
  if (!has(1)) {
    con.execute(std::string("CREATE OR REPLACE TEMP VIEW trace_models AS ") + trace_models_from_spans_sql() +
                " GROUP BY ALL");
  }
  if (!has(2)) {
    con.execute(std::string("CREATE OR REPLACE TEMP VIEW traces AS SELECT t.* EXCLUDE (models), m.models FROM (") +
                traces_from_spans_sql() + " GROUP BY trace_id) t LEFT JOIN (" + kModelsPerTrace +
                " GROUP BY trace_id) m USING (trace_id)");
  }
}

namespace {

// What makes an earlier store's spans cost in proportion to the store: its
// key (PRIMARY KEY or UNIQUE, each an ART index DuckDB keeps with the table)
// and its other indexes (this product's earlier idx_spans_*, the Python
// original's).
constexpr const char* kSpansKeysSql =
    "(SELECT count(*) FROM duckdb_constraints() WHERE database_name = current_database() AND schema_name = 'main' "
    "AND table_name = 'spans' AND constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY'))";
constexpr const char* kTracesKeysSql =
    "(SELECT count(*) FROM duckdb_constraints() WHERE database_name = current_database() AND schema_name = 'main' "
    "AND table_name = 'traces' AND constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY'))";
constexpr const char* kTraceModelsKeysSql =
    "(SELECT count(*) FROM duckdb_constraints() WHERE database_name = current_database() AND schema_name = 'main' "
    "AND table_name = 'trace_models' AND constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY'))";
constexpr const char* kSpansIndexesSql =
    "(SELECT count(*) FROM duckdb_indexes() WHERE database_name = current_database() AND schema_name = 'main' "
    "AND table_name = 'spans')";

std::string quote_identifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    out += c;
    if (c == '"') out += c;
  }
  return out + "\"";
}

// The store is this version's already: ensure_schema then writes nothing. A
// committed transaction, even of no-ops, makes closing the file checkpoint,
// and the writer must leave a file it then finds unusable (cut short) as it
// was.
bool schema_is_current(DuckConnection& con) {
  JsonTable shape = con.query_table(
      std::string("SELECT (SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND "
                  "schema_name = 'main' AND table_name IN ('spans', 'traces', 'trace_models')), "
                  "(SELECT count(*) FROM duckdb_views() WHERE database_name = current_database() AND schema_name = "
                  "'main' AND view_name = 'workflows'), ") +
      kSpansKeysSql + " + " + kSpansIndexesSql + " + " + kTracesKeysSql + " + " + kTraceModelsKeysSql +
      ", (SELECT count(*) FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = 'main' "
      "AND table_name = 'traces' AND column_name IN ('service_names', 'models'))");
  if (shape.rows.empty()) return false;
  const Json& r = shape.rows[0];
  return r[0] == 3 && r[1] == 1 && r[2] == 0 && r[3] == 2;
}

// Table spans again without its key, in the caller's transaction: a new
// table, every row copied in its order (so the zone maps still confine time
// ranges), the old one dropped (with its indexes) and the new one renamed. A
// process killed midway never committed: the old table is whole.
void rebuild_spans_without_key(DuckConnection& con) {
  auto t0 = std::chrono::steady_clock::now();
  std::int64_t n = con.query_int("SELECT count(*) FROM spans");
  detail::logf(LogLevel::Info,
               "rebuilding table spans without its primary key (%lld spans; once, in one transaction)",
               static_cast<long long>(n));
  con.execute(std::string("CREATE TABLE spans_rebuilt") + kSpansColumns);
  con.execute("INSERT INTO spans_rebuilt SELECT * FROM spans");
  if (spans_rebuild_hook_for_tests) spans_rebuild_hook_for_tests();
  con.execute("DROP TABLE spans");
  con.execute("ALTER TABLE spans_rebuilt RENAME TO spans");
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  detail::logf(LogLevel::Info, "table spans copied without its primary key in %.0f ms", ms);
}

// Drops the indexes of a spans table without a key (no rows to copy).
void drop_spans_indexes(DuckConnection& con) {
  JsonTable names = con.query_table(
      "SELECT index_name FROM duckdb_indexes() WHERE database_name = current_database() AND schema_name = 'main' "
      "AND table_name = 'spans'");
  for (const auto& row : names.rows) con.execute("DROP INDEX " + quote_identifier(row[0].get<std::string>()));
}

}  // namespace

std::function<void()> spans_rebuild_hook_for_tests;

void ensure_schema(DuckConnection& con) {
  if (schema_is_current(con)) return;
  bool had_traces = has_table(con, "traces");
  in_transaction(con, TransactionMode::ReadWrite, [&] {
    con.execute(std::string("CREATE TABLE IF NOT EXISTS spans") + kSpansColumns);
    // Stores of earlier versions, and the Python original's, have a primary
    // key on span_id (and other indexes): rebuilt without, once.
    if (con.query_int(std::string("SELECT ") + kSpansKeysSql) > 0) {
      rebuild_spans_without_key(con);
    } else {
      drop_spans_indexes(con);
    }
    // traces holds only what spans imply: a table of another shape (an
    // earlier version's) is built again from the spans.
    if (had_traces && con.query_int("SELECT count(*) FROM information_schema.columns WHERE table_catalog = current_database() AND table_schema = 'main' "
                                    "AND table_name = 'traces' AND column_name = 'service_names'") == 0) {
      con.execute("DROP VIEW IF EXISTS workflows");
      con.execute("DROP TABLE traces");
      had_traces = false;
    }
    con.execute(std::string("CREATE TABLE IF NOT EXISTS traces") + kTracesColumns);
    if (!had_traces) {
      con.execute(std::string("INSERT INTO traces ") + traces_from_spans_sql() + " GROUP BY trace_id");
    }
    // Stores of earlier versions have no trace_models: built from the spans.
    bool had_models = has_table(con, "trace_models") && had_traces;
    if (!had_models) con.execute("DROP TABLE IF EXISTS trace_models");
    con.execute(std::string("CREATE TABLE IF NOT EXISTS trace_models") + kTraceModelsColumns);
    if (!had_models) {
      con.execute(std::string("INSERT INTO trace_models ") + trace_models_from_spans_sql() + " GROUP BY ALL");
    }
    // ... nor traces.models, the listing's copy of trace_models.
    bool had_column = traces_has_models(con);
    if (!had_column) con.execute("ALTER TABLE traces ADD COLUMN models JSON");
    if (!had_column || !had_models) con.execute(fill_trace_models_sql("true"));
    // Earlier stores' traces and trace_models had a primary key: copied into
    // tables without (one row per trace, or per trace and model: a tenth or
    // less of the spans).
    if (con.query_int(std::string("SELECT ") + kTracesKeysSql) > 0) {
      con.execute(std::string("CREATE TABLE traces_rebuilt") + kTracesColumns);
      con.execute("INSERT INTO traces_rebuilt SELECT * FROM traces");
      con.execute("DROP VIEW IF EXISTS workflows");
      con.execute("DROP TABLE traces");
      con.execute("ALTER TABLE traces_rebuilt RENAME TO traces");
    }
    if (con.query_int(std::string("SELECT ") + kTraceModelsKeysSql) > 0) {
      con.execute(std::string("CREATE TABLE trace_models_rebuilt") + kTraceModelsColumns);
      con.execute("INSERT INTO trace_models_rebuilt SELECT * FROM trace_models");
      con.execute("DROP TABLE trace_models");
      con.execute("ALTER TABLE trace_models_rebuilt RENAME TO trace_models");
    }
    con.execute(kWorkflowsView);
  });
}

}  // namespace flockcpp::detail

// Trace summaries (GET /api/traces, `flock traces list`) and one trace's
// spans (GET /api/traces/{id}).
#include <map>
#include <string>
#include <vector>

#include "flock/error.hpp"
#include "storage/duckdb/duckdb_trace_store.hpp"
#include "flock/model_prices.hpp"
#include "storage/duckdb/store_access.hpp"
#include "storage/duckdb/trace_costs.hpp"
#include "storage/duckdb/trace_store_queries.hpp"
#include "storage/duckdb/transaction.hpp"

namespace flockcpp {

using detail::DuckConnection;
using detail::DuckDbError;
using detail::SqlParam;
using detail::kCorrelationId;
using detail::kIsWorkflow;
using detail::kWorkflowName;
using detail::like_escape;

Json detail::DuckDbTraceStore::list_traces(const TraceFilter& f) const {
  Json empty{{"items", Json::array()}, {"total", 0}};
  return detail::with_store(path_, empty, [&](DuckConnection& con) {
    // Both phases read one snapshot, while the writer may be appending.
    return detail::in_transaction(con, detail::TransactionMode::ReadOnly, [&] {
      Json out = detail::list_traces(con, f);
      detail::add_trace_costs(out["items"], ModelPrices::in_force());
      return out;
    });
  });
}

namespace detail {

namespace {

// Columns of table traces a listing shows.
constexpr const char* kListColumns =
    "trace_id, root_name, workflow_name, start_time, end_time, duration_ms, span_count, error_count, status, "
    "services, agents, error_message, input_tokens, output_tokens, correlation_ids, service_names, models";

std::string json_list_has(const char* column) {
  return std::string("list_contains(from_json(") + column + ", '[\"VARCHAR\"]'), ?)";
}

}  // namespace

// The page reads table traces only, so it costs what the page costs; filters
// that look inside spans (operation, free text) narrow it with a span scan.
Json list_traces(DuckConnection& con, const TraceFilter& f) {
  if (f.sort != "start_time" && f.sort != "duration_ms" && f.sort != "span_count" && f.sort != "error_count") {
    throw Error(ErrorCode::InvalidArgument,
                "sort must be start_time, duration_ms, span_count or error_count, got '" + f.sort + "'");
  }
  if (f.limit < 0 || f.offset < 0) {
    throw Error(ErrorCode::InvalidArgument, "limit and offset must not be negative");
  }
  std::vector<SqlParam> params;
  std::string where = " WHERE true";
  auto cond = [&](const std::string& c) { where += " AND (" + c + ")"; };
  if (f.workflow) {
    // The trace's own workflow, or one nested in it.
    cond("workflow_name = ? OR trace_id IN (SELECT trace_id FROM spans WHERE " + std::string(kIsWorkflow) + " AND " +
         kWorkflowName + " = ?)");
    params.emplace_back(*f.workflow);
    params.emplace_back(*f.workflow);
  }
  if (f.service) {
    // A span's service (Agent, LLMEngine, a workflow) or the program's
    // service.name (OTEL_SERVICE_NAME).
    cond(json_list_has("services") + " OR " + json_list_has("service_names"));
    params.emplace_back(*f.service);
    params.emplace_back(*f.service);
  }
  if (f.agent) {
    cond(json_list_has("agents"));
    params.emplace_back(*f.agent);
  }
  if (f.correlation_id) {
    cond(json_list_has("correlation_ids"));
    params.emplace_back(*f.correlation_id);
  }
  if (f.tag) {
    cond(json_list_has("tags"));
    params.emplace_back(*f.tag);
  }
  if (f.operation) {
    cond("trace_id IN (SELECT trace_id FROM spans WHERE name = ? OR operation = ?)");
    params.emplace_back(*f.operation);
    params.emplace_back(*f.operation);
  }
  if (f.text) {
    // The trace's own text (id prefix, names, agents, the error message),
    // then its spans' names, attributes (inputs, outputs) and errors.
    std::string pattern = "%" + like_escape(*f.text) + "%";
    cond("trace_id LIKE ? ESCAPE '\\' OR root_name ILIKE ? ESCAPE '\\' OR workflow_name ILIKE ? ESCAPE '\\' OR "
         "error_message ILIKE ? ESCAPE '\\' OR CAST(agents AS VARCHAR) ILIKE ? ESCAPE '\\' OR trace_id IN (SELECT "
         "trace_id FROM spans WHERE name ILIKE ? ESCAPE '\\' OR status_description ILIKE ? ESCAPE '\\' OR "
         "CAST(attributes AS VARCHAR) ILIKE ? ESCAPE '\\')");
    params.emplace_back(like_escape(*f.text) + "%");
    for (int i = 0; i < 7; ++i) params.emplace_back(pattern);
  }
  if (f.status) cond(*f.status == "error" ? "status = 'ERROR'" : "status = 'OK'");
  if (f.min_duration_ms) {
    cond("duration_ms >= ?");
    params.emplace_back(*f.min_duration_ms);
  }
  if (f.max_duration_ms) {
    cond("duration_ms <= ?");
    params.emplace_back(*f.max_duration_ms);
  }
  if (f.since_ns) {
    cond("start_time >= ?");
    params.emplace_back(*f.since_ns);
  }
  if (f.until_ns) {
    cond("start_time <= ?");
    params.emplace_back(*f.until_ns);
  }
  Json out{{"items", Json::array()}, {"total", 0}};
  Json total = con.query_table("SELECT count(*) FROM traces" + where, params).rows;
  out["total"] = total.empty() ? Json(0) : total[0][0];
  std::string order = f.sort + (f.ascending ? " ASC" : " DESC") + ", trace_id" + (f.ascending ? " ASC" : " DESC");
  // LIMIT and OFFSET are written into the statement: as parameters DuckDB
  // sorts every row instead of keeping the top N (3x slower at 1M spans).
  Json rows = con.query_objects(std::string("SELECT ") + kListColumns + " FROM traces" + where + " ORDER BY " + order +
                                    " LIMIT " + std::to_string(f.limit) + " OFFSET " + std::to_string(f.offset),
                                params);
  for (auto& r : rows) out["items"].push_back(std::move(r));
  return out;
}

namespace {
constexpr const char* kSpanColumns =
    "trace_id, span_id, parent_id, name, service, operation, kind, start_time, end_time, duration_ms, "
    "status_code, status_description, attributes, events, links, resource, CAST(created_at AS VARCHAR) AS "
    "created_at";
}

Json trace_spans(DuckConnection& con, const std::string& trace_id) {
  // The trace's time range from its summary lets DuckDB skip every row group
  // outside it (zone maps on start_time); spans has no index on trace_id.
  JsonTable range = con.query_table("SELECT start_time, end_time FROM traces WHERE trace_id = ?", {trace_id});
  if (range.rows.empty()) return Json::array();
  return con.query_objects(std::string("SELECT ") + kSpanColumns +
                               " FROM spans WHERE trace_id = ? AND start_time BETWEEN ? AND ? ORDER BY start_time, span_id",
                           {trace_id, range.rows[0][0].get<std::int64_t>(), range.rows[0][1].get<std::int64_t>()});
}

}  // namespace detail

std::optional<Json> detail::DuckDbTraceStore::trace_json(const std::string& trace_id) const {
  Json spans = detail::with_store(path_, Json::array(), [&](DuckConnection& con) { return detail::trace_spans(con, trace_id); });
  if (spans.empty()) return std::nullopt;
  return Json{{"trace_id", trace_id}, {"spans", std::move(spans)}};
}

}  // namespace flockcpp

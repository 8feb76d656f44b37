// Trace summaries (GET /api/traces, `flock traces list`) and one trace's
// spans (GET /api/traces/{id}).
#include <map>

#include "flock/trace_reader.hpp"
#include "storage/store_access.hpp"
#include "storage/trace_store_queries.hpp"

namespace flockcpp {

using detail::DuckConnection;
using detail::DuckDbError;
using detail::SqlParam;
using detail::kCorrelationId;
using detail::kIsWorkflow;
using detail::kWorkflowName;
using detail::like_escape;

Json TraceStoreReader::list_traces(const TraceFilter& f) const {
  Json empty{{"items", Json::array()}, {"total", 0}};
  return detail::with_store(path_, empty, [&](DuckConnection& con) {
    // Both phases read one snapshot, while the writer may be appending.
    con.execute("BEGIN TRANSACTION READ ONLY");
    try {
      Json out = detail::list_traces(con, f);
      con.execute("COMMIT");
      return out;
    } catch (...) {
      try {
        con.execute("ROLLBACK");
      } catch (const DuckDbError&) {
      }
      throw;
    }
  });
}

namespace detail {

Json list_traces(DuckConnection& con, const TraceFilter& f) {
  {
    std::vector<SqlParam> params;
    // Span-level filters that need the JSON attributes narrow the traces first.
    std::string prefilter;
    auto restrict_to = [&](const std::string& cond) {
      prefilter += " AND trace_id IN (SELECT trace_id FROM spans WHERE " + cond + ")";
    };
    if (f.workflow) {
      restrict_to(std::string(kIsWorkflow) + " AND " + kWorkflowName + " = ?");
      params.emplace_back(*f.workflow);
    }
    if (f.correlation_id) {
      restrict_to(std::string(kCorrelationId) + " = ?");
      params.emplace_back(*f.correlation_id);
    }
    if (f.tag) {
      restrict_to("list_contains(json_extract_string(attributes, '$.artifact.tags[*]'), ?)");
      params.emplace_back(*f.tag);
    }
    if (f.text) {
      // Names, and any attribute text (agent names, input and output values).
      restrict_to("trace_id LIKE ? ESCAPE '\\' OR name ILIKE ? ESCAPE '\\' OR CAST(attributes AS VARCHAR) ILIKE ? "
                  "ESCAPE '\\'");
      std::string pattern = "%" + like_escape(*f.text) + "%";
      params.emplace_back(like_escape(*f.text) + "%");
      params.emplace_back(pattern);
      params.emplace_back(pattern);
    }
    std::string having;
    auto cond = [&](const std::string& c) { having += " AND " + c; };
    if (f.service) {
      cond("list_contains(services, ?)");
      params.emplace_back(*f.service);
    }
    if (f.operation) {
      cond("trace_id IN (SELECT trace_id FROM spans WHERE name = ? OR operation = ?)");
      params.emplace_back(*f.operation);
      params.emplace_back(*f.operation);
    }
    if (f.status) cond(*f.status == "error" ? "error_count > 0" : "error_count = 0");
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
    params.emplace_back(f.limit);
    params.emplace_back(f.offset);
    // Phase 1: the page, from plain columns only.
    std::string sql =
        "WITH t AS (SELECT trace_id, min(start_time) AS start_time, (max(end_time) - min(start_time)) / 1e6 AS "
        "duration_ms, count(*) AS span_count, count(*) FILTER (WHERE status_code = 'ERROR') AS error_count, "
        "coalesce(min_by(name, start_time) FILTER (WHERE parent_id IS NULL), min_by(name, start_time)) AS "
        "root_name, list(DISTINCT service ORDER BY service) FILTER (WHERE service IS NOT NULL) AS services "
        "FROM spans WHERE true" +
        prefilter +
        " GROUP BY trace_id) SELECT trace_id, root_name, start_time, duration_ms, span_count, error_count, "
        "to_json(coalesce(services, [])) AS services, count(*) OVER () AS total FROM t WHERE true" +
        having + " ORDER BY start_time DESC, trace_id LIMIT ? OFFSET ?";
    Json rows = con.query_objects(sql, params);
    Json out{{"items", Json::array()}, {"total", 0}};
    if (rows.empty()) {
      // total still counts matches when the page is past the end.
      if (f.offset > 0) {
        params[params.size() - 2] = std::int64_t{1};
        params.back() = std::int64_t{0};
        Json first = con.query_objects(sql, params);
        if (!first.empty()) out["total"] = first[0]["total"];
      }
      return out;
    }
    out["total"] = rows[0]["total"];
    // Phase 2: workflow names and correlation ids of the page's traces only.
    std::string ids;
    std::vector<SqlParam> id_params;
    for (auto& r : rows) {
      ids += ids.empty() ? "?" : ",?";
      id_params.emplace_back(r["trace_id"].get<std::string>());
    }
    Json extra = con.query_objects(
        "SELECT trace_id, min_by(" + std::string(kWorkflowName) + ", start_time) FILTER (WHERE " + kIsWorkflow +
            ") AS workflow_name, to_json(coalesce(list(DISTINCT " + kCorrelationId + " ORDER BY " + kCorrelationId +
            ") FILTER (WHERE " + kCorrelationId + " IS NOT NULL), [])) AS correlation_ids FROM spans WHERE trace_id IN (" +
            ids + ") GROUP BY trace_id",
        id_params);
    std::map<std::string, Json> by_id;
    for (auto& e : extra) by_id[e["trace_id"].get<std::string>()] = e;
    const Json none = Json::object();
    for (auto& r : rows) {
      auto found = by_id.find(r["trace_id"].get<std::string>());
      const Json& e = found == by_id.end() ? none : found->second;
      Json item{{"trace_id", r["trace_id"]},
                {"root_name", r["root_name"]},
                {"workflow_name", e.value("workflow_name", Json(nullptr))},
                {"start_time", r["start_time"]},
                {"duration_ms", r["duration_ms"]},
                {"span_count", r["span_count"]},
                {"error_count", r["error_count"]},
                {"services", r["services"]},
                {"correlation_ids", e.value("correlation_ids", Json::array())}};
      out["items"].push_back(std::move(item));
    }
    return out;
  }
}

namespace {
constexpr const char* kSpanColumns =
    "trace_id, span_id, parent_id, name, service, operation, kind, start_time, end_time, duration_ms, "
    "status_code, status_description, attributes, events, links, resource, CAST(created_at AS VARCHAR) AS "
    "created_at";
}

Json trace_spans(DuckConnection& con, const std::string& trace_id) {
  return con.query_objects(std::string("SELECT ") + kSpanColumns +
                               " FROM spans WHERE trace_id = ? ORDER BY start_time, span_id",
                           {trace_id});
}

}  // namespace detail

std::optional<Json> TraceStoreReader::trace_json(const std::string& trace_id) const {
  Json spans = detail::with_store(path_, Json::array(), [&](DuckConnection& con) { return detail::trace_spans(con, trace_id); });
  if (spans.empty()) return std::nullopt;
  return Json{{"trace_id", trace_id}, {"spans", std::move(spans)}};
}

}  // namespace flockcpp

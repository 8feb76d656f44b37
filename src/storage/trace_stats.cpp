// Totals and statistics of a trace store: services and operations, store
// totals, per-workflow and per-service figures, and the call graph.
#include <cmath>
#include <filesystem>

#include "flock/trace_reader.hpp"
#include "storage/store_access.hpp"

namespace flockcpp {

namespace fs = std::filesystem;
using detail::DuckConnection;
using detail::kIsWorkflow;
using detail::kWorkflowName;

Json TraceStoreReader::services() const {
  Json empty{{"services", Json::array()}, {"operations", Json::array()}};
  return detail::with_store(path_, empty, [&](DuckConnection& con) {
    Json out = empty;
    for (auto& r : con.query_table("SELECT DISTINCT service FROM spans WHERE service IS NOT NULL ORDER BY 1").rows)
      out["services"].push_back(r[0]);
    for (auto& r : con.query_table("SELECT DISTINCT name FROM spans ORDER BY 1").rows)
      out["operations"].push_back(r[0]);
    return out;
  });
}

Json TraceStoreReader::stats() const {
  std::error_code ec;
  double bytes = 0;
  if (fs::exists(path_, ec)) bytes += static_cast<double>(fs::file_size(path_, ec));
  if (fs::exists(path_ + ".wal", ec)) bytes += static_cast<double>(fs::file_size(path_ + ".wal", ec));
  Json empty{{"total_spans", 0},     {"total_traces", 0},  {"services_count", 0},
             {"oldest_trace", nullptr}, {"newest_trace", nullptr}, {"database_size_mb", 0.0}};
  Json out = detail::with_store(path_, empty, [&](DuckConnection& con) {
    Json row = con.query_objects(
        "SELECT (SELECT count(*) FROM spans) AS total_spans, count(*) AS total_traces, (SELECT count(DISTINCT "
        "service) FROM spans) AS services_count, min(start_time) AS oldest, max(start_time) AS newest FROM traces")[0];
    Json o = empty;
    o["total_spans"] = row["total_spans"];
    o["total_traces"] = row["total_traces"];
    o["services_count"] = row["services_count"];
    if (row["oldest"].is_number()) o["oldest_trace"] = iso8601_ns(row["oldest"].get<std::int64_t>());
    if (row["newest"].is_number()) o["newest_trace"] = iso8601_ns(row["newest"].get<std::int64_t>());
    return o;
  });
  out["database_size_mb"] = std::round(bytes / (1024.0 * 1024.0) * 1000.0) / 1000.0;
  return out;
}

namespace {
constexpr const char* kDurationStats =
    "count(*) FILTER (WHERE status_code = 'ERROR') AS errors, "
    "round(count(*) FILTER (WHERE status_code = 'ERROR') / count(*), 4) AS error_rate, "
    "round(avg(duration_ms), 3) AS avg_ms, round(quantile_cont(duration_ms, 0.5), 3) AS p50_ms, "
    "round(quantile_cont(duration_ms, 0.95), 3) AS p95_ms, round(max(duration_ms), 3) AS max_ms";
}

Json TraceStoreReader::workflow_stats() const {
  // A run counts as an error when any span of its trace failed (an agent
  // failing does not fail the workflow span itself).
  return detail::with_store(path_, Json{{"workflows", Json::array()}}, [&](DuckConnection& con) {
    return Json{{"workflows",
                 con.query_objects(
                     "WITH w AS (SELECT trace_id, " + std::string(kWorkflowName) +
                     " AS workflow_name, duration_ms, status_code FROM spans WHERE " + kIsWorkflow +
                     "), failed AS (SELECT DISTINCT trace_id FROM spans WHERE status_code = 'ERROR' AND trace_id IN "
                     "(SELECT trace_id FROM w)) SELECT workflow_name, count(*) AS runs, count(failed.trace_id) AS "
                     "errors, round(count(failed.trace_id) / count(*), 4) AS error_rate, round(avg(duration_ms), 3) "
                     "AS avg_ms, round(quantile_cont(duration_ms, 0.5), 3) AS p50_ms, round(quantile_cont(duration_ms, "
                     "0.95), 3) AS p95_ms, round(max(duration_ms), 3) AS max_ms FROM w LEFT JOIN failed USING "
                     "(trace_id) GROUP BY 1 ORDER BY runs DESC, workflow_name")}};
  });
}

Json TraceStoreReader::service_stats() const {
  return detail::with_store(path_, Json{{"services", Json::array()}}, [&](DuckConnection& con) {
    return Json{{"services", con.query_objects(
                                 "SELECT service, count(*) AS spans, " + std::string(kDurationStats) +
                                 ", round(count(*) / greatest((max(end_time) - min(start_time)) / 1e9, 1e-3), 3) "
                                 "AS rate_per_s FROM spans WHERE service IS NOT NULL GROUP BY 1 ORDER BY spans DESC")}};
  });
}

Json TraceStoreReader::dependencies() const {
  return detail::with_store(path_, Json{{"edges", Json::array()}}, [&](DuckConnection& con) {
    // An agent's execution is named by its agent; any other span by its service.
    auto who = [](const char* t) {
      return std::string("CASE WHEN ") + t + ".name = 'Agent.execute' THEN coalesce(json_extract_string(" + t +
             ".attributes, '$.agent.name'), " + t + ".service) ELSE " + t + ".service END";
    };
    return Json{{"edges", con.query_objects("SELECT parent, child, count(*) AS calls, count(*) FILTER (WHERE "
                                            "status = 'ERROR') AS errors FROM (SELECT " +
                                            who("p") + " AS parent, " + who("c") +
                                            " AS child, c.status_code AS status FROM spans c JOIN spans p ON "
                                            "c.parent_id = p.span_id AND c.trace_id = p.trace_id) WHERE parent IS "
                                            "NOT NULL AND child IS NOT NULL AND parent <> child GROUP BY 1, 2 "
                                            "ORDER BY calls DESC, parent, child")}};
  });
}

}  // namespace flockcpp

// Totals and statistics of a trace store: services and operations, store
// totals, per-workflow and per-service figures, and the call graph.
#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>
#include <filesystem>

#include "common/saturating.hpp"
#include "flock/error.hpp"
#include "storage/duckdb/duckdb_trace_store.hpp"
#include "flock/model_prices.hpp"
#include "storage/duckdb/store_access.hpp"
#include "storage/duckdb/trace_costs.hpp"

namespace flockcpp {

namespace fs = std::filesystem;
using detail::DuckConnection;
using detail::kIsWorkflow;
using detail::kWorkflowName;

Json detail::DuckDbTraceStore::services() const {
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

Json detail::DuckDbTraceStore::stats() const {
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
    "round(quantile_cont(duration_ms, 0.95), 3) AS p95_ms, round(quantile_cont(duration_ms, 0.99), 3) AS p99_ms, "
    "round(max(duration_ms), 3) AS max_ms";
}

Json detail::DuckDbTraceStore::workflow_stats() const {
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

Json detail::DuckDbTraceStore::service_stats() const {
  return detail::with_store(path_, Json{{"services", Json::array()}}, [&](DuckConnection& con) {
    return Json{{"services", con.query_objects(
                                 "SELECT service, count(*) AS spans, " + std::string(kDurationStats) +
                                 ", round(count(*) / greatest((max(end_time) - min(start_time)) / 1e9, 1e-3), 3) "
                                 "AS rate_per_s FROM spans WHERE service IS NOT NULL GROUP BY 1 ORDER BY spans DESC")}};
  });
}

Json detail::DuckDbTraceStore::agent_stats() const {
  // Runs are the agents' Agent.execute spans; tokens are summed over every
  // span of an agent that records gen_ai.usage (its model calls), and priced
  // per model.
  return detail::with_store(path_, Json{{"agents", Json::array()}}, [&](DuckConnection& con) {
    Json agents = con.query_objects(
        "WITH runs AS (SELECT json_extract_string(attributes, '$.agent.name') AS agent_name, duration_ms, "
        "status_code FROM spans WHERE name = 'Agent.execute') SELECT agent_name, count(*) AS runs, " +
        std::string(kDurationStats) + " FROM runs WHERE agent_name IS NOT NULL GROUP BY agent_name ORDER BY runs "
        "DESC, agent_name");
    detail::JsonTable usage = con.query_table(
        "SELECT json_extract_string(attributes, '$.agent.name') AS agent_name, " + std::string(detail::kModelOf) +
        " AS model, count(*), " + detail::kInputTokens + ", " + detail::kOutputTokens + " FROM spans WHERE " +
        detail::kIsModelCall + " AND json_extract_string(attributes, '$.agent.name') IS NOT NULL GROUP BY ALL "
        "ORDER BY 1, 4 + 5 DESC, 2");
    std::map<std::string, Json> models;
    for (const Json& r : usage.rows) {
      Json& list = models[r[0].get<std::string>()];
      if (list.is_null()) list = Json::array();
      list.push_back(detail::priced_usage(ModelPrices::in_force(), r[1].get<std::string>(),
                                          r[2].get<std::int64_t>(), r[3].get<std::int64_t>(),
                                          r[4].get<std::int64_t>()));
    }
    for (Json& a : agents) {
      auto it = models.find(a["agent_name"].get<std::string>());
      Json list = it == models.end() ? Json::array() : std::move(it->second);
      std::int64_t in = 0, out = 0;
      for (const Json& m : list) {
        in = detail::saturating_add(in, m["input_tokens"].get<std::int64_t>());
        out = detail::saturating_add(out, m["output_tokens"].get<std::int64_t>());
      }
      a["input_tokens"] = in;
      a["output_tokens"] = out;
      a["cost_usd"] = detail::total_cost(list);
      a["models"] = std::move(list);
    }
    return Json{{"agents", std::move(agents)}};
  });
}

Json detail::DuckDbTraceStore::model_stats() const {
  // Every model call (a span naming a model or recording token usage), by
  // the model that answered.
  Json empty{{"models", Json::array()}, {"prices", ModelPrices::in_force().source()}};
  return detail::with_store(path_, empty, [&](DuckConnection& con) {
    detail::JsonTable rows = con.query_table(
        "SELECT " + std::string(detail::kModelOf) + " AS model, count(*), " + detail::kInputTokens + ", " +
        detail::kOutputTokens + ", count(*) FILTER (WHERE status_code = 'ERROR'), round(quantile_cont(duration_ms, "
        "0.5), 3), round(quantile_cont(duration_ms, 0.95), 3), round(quantile_cont(duration_ms, 0.99), 3), "
        "count(DISTINCT trace_id) FROM spans WHERE " + detail::kIsModelCall + " GROUP BY 1 ORDER BY 3 + 4 DESC, 1");
    Json out = empty;
    for (const Json& r : rows.rows) {
      Json m = detail::priced_usage(ModelPrices::in_force(), r[0].get<std::string>(), r[1].get<std::int64_t>(),
                                    r[2].get<std::int64_t>(), r[3].get<std::int64_t>());
      m["errors"] = r[4];
      m["p50_ms"] = r[5];
      m["p95_ms"] = r[6];
      m["p99_ms"] = r[7];
      m["traces"] = r[8];
      out["models"].push_back(std::move(m));
    }
    return out;
  });
}

Json detail::DuckDbTraceStore::agents_seen() const {
  // What the spans tell of each agent: the types it consumed and published.
  return detail::with_store(path_, Json{{"agents", Json::array()}}, [&](DuckConnection& con) {
    return Json{{"agents",
                 con.query_objects(
                     "SELECT json_extract_string(attributes, '$.agent.name') AS name, "
                     "to_json(coalesce(list(DISTINCT json_extract_string(attributes, '$.input.type') ORDER BY "
                     "json_extract_string(attributes, '$.input.type')) FILTER (WHERE "
                     "json_extract_string(attributes, '$.input.type') IS NOT NULL), [])) AS consumes, "
                     "to_json(list_sort(list_distinct(flatten(list(CASE WHEN json_type(attributes, '$.output.type') = "
                     "'ARRAY' THEN json_extract_string(attributes, '$.output.type[*]') WHEN "
                     "json_extract_string(attributes, '$.output.type') IS NOT NULL THEN "
                     "[json_extract_string(attributes, '$.output.type')] ELSE [] END))))) AS publishes, "
                     "count(*) AS runs, max(end_time) AS last_seen FROM spans WHERE name = 'Agent.execute' AND "
                     "json_extract_string(attributes, '$.agent.name') IS NOT NULL GROUP BY 1 ORDER BY 1")}};
  });
}

namespace {

constexpr std::size_t kNone = static_cast<std::size_t>(-1);

struct Node {
  std::string parent;
  std::string label;  // an agent, a workflow or a root; empty for any other span
  bool agent = false;
  bool error = false;
};

// For every span, the label of the nearest labelled span on its parent chain,
// itself included (null: none, the chain ends or loops first). Each span is
// resolved once, so hostile chains (20,000 spans under a parent cycle) cost
// linear time, not a walk per span.
std::vector<const std::string*> nearest_labels(const std::vector<Node>& nodes, const std::vector<std::size_t>& parent) {
  enum : unsigned char { Unvisited, OnPath, Resolved };
  std::vector<unsigned char> state(nodes.size(), Unvisited);
  std::vector<const std::string*> label(nodes.size(), nullptr);
  std::vector<std::size_t> path;
  for (std::size_t start = 0; start < nodes.size(); ++start) {
    const std::string* found = nullptr;
    std::size_t at = start;
    while (at != kNone && state[at] == Unvisited) {
      if (!nodes[at].label.empty()) {
        found = &nodes[at].label;
        break;
      }
      state[at] = OnPath;
      path.push_back(at);
      at = parent[at];
    }
    if (found == nullptr && at != kNone && state[at] == Resolved) found = label[at];
    // (OnPath: the chain loops back into itself, no label on it)
    if (found != nullptr && at != kNone && state[at] == Unvisited) {
      state[at] = Resolved;
      label[at] = found;
    }
    for (std::size_t p : path) {
      state[p] = Resolved;
      label[p] = found;
    }
    path.clear();
  }
  return label;
}

// Edges between agents: each agent execution is charged to the nearest
// enclosing agent execution, else to its workflow (or the trace's root), so
// hook and engine spans vanish and a chain of agents reads as one. A parent
// chain that loops without a label charges to "external".
Json agent_edges(DuckConnection& con) {
  detail::JsonTable rows = con.query_table(
      "WITH recent AS (SELECT trace_id FROM traces ORDER BY start_time DESC LIMIT 5000) "
      "SELECT span_id, parent_id, name, status_code, json_extract_string(attributes, '$.agent.name') AS agent, "
      "json_extract_string(attributes, '$.workflow.name') AS workflow FROM spans WHERE trace_id IN "
      "(SELECT trace_id FROM recent)");
  std::unordered_map<std::string, std::size_t> index;  // span id -> node
  std::vector<Node> nodes;
  nodes.reserve(rows.rows.size());
  index.reserve(rows.rows.size());
  for (const Json& r : rows.rows) {
    Node n;
    n.parent = r[1].is_string() ? r[1].get<std::string>() : "";
    bool is_agent = r[2] == "Agent.execute" && r[4].is_string();
    n.agent = is_agent;
    n.error = r[3] == "ERROR";
    if (is_agent) {
      n.label = r[4].get<std::string>();
    } else if (r[5].is_string()) {
      n.label = r[5].get<std::string>();
    } else if (n.parent.empty()) {
      n.label = r[2].get<std::string>();
    }
    if (index.emplace(r[0].get<std::string>(), nodes.size()).second) nodes.push_back(std::move(n));
  }
  std::vector<std::size_t> parent(nodes.size(), kNone);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    auto it = nodes[i].parent.empty() ? index.end() : index.find(nodes[i].parent);
    if (it != index.end()) parent[i] = it->second;
  }
  std::vector<const std::string*> caller = nearest_labels(nodes, parent);
  std::map<std::pair<std::string, std::string>, std::pair<std::int64_t, std::int64_t>> edges;
  static const std::string kExternal = "external";
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const Node& n = nodes[i];
    if (!n.agent) continue;
    const std::string* by = parent[i] == kNone ? nullptr : caller[parent[i]];
    auto& e = edges[{by == nullptr ? kExternal : *by, n.label}];
    ++e.first;
    if (n.error) ++e.second;
  }
  Json out = Json::array();
  for (const auto& [key, counts] : edges) {
    out.push_back(Json{{"parent", key.first}, {"child", key.second}, {"calls", counts.first}, {"errors", counts.second}});
  }
  std::sort(out.begin(), out.end(), [](const Json& a, const Json& b) { return a["calls"] > b["calls"]; });
  return out;
}

}  // namespace

Json detail::DuckDbTraceStore::dependencies(const std::string& by) const {
  if (by != "agent" && by != "service" && by != "operation") {
    throw Error(ErrorCode::InvalidArgument, "by must be agent, service or operation, got '" + by + "'");
  }
  return detail::with_store(path_, Json{{"edges", Json::array()}, {"by", by}}, [&](DuckConnection& con) {
    if (by == "agent") return Json{{"edges", agent_edges(con)}, {"by", by}};
    // By service, an agent's execution is named by its agent; by operation,
    // every span by its full name.
    auto who = [&](const char* t) {
      if (by == "operation") return std::string(t) + ".name";
      return std::string("CASE WHEN ") + t + ".name = 'Agent.execute' THEN coalesce(json_extract_string(" + t +
             ".attributes, '$.agent.name'), " + t + ".service) ELSE " + t + ".service END";
    };
    return Json{{"edges", con.query_objects("SELECT parent, child, count(*) AS calls, count(*) FILTER (WHERE "
                                            "status = 'ERROR') AS errors FROM (SELECT " +
                                            who("p") + " AS parent, " + who("c") +
                                            " AS child, c.status_code AS status FROM spans c JOIN spans p ON "
                                            "c.parent_id = p.span_id AND c.trace_id = p.trace_id) WHERE parent IS "
                                            "NOT NULL AND child IS NOT NULL AND parent <> child GROUP BY 1, 2 "
                                            "ORDER BY calls DESC, parent, child")},
                {"by", by}};
  });
}

}  // namespace flockcpp

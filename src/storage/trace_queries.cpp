#include "storage/trace_queries.hpp"

#include <duckdb.h>

#include <cctype>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "exporters/otlp/otlp_encoding.hpp"
#include "storage/clear_traces.hpp"
#include "storage/duckdb_handle.hpp"
#include "storage/sql_sandbox.hpp"
#include "storage/store_file.hpp"
#include "storage/stored_span.hpp"
#include "tracing/resource.hpp"

namespace flock::detail {

namespace fs = std::filesystem;

namespace {

constexpr const char* kWorkflowName = "json_extract_string(attributes, '$.workflow.name')";
constexpr const char* kIsWorkflow = "json_extract_string(attributes, '$.flock.workflow') = 'true'";
constexpr const char* kCorrelationId = "json_extract_string(attributes, '$.correlation_id')";

bool missing_table(const std::string& message) {
  return message.find("Table with name spans does not exist") != std::string::npos;
}

// Runs fn on a connection to the store; an absent store (or one without its
// table yet) gives `empty`.
template <class F>
Json with_store(const std::string& path, Json empty, F&& fn) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return empty;
  auto lease = StoreFile::at(path).share(false, /*linger=*/true);
  DuckConnection con(lease.db());
  try {
    return fn(con);
  } catch (const DuckDbError& e) {
    if (missing_table(e.what())) return empty;
    throw;
  }
}

std::string like_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

bool TraceQueries::store_exists() const {
  std::error_code ec;
  return fs::exists(path_, ec);
}

Json TraceQueries::list_traces(const TraceFilter& f) const {
  Json empty{{"items", Json::array()}, {"total", 0}};
  return with_store(path_, empty, [&](DuckConnection& con) {
    // Both phases read one snapshot, while the writer may be appending.
    con.execute("BEGIN TRANSACTION READ ONLY");
    try {
      Json out = list_traces(con, f);
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

Json TraceQueries::list_traces(DuckConnection& con, const TraceFilter& f) {
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

Json TraceQueries::trace_spans(DuckConnection& con, const std::string& trace_id) {
  return con.query_objects(std::string("SELECT ") + kSpanColumns +
                               " FROM spans WHERE trace_id = ? ORDER BY start_time, span_id",
                           {trace_id});
}

std::optional<Json> TraceQueries::trace(const std::string& trace_id) const {
  Json spans = with_store(path_, Json::array(), [&](DuckConnection& con) { return trace_spans(con, trace_id); });
  if (spans.empty()) return std::nullopt;
  return Json{{"trace_id", trace_id}, {"spans", std::move(spans)}};
}

std::optional<std::string> TraceQueries::trace_otlp_json(const std::string& trace_id) const {
  auto t = trace(trace_id);
  if (!t) return std::nullopt;
  // Spans grouped by resource, as an ExportTraceServiceRequest groups them.
  std::map<std::string, std::vector<SpanData>> by_resource;
  std::map<std::string, Json> resources;
  for (const Json& row : (*t)["spans"]) {
    std::string key = row["resource"].dump();
    resources[key] = row["resource"];
    by_resource[key].push_back(span_data_from_row(row));
  }
  Json request{{"resourceSpans", Json::array()}};
  for (auto& [key, spans] : by_resource) {
    OtlpResource resource;
    resource.attributes = attributes_from_json(resources[key]);
    resource.scope_version = kSdkVersion;
    Json part = Json::parse(encode_otlp_json(spans, resource));
    for (auto& rs : part["resourceSpans"]) request["resourceSpans"].push_back(std::move(rs));
  }
  return request.dump();
}

Json TraceQueries::services() const {
  Json empty{{"services", Json::array()}, {"operations", Json::array()}};
  return with_store(path_, empty, [&](DuckConnection& con) {
    Json out = empty;
    for (auto& r : con.query_table("SELECT DISTINCT service FROM spans WHERE service IS NOT NULL ORDER BY 1").rows)
      out["services"].push_back(r[0]);
    for (auto& r : con.query_table("SELECT DISTINCT name FROM spans ORDER BY 1").rows)
      out["operations"].push_back(r[0]);
    return out;
  });
}

Json TraceQueries::stats() const {
  std::error_code ec;
  double bytes = 0;
  if (fs::exists(path_, ec)) bytes += static_cast<double>(fs::file_size(path_, ec));
  if (fs::exists(path_ + ".wal", ec)) bytes += static_cast<double>(fs::file_size(path_ + ".wal", ec));
  Json empty{{"total_spans", 0},     {"total_traces", 0},  {"services_count", 0},
             {"oldest_trace", nullptr}, {"newest_trace", nullptr}, {"database_size_mb", 0.0}};
  Json out = with_store(path_, empty, [&](DuckConnection& con) {
    Json row = con.query_objects(
        "SELECT count(*) AS total_spans, count(DISTINCT trace_id) AS total_traces, count(DISTINCT service) AS "
        "services_count, min(start_time) AS oldest, max(start_time) AS newest FROM spans")[0];
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

Json TraceQueries::workflow_stats() const {
  // A run counts as an error when any span of its trace failed (an agent
  // failing does not fail the workflow span itself).
  return with_store(path_, Json{{"workflows", Json::array()}}, [&](DuckConnection& con) {
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

Json TraceQueries::service_stats() const {
  return with_store(path_, Json{{"services", Json::array()}}, [&](DuckConnection& con) {
    return Json{{"services", con.query_objects(
                                 "SELECT service, count(*) AS spans, " + std::string(kDurationStats) +
                                 ", round(count(*) / greatest((max(end_time) - min(start_time)) / 1e9, 1e-3), 3) "
                                 "AS rate_per_s FROM spans WHERE service IS NOT NULL GROUP BY 1 ORDER BY spans DESC")}};
  });
}

Json TraceQueries::dependencies() const {
  return with_store(path_, Json{{"edges", Json::array()}}, [&](DuckConnection& con) {
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

Json TraceQueries::run_sql(const std::string& sql, const SqlLimits& limits) const {
  return run_sandboxed_sql(path_, sql, limits);
}

ClearResult TraceQueries::clear() const { return clear_trace_store(path_); }

std::string iso8601_ns(std::int64_t ns) {
  std::time_t secs = static_cast<std::time_t>(ns / 1000000000);
  std::int64_t frac = ns % 1000000000;
  if (frac < 0) {
    frac += 1000000000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(frac / 1000));
  return buf;
}

std::optional<std::int64_t> parse_time_ns(const std::string& text) {
  if (text.empty()) return std::nullopt;
  bool digits = text.find_first_not_of("0123456789") == std::string::npos;
  if (digits) {
    if (text.size() > 19) return std::nullopt;
    try {
      return std::stoll(text);
    } catch (...) {
      return std::nullopt;
    }
  }
  // YYYY-MM-DD[THH:MM[:SS[.fraction]]][Z|+HH:MM|-HH:MM]
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &consumed) != 3 || consumed != 10) return std::nullopt;
  std::size_t pos = 10;
  std::int64_t frac_ns = 0;
  if (pos < text.size() && (text[pos] == 'T' || text[pos] == ' ')) {
    int c2 = 0;
    if (std::sscanf(text.c_str() + pos + 1, "%2d:%2d%n", &h, &mi, &c2) != 2 || c2 != 5) return std::nullopt;
    pos += 1 + 5;
    if (pos < text.size() && text[pos] == ':') {
      int c3 = 0;
      if (std::sscanf(text.c_str() + pos + 1, "%2d%n", &s, &c3) != 1 || c3 != 2) return std::nullopt;
      pos += 3;
      if (pos < text.size() && text[pos] == '.') {
        ++pos;
        std::int64_t scale = 100000000;
        while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
          frac_ns += (text[pos] - '0') * scale;
          scale /= 10;
          ++pos;
        }
      }
    }
  }
  std::int64_t offset_s = 0;
  if (pos < text.size()) {
    if (text[pos] == 'Z' && pos + 1 == text.size()) {
      ++pos;
    } else if ((text[pos] == '+' || text[pos] == '-') && text.size() - pos == 6 && text[pos + 3] == ':') {
      int oh = 0, om = 0;
      if (std::sscanf(text.c_str() + pos + 1, "%2d:%2d", &oh, &om) != 2) return std::nullopt;
      offset_s = (oh * 3600 + om * 60) * (text[pos] == '+' ? 1 : -1);
      pos = text.size();
    } else {
      return std::nullopt;
    }
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  // Nanoseconds since the epoch fit in 64 bits from 1678 to 2261.
  if (y < 1678 || y > 2261) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  std::int64_t secs = static_cast<std::int64_t>(timegm(&tm)) - offset_s;
  return secs * 1000000000 + frac_ns;
}

}  // namespace flock::detail

#include "storage/duckdb/trace_summaries.hpp"

#include <algorithm>
#include <limits>
#include <variant>

#include "common/hex.hpp"
#include "common/saturating.hpp"
#include "storage/duckdb/schema.hpp"
#include "storage/span_json.hpp"
#include "storage/duckdb/span_row.hpp"

namespace flockcpp::detail {

namespace {

const RecordedValue* find(const SpanData& s, std::string_view key) {
  for (const auto& a : s.attributes) {
    if (a.key == key) return &a.value;
  }
  return nullptr;
}

const std::string* text(const SpanData& s, std::string_view key) {
  const RecordedValue* v = find(s, key);
  return v != nullptr ? std::get_if<std::string>(v) : nullptr;
}

// A token count: a negative or non-integer one counts as 0 (as the SQL of
// kInputTokens does), never a value cast out of range.
std::int64_t token_count(const SpanData& s, std::string_view key) {
  const RecordedValue* v = find(s, key);
  if (v == nullptr) return 0;
  if (auto* i = std::get_if<std::int64_t>(v)) return std::max<std::int64_t>(*i, 0);
  if (auto* d = std::get_if<double>(v)) {
    // Below 2^63 exactly: the cast is defined.
    return *d >= 0 && *d < 9223372036854775808.0 ? static_cast<std::int64_t>(*d) : 0;
  }
  return 0;
}

std::string json_list(const std::set<std::string>& items) {
  std::string out = "[";
  for (const auto& i : items) {
    if (out.size() > 1) out += ',';
    append_json_string(out, i);
  }
  out += ']';
  return out;
}

// Merging a batch's rows into table traces, which has no key (an ART index
// over every trace id costs each checkpoint in proportion to the table,
// docs/trace-store.md): the rows already there are found by one scan of
// trace_id and updated by rowid, the others appended.
constexpr const char* kFindStored =
    "CREATE OR REPLACE TEMP TABLE traces_found AS SELECT rowid AS rid, trace_id FROM traces "
    "WHERE trace_id IN (SELECT trace_id FROM traces_incoming)";
constexpr const char* kAppendNew =
    "INSERT INTO traces SELECT * FROM traces_incoming WHERE trace_id NOT IN (SELECT trace_id FROM traces_found)";

// Merging a batch's row into the row already there: sums add up, lists
// unite, and the earliest root, workflow and error win.
constexpr const char* kMerge = R"sql(
UPDATE traces SET
  root_name = CASE WHEN traces.has_root THEN traces.root_name
                   WHEN e.has_root OR e.start_time < traces.start_time THEN e.root_name
                   ELSE traces.root_name END,
  workflow_name = CASE WHEN e.workflow_start IS NOT NULL
                            AND (traces.workflow_start IS NULL OR e.workflow_start < traces.workflow_start)
                       THEN e.workflow_name ELSE traces.workflow_name END,
  start_time = least(traces.start_time, e.start_time),
  end_time = greatest(traces.end_time, e.end_time),
  duration_ms = (greatest(traces.end_time, e.end_time) - least(traces.start_time, e.start_time)) / 1e6,
  span_count = traces.span_count + e.span_count,
  error_count = traces.error_count + e.error_count,
  status = CASE WHEN traces.error_count + e.error_count > 0 THEN 'ERROR' ELSE 'OK' END,
  services = to_json(list_sort(list_distinct(list_concat(from_json(traces.services, '["VARCHAR"]'),
                                                         from_json(e.services, '["VARCHAR"]'))))),
  agents = to_json(list_sort(list_distinct(list_concat(from_json(traces.agents, '["VARCHAR"]'),
                                                       from_json(e.agents, '["VARCHAR"]'))))),
  error_message = CASE WHEN e.first_error_time IS NOT NULL
                            AND (traces.first_error_time IS NULL OR e.first_error_time < traces.first_error_time)
                       THEN e.error_message ELSE traces.error_message END,
  input_tokens = CAST(least(traces.input_tokens::HUGEINT + e.input_tokens, 9223372036854775807) AS BIGINT),
  output_tokens = CAST(least(traces.output_tokens::HUGEINT + e.output_tokens, 9223372036854775807) AS BIGINT),
  correlation_ids = to_json(list_sort(list_distinct(list_concat(from_json(traces.correlation_ids, '["VARCHAR"]'),
                                                                from_json(e.correlation_ids, '["VARCHAR"]'))))),
  tags = to_json(list_sort(list_distinct(list_concat(from_json(traces.tags, '["VARCHAR"]'),
                                                     from_json(e.tags, '["VARCHAR"]'))))),
  has_root = traces.has_root OR e.has_root,
  workflow_start = least(traces.workflow_start, e.workflow_start),
  first_error_time = least(traces.first_error_time, e.first_error_time),
  service_names = to_json(list_sort(list_distinct(list_concat(from_json(traces.service_names, '["VARCHAR"]'),
                                                              from_json(e.service_names, '["VARCHAR"]')))))
FROM (SELECT f.rid, i.* FROM traces_found f JOIN traces_incoming i USING (trace_id)) e
WHERE traces.rowid = e.rid
)sql";

// Staging through an appender, then merged as for traces (no key either):
// the stored (trace, model) rows found by one scan, updated by rowid (tokens
// and calls add up), the others appended. The touched traces'
// rows then get their models list again, which the listing reads.
void merge_models(DuckConnection& con, const std::map<std::string, TraceSummary>& summaries) {
  bool any = false;
  for (const auto& [id, t] : summaries) any = any || !t.models.empty();
  if (!any) return;
  con.execute("CREATE OR REPLACE TEMP TABLE trace_models_incoming AS SELECT * FROM trace_models LIMIT 0");
  duckdb_appender app = nullptr;
  if (duckdb_appender_create_ext(con.get(), "temp", "main", "trace_models_incoming", &app) != DuckDBSuccess) {
    duckdb_appender_destroy(&app);
    throw DuckDbError("cannot stage the tokens per model");
  }
  for (const auto& [id, t] : summaries) {
    for (const auto& [model, u] : t.models) {
      duckdb_append_varchar_length(app, id.data(), id.size());
      duckdb_append_varchar_length(app, model.data(), model.size());
      duckdb_append_int64(app, u.calls);
      duckdb_append_int64(app, u.input_tokens);
      duckdb_append_int64(app, u.output_tokens);
      duckdb_appender_end_row(app);
    }
  }
  bool ok = duckdb_appender_close(app) == DuckDBSuccess;
  duckdb_appender_destroy(&app);
  if (!ok) throw DuckDbError("cannot stage the tokens per model");
  con.execute(
      "CREATE OR REPLACE TEMP TABLE trace_models_found AS SELECT m.rowid AS rid, i.* FROM trace_models m "
      "JOIN trace_models_incoming i USING (trace_id, model)");
  con.execute(
      "UPDATE trace_models SET calls = trace_models.calls + e.calls, "
      "input_tokens = CAST(least(trace_models.input_tokens::HUGEINT + e.input_tokens, 9223372036854775807) "
      "AS BIGINT), "
      "output_tokens = CAST(least(trace_models.output_tokens::HUGEINT + e.output_tokens, 9223372036854775807) "
      "AS BIGINT) FROM trace_models_found e WHERE trace_models.rowid = e.rid");
  con.execute(
      "INSERT INTO trace_models SELECT * FROM trace_models_incoming i WHERE NOT EXISTS (SELECT 1 FROM "
      "trace_models_found f WHERE f.trace_id = i.trace_id AND f.model = i.model)");
  con.execute("DROP TABLE trace_models_found");
  con.execute(fill_trace_models_sql("trace_id IN (SELECT trace_id FROM trace_models_incoming)"));
  con.execute("DROP TABLE trace_models_incoming");
}

}  // namespace

// The look-up's bound: stored rows of the batch's traces end after it, when
// this process began every one of them (their rows are then all recent, and
// DuckDB's zone maps over end_time skip the older row groups); nullopt when
// a trace may be older than this process knows (sent over OTLP, continued
// from a remote parent): then every row is looked at.
std::optional<std::int64_t> stored_rows_end_after(const std::map<std::string, TraceSummary>& summaries) {
  std::optional<std::int64_t> bound;
  for (const auto& [id, t] : summaries) {
    if (t.began <= 0) return std::nullopt;
    bound = bound ? std::min(*bound, t.began) : t.began;
  }
  if (!bound || *bound < std::numeric_limits<std::int64_t>::min() + kClockSkewNs) return std::nullopt;
  return *bound - kClockSkewNs;
}

void TraceSummary::add(const SpanData& s) {
  bool first = span_count == 0;
  // A span cannot start before its trace began: a larger value is not one
  // this process recorded, and is not trusted to narrow the look-up.
  std::int64_t b = s.trace_began_ns > 0 ? std::min(s.trace_began_ns, s.start_ns) : 0;
  if (first) {
    began = b;
  } else if (began > 0) {
    began = b > 0 ? std::min(began, b) : 0;  // one span of unknown age makes the trace's unknown
  }
  ++span_count;
  start_time = first ? s.start_ns : std::min(start_time, s.start_ns);
  end_time = first ? s.end_ns : std::max(end_time, s.end_ns);
  bool root = is_zero(s.parent_span_id);
  // The parentless span names the trace; without one (a remote parent), the
  // earliest span does.
  if ((root && (!has_root || s.start_ns < root_start)) || (!has_root && !root && (first || s.start_ns < root_start))) {
    root_name = valid_utf8(s.name);
    root_start = s.start_ns;
    has_root = has_root || root;
  }
  const RecordedValue* wf = find(s, "flock.workflow");
  const std::string* wf_name = text(s, "workflow.name");
  if (wf != nullptr && std::holds_alternative<bool>(*wf) && std::get<bool>(*wf) && wf_name != nullptr &&
      (!workflow_start || s.start_ns < *workflow_start)) {
    workflow_name = valid_utf8(*wf_name);
    workflow_start = s.start_ns;
  }
  std::string service, operation;
  service_and_operation(s, valid_utf8(s.name), service, operation);
  services.insert(std::move(service));
  if (const std::string* agent = text(s, "agent.name")) agents.insert(valid_utf8(*agent));
  if (const std::string* cid = text(s, "correlation_id")) correlation_ids.insert(valid_utf8(*cid));
  if (const RecordedValue* t = find(s, "artifact.tags")) {
    if (auto* list = std::get_if<std::vector<std::string>>(t)) {
      for (const auto& tag : *list) tags.insert(valid_utf8(tag));
    }
  }
  if (s.status == StatusCode::Error) {
    ++error_count;
    if (!first_error_time || s.start_ns < *first_error_time) {
      first_error_time = s.start_ns;
      error_message = valid_utf8(s.status_description);
    }
  }
  std::int64_t in = token_count(s, "gen_ai.usage.input_tokens");
  std::int64_t out = token_count(s, "gen_ai.usage.output_tokens");
  input_tokens = saturating_add(input_tokens, in);
  output_tokens = saturating_add(output_tokens, out);
  // A model call (trace_models_from_spans_sql() counts the same spans).
  const std::string* model = text(s, "gen_ai.response.model");
  if (model == nullptr) model = text(s, "gen_ai.request.model");
  if (model != nullptr || find(s, "gen_ai.usage.input_tokens") != nullptr ||
      find(s, "gen_ai.usage.output_tokens") != nullptr) {
    ModelUsage& u = models[model != nullptr ? valid_utf8(*model) : std::string("unknown")];
    ++u.calls;
    u.input_tokens = saturating_add(u.input_tokens, in);
    u.output_tokens = saturating_add(u.output_tokens, out);
  }
}

std::map<std::string, TraceSummary> summarize(std::span<const SpanData> spans, const std::string& service_name) {
  std::map<std::string, TraceSummary> out;
  for (const SpanData& s : spans) {
    TraceSummary& t = out[hex_string(s.trace_id.data(), s.trace_id.size())];
    t.add(s);
    // A received span names its own program; this process's spans, this one.
    const std::string& name = s.origin ? s.origin->service_name : service_name;
    if (!name.empty()) t.service_names.insert(valid_utf8(name));
  }
  return out;
}

void merge_summaries(DuckConnection& con, const std::map<std::string, TraceSummary>& summaries) {
  if (summaries.empty()) return;
  con.execute("CREATE OR REPLACE TEMP TABLE traces_incoming AS SELECT * FROM traces LIMIT 0");
  duckdb_appender app = nullptr;
  if (duckdb_appender_create_ext(con.get(), "temp", "main", "traces_incoming", &app) != DuckDBSuccess) {
    duckdb_error_data e = duckdb_appender_error_data(app);
    std::string msg = duckdb_error_data_message(e);
    duckdb_destroy_error_data(&e);
    duckdb_appender_destroy(&app);
    throw DuckDbError("cannot stage trace summaries: " + msg);
  }
  auto str = [&](const std::string& v) { duckdb_append_varchar_length(app, v.data(), v.size()); };
  auto opt_str = [&](const std::optional<std::string>& v) {
    if (v) {
      str(*v);
    } else {
      duckdb_append_null(app);
    }
  };
  auto opt_int = [&](const std::optional<std::int64_t>& v) {
    if (v) {
      duckdb_append_int64(app, *v);
    } else {
      duckdb_append_null(app);
    }
  };
  for (const auto& [id, t] : summaries) {
    str(id);
    str(t.root_name);
    opt_str(t.workflow_name);
    duckdb_append_int64(app, t.start_time);
    duckdb_append_int64(app, t.end_time);
    duckdb_append_double(app, static_cast<double>(t.end_time - t.start_time) / 1e6);
    duckdb_append_int64(app, t.span_count);
    duckdb_append_int64(app, t.error_count);
    duckdb_append_varchar(app, t.error_count > 0 ? "ERROR" : "OK");
    str(json_list(t.services));
    str(json_list(t.agents));
    opt_str(t.error_message);
    duckdb_append_int64(app, t.input_tokens);
    duckdb_append_int64(app, t.output_tokens);
    str(json_list(t.correlation_ids));
    str(json_list(t.tags));
    duckdb_append_bool(app, t.has_root);
    opt_int(t.workflow_start);
    opt_int(t.first_error_time);
    str(json_list(t.service_names));
    duckdb_append_null(app);  // models: filled from trace_models by merge_models
    duckdb_appender_end_row(app);
  }
  bool ok = duckdb_appender_close(app) == DuckDBSuccess;
  std::string msg;
  if (!ok) {
    duckdb_error_data e = duckdb_appender_error_data(app);
    msg = duckdb_error_data_message(e);
    duckdb_destroy_error_data(&e);
  }
  duckdb_appender_destroy(&app);
  if (!ok) throw DuckDbError("cannot stage trace summaries: " + msg);
  std::optional<std::int64_t> bound = stored_rows_end_after(summaries);
  con.execute(bound ? std::string(kFindStored) + " AND end_time >= " + std::to_string(*bound) : std::string(kFindStored));
  con.execute(kMerge);
  con.execute(kAppendNew);
  con.execute("DROP TABLE traces_found");
  con.execute("DROP TABLE traces_incoming");
  merge_models(con, summaries);
}

void rebuild_summaries(DuckConnection& con, const std::string& where_spans) {
  con.execute("CREATE OR REPLACE TEMP TABLE traces_touched AS SELECT DISTINCT trace_id FROM spans WHERE " +
              where_spans);
  con.execute("DELETE FROM traces WHERE trace_id IN (SELECT trace_id FROM traces_touched)");
  con.execute("DELETE FROM trace_models WHERE trace_id IN (SELECT trace_id FROM traces_touched)");
  con.execute("DELETE FROM spans WHERE " + where_spans);
  con.execute(std::string("INSERT INTO traces ") + traces_from_spans_sql() +
              " WHERE trace_id IN (SELECT trace_id FROM traces_touched) GROUP BY trace_id");
  con.execute(std::string("INSERT INTO trace_models ") + trace_models_from_spans_sql() +
              " AND trace_id IN (SELECT trace_id FROM traces_touched) GROUP BY ALL");
  con.execute(fill_trace_models_sql("trace_id IN (SELECT trace_id FROM traces_touched)"));
  con.execute("DROP TABLE traces_touched");
}

}  // namespace flockcpp::detail

#include "server/api_handlers.hpp"

#include <algorithm>

#include "core/flock_access.hpp"
#include "flock/error.hpp"
#include "flock/orchestrator.hpp"
#include "flock/propagation.hpp"
#include "flock/model_prices.hpp"
#include "flock/trace_config.hpp"
#include "flock/version.hpp"
#include "server/http_errors.hpp"
#include "server/http_params.hpp"
#include "server/trace_otlp.hpp"

namespace flockcpp::detail {

using http::Request;
using http::Response;

Json artifact_json(const Artifact& a, bool with_payload) {
  Json j{{"id", a.id},
         {"type", a.type},
         {"produced_by", a.produced_by},
         {"correlation_id", a.correlation_id},
         {"tags", a.tags},
         {"created_at", iso8601_ns(a.created_at_ns)}};
  if (with_payload) j["payload"] = *a.payload;
  return j;
}

Response ApiHandlers::agents() const {
  // Over a trace file alone the agents are what its spans recorded.
  if (flock_ == nullptr) {
    Json seen = store_->agents_seen();
    seen["source"] = "spans";
    return json_response(200, seen);
  }
  Json list = Json::array();
  if (flock_ != nullptr) {
    for (const auto& a : orchestrator_of(*flock_).agents()) {
      list.push_back(Json{{"name", a.name},
                          {"description", a.description},
                          {"consumes", a.consumes},
                          {"publishes", a.publishes},
                          {"max_concurrency", a.max_concurrency},
                          {"prevent_self_trigger", a.prevent_self_trigger}});
    }
  }
  return json_response(200, Json{{"agents", std::move(list)}, {"source", "flock"}});
}

Response ApiHandlers::artifact_types() const {
  Json list = Json::array();
  for (const auto& t : TypeRegistry::global().all()) list.push_back(Json{{"name", t.name}, {"schema", t.schema}});
  return json_response(200, Json{{"artifact_types", std::move(list)}});
}

Response ApiHandlers::publish(const Request& req) const {
  if (flock_ == nullptr) {
    throw Error(ErrorCode::Conflict, "this server shows a trace file only (flock dashboard): there is no blackboard to publish to");
  }
  Json body = parse_body(req);
  if (!body.contains("type") || !body["type"].is_string()) throw Error(ErrorCode::InvalidArgument, "\"type\" (a string) is required");
  if (!body.contains("payload")) throw Error(ErrorCode::InvalidArgument, "\"payload\" is required");
  PublishOptions opts;
  if (body.contains("correlation_id") && !body["correlation_id"].is_null()) {
    if (!body["correlation_id"].is_string()) throw Error(ErrorCode::InvalidArgument, "\"correlation_id\" must be a string");
    opts.correlation_id = body["correlation_id"].get<std::string>();
  }
  if (body.contains("tags") && !body["tags"].is_null()) {
    const Json& tags = body["tags"];
    if (!tags.is_array() || !std::all_of(tags.begin(), tags.end(), [](const Json& t) { return t.is_string(); })) {
      throw Error(ErrorCode::InvalidArgument, "\"tags\" must be an array of strings");
    }
    opts.tags = tags.get<std::vector<std::string>>();
  }
  std::string type = body["type"].get<std::string>();
  if (TypeRegistry::global().find(type) == nullptr) {
    throw Error(ErrorCode::InvalidArgument, "unknown artifact type '" + type + "'");
  }
  // W3C trace context: the publish joins the caller's trace. An invalid
  // traceparent is ignored, as the specification asks.
  HttpHeaders headers;
  for (const auto& [k, v] : req.headers) {
    if (k == "traceparent" || k == "tracestate") headers[k] = v;
  }
  std::optional<SpanContext> remote = extract_trace_context(headers);
  std::optional<ContextScope> scope;
  if (remote) scope.emplace(*remote);
  ArtifactPtr artifact;
  // A payload that does not fit its type is the orchestrator's
  // Error(InvalidArgument): the client's mistake, 400.
  artifact = flock_->publish_json(type, body["payload"], std::move(opts));
  // The artifact's fields, and the same object under "artifact" for clients
  // that expect an envelope.
  Json out = artifact_json(*artifact);
  out["artifact"] = artifact_json(*artifact);
  if (remote) out["trace_id"] = to_hex(remote->trace_id);
  return json_response(201, out);
}

Response ApiHandlers::list_artifacts(const Request& req) const {
  ArtifactQuery q;
  q.type = text_param(req, "type");
  q.correlation_id = text_param(req, "correlation_id");
  q.produced_by = text_param(req, "produced_by");
  if (auto tag = text_param(req, "tag")) q.tags.push_back(*tag);
  q.limit = static_cast<std::size_t>(int_param(req, "limit", 100, 1, 1000));
  q.offset = static_cast<std::size_t>(int_param(req, "offset", 0, 0, std::int64_t{1} << 40));
  Json items = Json::array();
  std::size_t total = 0;
  if (flock_ != nullptr) {
    ArtifactPage page = flock_->store().query(q);
    for (const auto& a : page.items) items.push_back(artifact_json(*a));
    total = page.total;
  }
  return json_response(200, Json{{"items", std::move(items)}, {"total", total}});
}

Response ApiHandlers::list_traces(const Request& req) const {
  TraceFilter f;
  f.workflow = text_param(req, "workflow");
  f.service = text_param(req, "service");
  f.operation = text_param(req, "operation");
  f.correlation_id = text_param(req, "correlation_id");
  f.text = text_param(req, "q");
  f.tag = text_param(req, "tag");
  f.agent = text_param(req, "agent");
  if (auto sort = text_param(req, "sort")) f.sort = *sort;
  if (auto order = text_param(req, "order")) {
    std::string o = lower(*order);
    if (o != "asc" && o != "desc") throw Error(ErrorCode::InvalidArgument, "order must be asc or desc, got '" + *order + "'");
    f.ascending = o == "asc";
  }
  if (auto status = text_param(req, "status")) {
    std::string s = lower(*status);
    if (s == "error") {
      f.status = "error";
    } else if (s == "ok" || s == "unset") {
      f.status = "ok";
    } else {
      throw Error(ErrorCode::InvalidArgument, "status must be ok or error, got '" + *status + "'");
    }
  }
  f.min_duration_ms = number_param(req, "min_duration_ms");
  f.max_duration_ms = number_param(req, "max_duration_ms");
  f.since_ns = time_param(req, "since");
  f.until_ns = time_param(req, "until");
  f.limit = int_param(req, "limit", 50, 1, 1000);
  f.offset = int_param(req, "offset", 0, 0, std::int64_t{1} << 40);
  if (f.min_duration_ms && f.max_duration_ms && *f.min_duration_ms > *f.max_duration_ms) {
    throw Error(ErrorCode::InvalidArgument, "min_duration_ms is greater than max_duration_ms");
  }
  if (f.since_ns && f.until_ns && *f.since_ns > *f.until_ns) throw Error(ErrorCode::InvalidArgument, "since is after until");
  return json_response(200, store_->list_traces(f));
}

Response ApiHandlers::trace(const std::string& id, bool otlp) const {
  if (otlp) {
    auto body = trace_otlp_json(*store_, id);
    if (!body) throw Error(ErrorCode::NotFound, "no trace " + id + " in " + store_->name());
    Response r;
    r.body = std::move(*body);
    return r;
  }
  auto t = store_->trace_json(id);
  if (!t) throw Error(ErrorCode::NotFound, "no trace " + id + " in " + store_->name());
  return json_response(200, *t);
}

Response ApiHandlers::query(const Request& req) const {
  Json body = parse_body(req);
  if (!body.contains("sql") || !body["sql"].is_string()) throw Error(ErrorCode::InvalidArgument, "\"sql\" (a string) is required");
  SqlLimits limits{options_.query_row_limit, options_.query_timeout};
  return json_response(200, store_->run_sql(body["sql"].get<std::string>(), limits));
}

Response ApiHandlers::events() const {
  Response r;
  r.content_type = "text/event-stream";
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("X-Accel-Buffering", "no");
  std::string hello = Json{{"version", flockcpp::kVersion}, {"live", flock_ != nullptr}}.dump();
  EventHub* hub = &events_;
  r.stream = [hub, hello](const http::ChunkWriter& write) { hub->stream(write, hello); };
  return r;
}

Response ApiHandlers::services() const { return json_response(200, store_->services()); }
Response ApiHandlers::workflow_stats() const { return json_response(200, store_->workflow_stats()); }
Response ApiHandlers::service_stats() const { return json_response(200, store_->service_stats()); }
Response ApiHandlers::dependencies(const Request& req) const {
  return json_response(200, store_->dependencies(text_param(req, "by").value_or("agent")));
}

Response ApiHandlers::agent_stats() const { return json_response(200, store_->agent_stats()); }

Response ApiHandlers::model_stats() const { return json_response(200, store_->model_stats()); }

Response ApiHandlers::prices() const { return json_response(200, ModelPrices::in_force().to_json()); }

Response ApiHandlers::config() const {
  // The tracing settings in force in this process, and the store it serves.
  TraceConfig c = tracing::current_config();
  Json otlp = nullptr;
  if (c.otlp) {
    otlp = Json{{"endpoint", c.otlp->endpoint},
                {"protocol", c.otlp->protocol == OtlpProtocol::HttpJson ? "http/json" : "http/protobuf"}};
  }
  return json_response(
      200, Json{{"version", flockcpp::kVersion},
                {"live", flock_ != nullptr},
                {"store", store_->describe()},
                {"tracing", Json{{"sdk_disabled", c.sdk_disabled},
                                 {"auto_trace", c.auto_trace},
                                 {"trace_file", c.trace_file},
                                 {"services", c.services},
                                 {"ignore", c.ignore},
                                 {"ttl_days", c.ttl_days ? Json(*c.ttl_days) : Json(nullptr)},
                                 {"auto_workflow_trace", c.auto_workflow_trace},
                                 {"service_name", c.service_name},
                                 {"flush_ms", c.flush_interval.count()},
                                 {"queue_policy", c.queue_full_policy == QueueFullPolicy::Drop ? "drop" : "wait"},
                                 {"max_queue_bytes", c.max_pending_bytes},
                                 {"exit_grace_ms", c.exit_grace.count()},
                                 {"otlp", otlp}}},
                {"prices", Json{{"source", ModelPrices::in_force().source()},
                                {"models", ModelPrices::in_force().to_json()["models"].size()}}},
                {"server", Json{{"dashboard", options_.dashboard},
                                {"query_row_limit", options_.query_row_limit},
                                {"query_timeout_ms", options_.query_timeout.count()}}}});
}

Response ApiHandlers::stats() const {
  Json stats = store_->stats();
  if (flock_ != nullptr) {
    // This program's span queue: what is held while the store cannot be
    // written, and what was dropped or lost.
    TraceStats t = tracing::stats();
    stats["writer"] = Json{{"spans_exported", t.spans_exported}, {"spans_pending", t.spans_pending},
                           {"bytes_pending", t.bytes_pending},   {"max_pending_bytes", t.max_pending_bytes},
                           {"spans_dropped", t.spans_dropped},   {"spans_lost", t.spans_lost},
                           {"queue_full", t.queue_full}};
  }
  return json_response(200, stats);
}

Response ApiHandlers::clear(const Request& req) const {
  require_json(req);
  ClearResult r = store_->clear();
  if (!r.success && !store_->exists()) {
    // Nothing stored yet is nothing to clear, not a failure of the route.
    return json_response(200, Json{{"success", true}, {"deleted_count", 0}, {"error", ""}});
  }
  return json_response(r.success ? 200 : 409,
                       Json{{"success", r.success}, {"deleted_count", r.deleted_count}, {"error", r.error}});
}

}  // namespace flockcpp::detail

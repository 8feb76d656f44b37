#include "server/api_router.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>

#include "core/orchestrator.hpp"
#include "flock/orchestrator.hpp"
#include "flock/propagation.hpp"
#include "flock/trace_config.hpp"
#include "storage/duckdb_handle.hpp"

namespace flock::detail {

using flock_http::Request;
using flock_http::Response;

namespace {

constexpr const char* kVersion = "0.1.0";

// A 4xx/5xx answer that says what was wrong.
struct HttpError {
  int status;
  std::string message;
};

Response json(int status, const Json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  return r;
}

Response error(int status, const std::string& message) { return json(status, Json{{"error", message}}); }

bool is_hex(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Longest query parameter accepted: filters are names and ids, not documents.
constexpr std::size_t kMaxParamBytes = 4096;

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    std::uint32_t cp = n == 1 ? c : (c & (0x7f >> n));
    for (std::size_t k = 1; k < n; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    // Overlong forms, surrogates and code points past Unicode are not UTF-8.
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n;
  }
  return true;
}

std::optional<std::string> text_param(const Request& req, const char* name) {
  const std::string* v = req.param(name);
  if (v == nullptr || v->empty()) return std::nullopt;
  if (v->size() > kMaxParamBytes) {
    throw HttpError{400, std::string(name) + " is " + std::to_string(v->size()) + " bytes long; at most " +
                             std::to_string(kMaxParamBytes) + " are accepted"};
  }
  if (!valid_utf8(*v) || v->find('\0') != std::string::npos) {
    throw HttpError{400, std::string(name) + " must be UTF-8 text without NUL bytes"};
  }
  return *v;
}

std::int64_t int_param(const Request& req, const char* name, std::int64_t fallback, std::int64_t lo, std::int64_t hi) {
  auto text = text_param(req, name);
  if (!text) return fallback;
  const std::string* v = &*text;
  std::int64_t out = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || end != v->data() + v->size()) {
    throw HttpError{400, std::string(name) + " must be an integer, got '" + *v + "'"};
  }
  if (out < lo || out > hi) {
    throw HttpError{400, std::string(name) + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                             ", got " + *v};
  }
  return out;
}

std::optional<double> number_param(const Request& req, const char* name) {
  auto text = text_param(req, name);
  if (!text) return std::nullopt;
  const std::string* v = &*text;
  double out = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || end != v->data() + v->size() || !(out >= 0) || out > 1e15) {
    throw HttpError{400, std::string(name) + " must be a non-negative number, got '" + *v + "'"};
  }
  return out;
}

std::optional<std::int64_t> time_param(const Request& req, const char* name) {
  auto v = text_param(req, name);
  if (!v) return std::nullopt;
  auto ns = parse_time_ns(*v);
  if (!ns) {
    throw HttpError{400, std::string(name) +
                             " must be nanoseconds since the epoch or an ISO-8601 time (2026-11-25T18:00:00Z), got '" +
                             *v + "'"};
  }
  return ns;
}

// JSON only: a plain form cannot send it across sites without a preflight.
void require_json(const Request& req) {
  const std::string* type = req.header("content-type");
  if (type == nullptr || lower(*type).find("application/json") == std::string::npos) {
    throw HttpError{415, "send the body as JSON with Content-Type: application/json"};
  }
}

Json parse_body(const Request& req) {
  require_json(req);
  Json body = Json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    // Parse again for the parser's own message.
    try {
      Json ignored = Json::parse(req.body);
    } catch (const Json::parse_error& e) {
      throw HttpError{400, std::string("malformed JSON: ") + e.what()};
    }
    throw HttpError{400, "malformed JSON"};
  }
  if (!body.is_object()) throw HttpError{400, "the body must be a JSON object"};
  return body;
}

std::string normalized_trace_id(const std::string& id) {
  if (id.size() != 32 || !is_hex(id)) {
    throw HttpError{400, "trace_id must be 32 hex characters, got '" + id.substr(0, 64) + "'"};
  }
  return lower(id);
}


bool constant_time_equal(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}


}  // namespace

bool is_loopback_host(const std::string& host_or_host_header) {
  std::string host = lower(host_or_host_header);
  if (host == "::1") return true;  // a bare IPv6 address (a bind address)
  if (!host.empty() && host[0] == '[') {
    host = host.substr(0, host.find(']') + 1);
  } else if (auto colon = host.rfind(':'); colon != std::string::npos) {
    host = host.substr(0, colon);
  }
  if (host == "localhost" || host == "[::1]") return true;
  // A numeric 127.a.b.c only: "127.0.0.1.evil.example" is a name, not loopback.
  int parts = 0;
  std::size_t start = 0;
  for (;;) {
    std::size_t dot = host.find('.', start);
    std::string part = host.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (part.empty() || part.size() > 3 || !std::all_of(part.begin(), part.end(), [](unsigned char c) { return std::isdigit(c) != 0; }) ||
        std::stoi(part) > 255) {
      return false;
    }
    ++parts;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts == 4 && host.rfind("127.", 0) == 0;
}

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

ApiRouter::ApiRouter(Flock* flock, std::string trace_store, ServeOptions options, std::string token,
                     EventHub& events, std::unique_ptr<StaticFiles> files, bool loopback)
    : flock_(flock),
      queries_(std::move(trace_store)),
      options_(std::move(options)),
      token_(std::move(token)),
      events_(events),
      files_(std::move(files)),
      loopback_(loopback) {}

Response ApiRouter::handle(const Request& req) const {
  Response res;
  const std::string* origin = req.header("origin");
  bool allowed_origin = origin != nullptr && std::find(options_.cors_origins.begin(), options_.cors_origins.end(),
                                                       *origin) != options_.cors_origins.end();
  try {
    const std::string* host = req.header("host");
    if (loopback_ && host != nullptr && !is_loopback_host(*host)) {
      throw HttpError{403, "this server answers on loopback only; Host '" + *host + "' is not a loopback name"};
    }
    // A state-changing request from another site's page: refused unless that
    // origin is listed (the dashboard's own requests carry its own origin).
    if (req.method == "POST" && origin != nullptr && !allowed_origin &&
        (host == nullptr || (*origin != "http://" + *host && *origin != "https://" + *host))) {
      throw HttpError{403, "cross-origin request from " + *origin + " refused (FLOCK_API_CORS_ORIGINS lists the allowed ones)"};
    }
    if (req.method == "OPTIONS") {
      if (!allowed_origin) throw HttpError{403, "cross-origin requests are not allowed from this origin"};
      res.status = 204;
      res.content_type = "text/plain";
      res.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST");
      res.headers.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type, traceparent, tracestate");
      res.headers.emplace_back("Access-Control-Max-Age", "600");
    } else {
      res = route(req);
    }
  } catch (const HttpError& e) {
    res = error(e.status, e.message);
  } catch (const QueryRefused& e) {
    using R = QueryRefused::Reason;
    int status = e.reason() == R::Forbidden ? 403 : e.reason() == R::TimedOut ? 408 : e.reason() == R::Busy ? 503 : 400;
    res = error(status, e.what());
    if (status == 503) res.headers.emplace_back("Retry-After", "1");
  } catch (const DuckDbError& e) {
    std::string what = e.what();
    if (is_lock_conflict(what)) {
      res = error(503, "the trace store is held by another process right now; try again: " + what);
      res.headers.emplace_back("Retry-After", "1");
    } else {
      res = error(500, "trace store: " + what);
    }
  } catch (const std::exception& e) {
    res = error(500, std::string("internal error: ") + e.what());
  }
  if (allowed_origin) {
    res.headers.emplace_back("Access-Control-Allow-Origin", *origin);
    res.headers.emplace_back("Vary", "Origin");
  }
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
  res.headers.emplace_back("Referrer-Policy", "no-referrer");
  res.headers.emplace_back("X-Frame-Options", "DENY");
  if (res.content_type.rfind("text/html", 0) == 0) {
    res.headers.emplace_back("Content-Security-Policy",
                             "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                             "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
  }
  return res;
}

Response ApiRouter::route(const Request& req) const {
  const std::string& p = req.path;
  const bool get = req.method == "GET" || req.method == "HEAD";
  const bool post = req.method == "POST";
  if (p.rfind("/api/", 0) != 0 && p != "/api") {
    if (!get) throw HttpError{405, "method " + req.method + " not allowed on " + p};
    // The raw target, not the transport's decoded path: the file check
    // decodes once itself and refuses what decoding could hide.
    std::string_view raw = req.raw_target;
    raw = raw.substr(0, raw.find('?'));
    if (options_.dashboard && files_) {
      if (auto r = files_->serve(raw)) return *r;
    }
    if (raw == "/" && options_.dashboard) {
      throw HttpError{404, "the dashboard files were not found: build the web dashboard or set FLOCK_WEB_ROOT"};
    }
    throw HttpError{404, "no such file"};
  }
  if (p == "/api/health") {
    if (!get) throw HttpError{405, "use GET on /api/health"};
    return json(200, Json{{"status", "ok"}});
  }
  if (!token_.empty()) {
    const std::string* auth = req.header("authorization");
    const std::string prefix = "Bearer ";
    if (auth == nullptr || auth->rfind(prefix, 0) != 0 || !constant_time_equal(auth->substr(prefix.size()), token_)) {
      Response r = error(401, auth == nullptr ? "this route needs Authorization: Bearer <FLOCK_API_TOKEN>"
                                              : "the bearer token is not the server's FLOCK_API_TOKEN");
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"flock\"");
      return r;
    }
  }
  auto only = [&](bool ok, const char* method) {
    if (!ok) throw HttpError{405, "use " + std::string(method) + " on " + p};
  };
  if (p == "/api/agents") return only(get, "GET"), agents();
  if (p == "/api/artifact-types") return only(get, "GET"), artifact_types();
  if (p == "/api/artifacts") {
    if (post) return publish(req);
    return only(get, "GET or POST"), list_artifacts(req);
  }
  if (p == "/api/traces") return only(get, "GET"), list_traces(req);
  if (p == "/api/traces/services") return only(get, "GET"), json(200, queries_.services());
  if (p == "/api/traces/stats") {
    only(get, "GET");
    Json stats = queries_.stats();
    if (flock_ != nullptr) {
      // This program's span queue: what is held while the store cannot be
      // written, and what was dropped or lost.
      TraceStats t = tracing::stats();
      stats["writer"] = Json{{"spans_exported", t.spans_exported}, {"spans_pending", t.spans_pending},
                             {"bytes_pending", t.bytes_pending},   {"max_pending_bytes", t.max_pending_bytes},
                             {"spans_dropped", t.spans_dropped},   {"spans_lost", t.spans_lost},
                             {"queue_full", t.queue_full}};
    }
    return json(200, stats);
  }
  if (p == "/api/traces/query") return only(post, "POST"), query(req);
  if (p == "/api/traces/clear") {
    only(post, "POST");
    require_json(req);
    ClearResult r = queries_.clear();
    if (!r.success && !queries_.store_exists()) {
      // Nothing stored yet is nothing to clear, not a failure of the route.
      return json(200, Json{{"success", true}, {"deleted_count", 0}, {"error", ""}});
    }
    return json(r.success ? 200 : 409,
                Json{{"success", r.success}, {"deleted_count", r.deleted_count}, {"error", r.error}});
  }
  if (p == "/api/workflows/stats") return only(get, "GET"), json(200, queries_.workflow_stats());
  if (p == "/api/services/stats") return only(get, "GET"), json(200, queries_.service_stats());
  if (p == "/api/dependencies") return only(get, "GET"), json(200, queries_.dependencies());
  if (p == "/api/events") return only(get, "GET"), events();
  const std::string traces = "/api/traces/";
  if (p.rfind(traces, 0) == 0) {
    only(get, "GET");
    std::string rest = p.substr(traces.size());
    bool otlp = false;
    if (rest.size() > 5 && rest.compare(rest.size() - 5, 5, "/otlp") == 0) {
      otlp = true;
      rest.resize(rest.size() - 5);
    }
    return trace(normalized_trace_id(rest), otlp);
  }
  throw HttpError{404, "no such route: " + req.method + " " + p};
}

Response ApiRouter::agents() const {
  Json list = Json::array();
  if (flock_ != nullptr) {
    for (const auto& a : flock_->internals().agents()) {
      list.push_back(Json{{"name", a.name},
                          {"description", a.description},
                          {"consumes", a.consumes},
                          {"publishes", a.publishes},
                          {"max_concurrency", a.max_concurrency},
                          {"prevent_self_trigger", a.prevent_self_trigger}});
    }
  }
  return json(200, Json{{"agents", std::move(list)}});
}

Response ApiRouter::artifact_types() const {
  Json list = Json::array();
  for (const auto& t : TypeRegistry::global().all()) list.push_back(Json{{"name", t.name}, {"schema", t.schema}});
  return json(200, Json{{"artifact_types", std::move(list)}});
}

Response ApiRouter::publish(const Request& req) const {
  if (flock_ == nullptr) {
    throw HttpError{409, "this server shows a trace file only (flock dashboard): there is no blackboard to publish to"};
  }
  Json body = parse_body(req);
  if (!body.contains("type") || !body["type"].is_string()) throw HttpError{400, "\"type\" (a string) is required"};
  if (!body.contains("payload")) throw HttpError{400, "\"payload\" is required"};
  PublishOptions opts;
  if (body.contains("correlation_id") && !body["correlation_id"].is_null()) {
    if (!body["correlation_id"].is_string()) throw HttpError{400, "\"correlation_id\" must be a string"};
    opts.correlation_id = body["correlation_id"].get<std::string>();
  }
  if (body.contains("tags") && !body["tags"].is_null()) {
    const Json& tags = body["tags"];
    if (!tags.is_array() || !std::all_of(tags.begin(), tags.end(), [](const Json& t) { return t.is_string(); })) {
      throw HttpError{400, "\"tags\" must be an array of strings"};
    }
    opts.tags = tags.get<std::vector<std::string>>();
  }
  std::string type = body["type"].get<std::string>();
  if (TypeRegistry::global().find(type) == nullptr) {
    throw HttpError{400, "unknown artifact type '" + type + "'"};
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
  try {
    artifact = flock_->publish_json(type, body["payload"], std::move(opts));
  } catch (const std::invalid_argument& e) {
    throw HttpError{400, e.what()};
  }
  // The artifact's fields, and the same object under "artifact" for clients
  // that expect an envelope.
  Json out = artifact_json(*artifact);
  out["artifact"] = artifact_json(*artifact);
  if (remote) out["trace_id"] = to_hex(remote->trace_id);
  return json(201, out);
}

Response ApiRouter::list_artifacts(const Request& req) const {
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
  return json(200, Json{{"items", std::move(items)}, {"total", total}});
}

Response ApiRouter::list_traces(const Request& req) const {
  TraceFilter f;
  f.workflow = text_param(req, "workflow");
  f.service = text_param(req, "service");
  f.operation = text_param(req, "operation");
  f.correlation_id = text_param(req, "correlation_id");
  f.text = text_param(req, "q");
  f.tag = text_param(req, "tag");
  if (auto status = text_param(req, "status")) {
    std::string s = lower(*status);
    if (s == "error") {
      f.status = "error";
    } else if (s == "ok" || s == "unset") {
      f.status = "ok";
    } else {
      throw HttpError{400, "status must be ok or error, got '" + *status + "'"};
    }
  }
  f.min_duration_ms = number_param(req, "min_duration_ms");
  f.max_duration_ms = number_param(req, "max_duration_ms");
  f.since_ns = time_param(req, "since");
  f.until_ns = time_param(req, "until");
  f.limit = int_param(req, "limit", 50, 1, 1000);
  f.offset = int_param(req, "offset", 0, 0, std::int64_t{1} << 40);
  if (f.min_duration_ms && f.max_duration_ms && *f.min_duration_ms > *f.max_duration_ms) {
    throw HttpError{400, "min_duration_ms is greater than max_duration_ms"};
  }
  if (f.since_ns && f.until_ns && *f.since_ns > *f.until_ns) throw HttpError{400, "since is after until"};
  return json(200, queries_.list_traces(f));
}

Response ApiRouter::trace(const std::string& id, bool otlp) const {
  if (otlp) {
    auto body = queries_.trace_otlp_json(id);
    if (!body) throw HttpError{404, "no trace " + id + " in " + queries_.path()};
    Response r;
    r.body = std::move(*body);
    return r;
  }
  auto t = queries_.trace(id);
  if (!t) throw HttpError{404, "no trace " + id + " in " + queries_.path()};
  return json(200, *t);
}

Response ApiRouter::query(const Request& req) const {
  Json body = parse_body(req);
  if (!body.contains("sql") || !body["sql"].is_string()) throw HttpError{400, "\"sql\" (a string) is required"};
  SqlLimits limits{options_.query_row_limit, options_.query_timeout};
  try {
    return json(200, queries_.run_sql(body["sql"].get<std::string>(), limits));
  } catch (const DuckDbError& e) {
    if (is_lock_conflict(e.what())) throw;
    throw HttpError{400, e.what()};
  }
}

Response ApiRouter::events() const {
  Response r;
  r.content_type = "text/event-stream";
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("X-Accel-Buffering", "no");
  std::string hello = Json{{"version", kVersion}, {"live", flock_ != nullptr}}.dump();
  EventHub* hub = &events_;
  r.stream = [hub, hello](const flock_http::ChunkWriter& write) { hub->stream(write, hello); };
  return r;
}

}  // namespace flock::detail

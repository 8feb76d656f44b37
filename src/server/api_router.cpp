#include "server/api_router.hpp"

#include <string_view>

#include "flock/error.hpp"
#include "server/http_errors.hpp"
#include "server/http_params.hpp"
#include "server/otlp_ingest.hpp"

namespace flockcpp::detail {

using http::Request;
using http::Response;

ApiRouter::ApiRouter(Flock* flock, std::shared_ptr<const TraceStore> store, ServeOptions options, std::string token,
                     EventHub& events, std::unique_ptr<StaticFiles> files, bool loopback)
    : guard_(options.cors_origins, std::move(token), loopback),
      served_file_(flock == nullptr ? store->local_file() : std::string()),
      handlers_(flock, std::move(store), options, events),
      files_(std::move(files)),
      dashboard_(options.dashboard) {
  const ApiHandlers& h = handlers_;
  auto plain = [&h](Response (ApiHandlers::*fn)() const) { return [&h, fn](const Request&) { return (h.*fn)(); }; };
  auto with_req = [&h](Response (ApiHandlers::*fn)(const Request&) const) {
    return [&h, fn](const Request& r) { return (h.*fn)(r); };
  };
  routes_ = {
      {"GET", "/api/agents", plain(&ApiHandlers::agents)},
      {"GET", "/api/artifact-types", plain(&ApiHandlers::artifact_types)},
      {"GET", "/api/artifacts", with_req(&ApiHandlers::list_artifacts)},
      {"POST", "/api/artifacts", with_req(&ApiHandlers::publish)},
      {"GET", "/api/traces", with_req(&ApiHandlers::list_traces)},
      {"GET", "/api/traces/services", plain(&ApiHandlers::services)},
      {"GET", "/api/traces/stats", plain(&ApiHandlers::stats)},
      {"POST", "/api/traces/query", with_req(&ApiHandlers::query)},
      {"POST", "/api/traces/clear", with_req(&ApiHandlers::clear)},
      {"GET", "/api/workflows/stats", plain(&ApiHandlers::workflow_stats)},
      {"GET", "/api/services/stats", plain(&ApiHandlers::service_stats)},
      {"GET", "/api/dependencies", with_req(&ApiHandlers::dependencies)},
      {"GET", "/api/agents/stats", plain(&ApiHandlers::agent_stats)},
      {"GET", "/api/models/stats", plain(&ApiHandlers::model_stats)},
      {"GET", "/api/prices", plain(&ApiHandlers::prices)},
      {"GET", "/api/config", plain(&ApiHandlers::config)},
      {"GET", "/api/events", plain(&ApiHandlers::events)},
  };
}

Response ApiRouter::handle(const Request& req) const {
  Response res;
  try {
    if (auto preflight = guard_.admit(req)) {
      res = std::move(*preflight);
    } else {
      res = route(req);
    }
  } catch (const Error& e) {
    res = error_response(e);
  } catch (const std::exception& e) {
    res = error_response(Error(ErrorCode::Internal, std::string("internal error: ") + e.what()));
  }
  guard_.decorate(req, res);
  return res;
}

Response ApiRouter::static_file(const Request& req) const {
  if (req.method != "GET" && req.method != "HEAD") {
    throw Error(ErrorCode::MethodNotAllowed, "method " + req.method + " not allowed on " + req.path);
  }
  // The raw target, not the transport's decoded path: the file check
  // decodes once itself and refuses what decoding could hide.
  std::string_view raw = req.raw_target;
  raw = raw.substr(0, raw.find('?'));
  if (dashboard_ && files_) {
    if (auto r = files_->serve(raw)) return *r;
  }
  if (raw == "/" && dashboard_) {
    throw Error(ErrorCode::NotFound, "the dashboard files were not found: build the web dashboard or set FLOCK_WEB_ROOT");
  }
  throw Error(ErrorCode::NotFound, "no such file");
}

Response ApiRouter::route(const Request& req) const {
  const std::string& p = req.path;
  if (p == "/v1/traces") {
    if (req.method != "POST") throw Error(ErrorCode::MethodNotAllowed, "use POST on /v1/traces (OTLP/HTTP)");
    guard_.authenticate(req);
    return receive_otlp_traces(req, served_file_.empty() ? nullptr : &served_file_);
  }
  if (p.rfind("/api/", 0) != 0 && p != "/api") return static_file(req);
  const std::string method = req.method == "HEAD" ? "GET" : req.method;
  if (p == "/api/health") {
    if (method != "GET") throw Error(ErrorCode::MethodNotAllowed, "use GET on /api/health");
    return json_response(200, Json{{"status", "ok"}});
  }
  guard_.authenticate(req);
  std::string allowed;
  for (const Route& r : routes_) {
    if (r.path != p) continue;
    if (r.method == method) return r.handler(req);
    allowed += allowed.empty() ? r.method : " or " + r.method;
  }
  const std::string traces = "/api/traces/";
  if (allowed.empty() && p.rfind(traces, 0) == 0) {
    if (method != "GET") throw Error(ErrorCode::MethodNotAllowed, "use GET on " + p);
    std::string rest = p.substr(traces.size());
    bool otlp = rest.size() > 5 && rest.compare(rest.size() - 5, 5, "/otlp") == 0;
    if (otlp) rest.resize(rest.size() - 5);
    return handlers_.trace(normalized_trace_id(rest), otlp);
  }
  if (!allowed.empty()) throw Error(ErrorCode::MethodNotAllowed, "use " + allowed + " on " + p);
  throw Error(ErrorCode::NotFound, "no such route: " + req.method + " " + p);
}

}  // namespace flockcpp::detail

// The routes of API.md §5: auth, CORS, validation and JSON errors around the
// trace queries and, when a Flock is served, its blackboard.
#pragma once
#include <memory>
#include <string>

#include "flock/server.hpp"
#include "server/event_hub.hpp"
#include "server/http_transport.hpp"
#include "server/static_files.hpp"
#include "storage/trace_queries.hpp"

namespace flock::detail {

// True for localhost, [::1]/::1 and a numeric 127.a.b.c, with or without a
// port: the addresses that count as loopback for binding and for Host.
bool is_loopback_host(const std::string& host_or_host_header);

// An artifact as the API shows it; the payload is left out for live events.
Json artifact_json(const Artifact& a, bool with_payload = true);

class ApiRouter {
 public:
  // flock may be null (a trace file alone).
  ApiRouter(Flock* flock, std::string trace_store, ServeOptions options, std::string token, EventHub& events,
            std::unique_ptr<StaticFiles> files, bool loopback);
  flock_http::Response handle(const flock_http::Request& req) const;

 private:
  flock_http::Response route(const flock_http::Request& req) const;
  flock_http::Response publish(const flock_http::Request& req) const;
  flock_http::Response list_artifacts(const flock_http::Request& req) const;
  flock_http::Response agents() const;
  flock_http::Response artifact_types() const;
  flock_http::Response list_traces(const flock_http::Request& req) const;
  flock_http::Response trace(const std::string& id, bool otlp) const;
  flock_http::Response query(const flock_http::Request& req) const;
  flock_http::Response events() const;

  Flock* flock_;
  TraceQueries queries_;
  ServeOptions options_;
  std::string token_;
  EventHub& events_;
  std::unique_ptr<StaticFiles> files_;
  bool loopback_;
};

}  // namespace flock::detail

// The handlers of the HTTP API's routes (docs/http-api.md): the blackboard of a
// running Flock (when there is one) and the trace store through the store
// seam (storage/trace_store.hpp). A handler returns the answer or throws Error.
#pragma once
#include <memory>
#include <string>

#include "flock/artifact.hpp"
#include "flock/json.hpp"
#include "flock/server.hpp"
#include "storage/trace_store.hpp"
#include "server/event_hub.hpp"
#include "server/http_transport.hpp"

namespace flockcpp {
class Flock;
}

namespace flockcpp::detail {

// An artifact as the API shows it; the payload is left out for live events.
Json artifact_json(const Artifact& a, bool with_payload = true);

class ApiHandlers {
 public:
  // flock may be null (a trace file alone).
  ApiHandlers(Flock* flock, std::shared_ptr<const TraceStore> store, ServeOptions options, EventHub& events)
      : flock_(flock), store_(std::move(store)), options_(std::move(options)), events_(events) {}

  using Request = http::Request;
  using Response = http::Response;

  Response agents() const;
  Response artifact_types() const;
  Response publish(const Request& req) const;
  Response list_artifacts(const Request& req) const;
  Response list_traces(const Request& req) const;
  Response trace(const std::string& id, bool otlp) const;
  Response services() const;
  Response stats() const;
  Response workflow_stats() const;
  Response service_stats() const;
  Response dependencies(const Request& req) const;
  Response agent_stats() const;
  Response model_stats() const;
  Response prices() const;
  Response config() const;
  Response query(const Request& req) const;
  Response clear(const Request& req) const;
  Response events() const;

 private:
  Flock* flock_;
  std::shared_ptr<const TraceStore> store_;
  ServeOptions options_;
  EventHub& events_;
};

}  // namespace flockcpp::detail

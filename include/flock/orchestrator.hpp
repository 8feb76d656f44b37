// flockcpp::Flock, the blackboard orchestrator: agents subscribe to artifact
// types, publish() schedules them on a thread pool, run_until_idle() waits.
#pragma once
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "flock/agent.hpp"
#include "flock/artifact.hpp"
#include "flock/clear_result.hpp"
#include "flock/server.hpp"
#include "flock/tracing.hpp"
#include "flock/types.hpp"

namespace flockcpp {

namespace detail {
class Orchestrator;
struct FlockAccess;  // defined in the library's own sources only
}  // namespace detail

struct FlockOptions {
  int workers = 0;                  // agent threads; 0: hardware concurrency (at least 2)
  int max_agent_iterations = 1000;  // agent executions per run_until_idle before a cascade is stopped
};

// An agent execution that failed.
struct AgentError {
  std::string agent;
  std::string exception_type;
  std::string message;
  std::string correlation_id;
  std::string trace_id;
  std::string span_id;
};

// What run_until_idle() reports about the work it waited for.
struct RunReport {
  std::uint64_t executions = 0;
  std::vector<AgentError> errors;
  bool iteration_limit_reached = false;
  bool ok() const { return errors.empty() && !iteration_limit_reached; }
};

class Flock {
 public:
  explicit Flock(std::string model = "", FlockOptions options = {});
  ~Flock();
  Flock(const Flock&) = delete;
  Flock& operator=(const Flock&) = delete;

  // Registers an agent; a duplicate name throws std::invalid_argument.
  AgentBuilder& agent(std::string name);

  template <class T>
  ArtifactPtr publish(const T& obj, PublishOptions options = {}) {
    return publish_json(type_name<T>(), Json(obj), std::move(options));
  }
  // Publishes a payload of a registered type given by name; throws
  // std::invalid_argument for an unknown type or a payload that does not fit
  // its schema.
  ArtifactPtr publish_json(const std::string& type, Json payload, PublishOptions options = {});

  // Blocks until no agent is running or scheduled.
  RunReport run_until_idle();

  // The HTTP API and dashboard of docs/http-api.md over this Flock; blocks until
  // SIGINT/SIGTERM (spans are flushed first). Throws flockcpp::Error when
  // the address cannot be used.
  void serve(ServeOptions options = {});

  BlackboardStore& store();
  const std::string& model() const;
  std::vector<std::string> agent_names() const;

  TracedRun traced_run(std::string_view name);
  // Continues a trace started elsewhere (e.g. a W3C traceparent).
  TracedRun traced_run(std::string_view name, const SpanContext& remote_parent);

  // Runs fn inside a workflow span. fn takes TracedRun& or nothing; an
  // exception is recorded on the span and rethrown.
  template <class F>
    requires std::is_invocable_v<F, TracedRun&> || std::is_invocable_v<F>
  decltype(auto) traced_run(std::string_view name, F&& fn) {
    TracedRun run = traced_run(name);
    try {
      if constexpr (std::is_invocable_v<F, TracedRun&>) {
        return std::forward<F>(fn)(run);
      } else {
        return std::forward<F>(fn)();
      }
    } catch (const std::exception& e) {
      run.record_exception(e);
      throw;
    } catch (...) {
      run.set_status(StatusCode::Error, "non-standard exception");
      throw;
    }
  }

  // Deletes every span of the trace store and shrinks the file. store: a
  // path, duckdb:PATH, or a clickhouse:// URL (not available in this build
  // yet: a failed result saying so, as for a malformed store).
  static ClearResult clear_traces(const std::string& store = ".flock/traces.duckdb");

 private:
  // The library's own layers above core (the HTTP server) reach the
  // orchestrator through an internal header (src/core/flock_access.hpp);
  // this header declares no function that returns it.
  friend struct detail::FlockAccess;

  std::unique_ptr<detail::Orchestrator> impl_;
};

}  // namespace flockcpp

// Components and engines: what runs inside an agent, hook by hook. Every hook
// a component overrides gets its own span, `<Class>.<hook>`.
#pragma once
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "flock/artifact.hpp"
#include "flock/json.hpp"
#include "flock/tracing.hpp"

namespace flock {

class Flock;

// What one agent execution knows about itself.
class AgentContext {
 public:
  AgentContext(Flock& flock, const std::string& agent, const std::string& description,
               const std::vector<std::string>& publishes, std::string correlation_id)
      : flock_(flock), agent_(agent), description_(description), publishes_(publishes),
        correlation_id_(std::move(correlation_id)) {}
  Flock& flock() const { return flock_; }
  const std::string& agent_name() const { return agent_; }
  const std::string& description() const { return description_; }
  const std::vector<std::string>& publishes() const { return publishes_; }
  const std::string& correlation_id() const { return correlation_id_; }

 private:
  Flock& flock_;
  const std::string& agent_;
  const std::string& description_;
  const std::vector<std::string>& publishes_;
  std::string correlation_id_;
};

struct EvalInputs {
  std::vector<ArtifactPtr> artifacts;
};

// One artifact an engine wants published.
struct Output {
  std::string type;
  Json payload;
};

struct EvalResult {
  std::vector<Output> outputs;
};

class Component {
 public:
  virtual ~Component() = default;
  // Span prefix: the class name without namespaces (override to rename).
  virtual std::string name() const;

  virtual void on_initialize(AgentContext& ctx);
  virtual void on_pre_consume(AgentContext& ctx, std::vector<ArtifactPtr>& inputs);
  virtual void on_pre_evaluate(AgentContext& ctx, EvalInputs& inputs);
  virtual void on_post_evaluate(AgentContext& ctx, EvalResult& result);
  virtual void on_post_publish(AgentContext& ctx, const Artifact& published);
  virtual void on_error(AgentContext& ctx, std::exception_ptr error);
  virtual void on_terminate(AgentContext& ctx);
};

class Engine : public Component {
 public:
  virtual EvalResult evaluate(AgentContext& ctx, const EvalInputs& inputs) = 0;
};

using ComponentPtr = std::shared_ptr<Component>;
using EnginePtr = std::shared_ptr<Engine>;

namespace detail {
// The base hooks call this so the runtime can tell an overridden hook (which
// gets a span) from the default no-op (which does not).
void mark_default_hook() noexcept;
}  // namespace detail

}  // namespace flock

// Components and engines: what runs inside an agent, hook by hook. Every hook
// a component overrides gets its own span, `<Class>.<hook>`.
#pragma once
#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "flock/artifact.hpp"
#include "flock/json.hpp"
#include "flock/tracing.hpp"

namespace flockcpp {

class Flock;

// What a component or engine may know and do during one execution of its
// agent: the agent, the correlation id, cancellation and a sink for
// streamed tokens.
class AgentContext {
 public:
  // Receives text an engine produces as it goes (a model's streamed tokens)
  // with the span it belongs to; the Flock passes it on to live listeners.
  using TokenSink = std::function<void(std::string_view text, const SpanContext& span)>;

  AgentContext(Flock& flock, const std::string& agent, const std::string& description,
               const std::vector<std::string>& publishes, std::string correlation_id,
               const std::atomic<bool>* cancelled = nullptr, TokenSink tokens = {})
      : flock_(flock), agent_(agent), description_(description), publishes_(publishes),
        correlation_id_(std::move(correlation_id)), cancelled_(cancelled), tokens_(std::move(tokens)) {}
  Flock& flock() const { return flock_; }
  const std::string& agent_name() const { return agent_; }
  const std::string& description() const { return description_; }
  const std::vector<std::string>& publishes() const { return publishes_; }
  const std::string& correlation_id() const { return correlation_id_; }

  // Set once the Flock is stopping (a signal, or its destructor): long work
  // such as a model call should give up.
  const std::atomic<bool>& cancelled() const { return cancelled_ != nullptr ? *cancelled_ : never_; }
  // True when the Flock takes streamed text (it passes it on to live
  // listeners, such as the HTTP API's event stream, while there are some).
  bool wants_tokens() const { return static_cast<bool>(tokens_); }
  void emit_token(std::string_view text, const SpanContext& span) const {
    if (tokens_) tokens_(text, span);
  }

 private:
  Flock& flock_;
  const std::string& agent_;
  const std::string& description_;
  const std::vector<std::string>& publishes_;
  std::string correlation_id_;
  const std::atomic<bool>* cancelled_;
  TokenSink tokens_;
  static inline const std::atomic<bool> never_{false};
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

}  // namespace flockcpp

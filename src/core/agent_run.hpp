// One execution of one agent on one artifact: the Agent.execute span, each
// component's hooks in order (each overridden hook its own span), the
// engine, publishing the outputs, and error handling.
#pragma once
#include "core/agent_spec.hpp"
#include "core/orchestrator.hpp"

namespace flockcpp::detail {

class AgentRun {
 public:
  AgentRun(Orchestrator& orch, AgentSpec& spec, ArtifactPtr input, const SpanContext& parent)
      : orch_(orch), spec_(spec), input_(std::move(input)), parent_(parent) {}
  void execute();

 private:
  // Calls fn inside a span named for (component, hook); the span is dropped
  // when the component did not override the hook.
  template <class Fn>
  void hook(std::size_t component, Hook h, Fn&& fn);

  Orchestrator& orch_;
  AgentSpec& spec_;
  ArtifactPtr input_;
  SpanContext parent_;
};

}  // namespace flockcpp::detail

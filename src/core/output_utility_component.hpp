// Added to every agent first, as in Python Flock: checks that what the
// engine produced is what the agent declared it publishes, and that every
// output fits its type's schema, before anything reaches the blackboard.
#pragma once
#include "flock/component.hpp"

namespace flockcpp::detail {

class OutputUtilityComponent : public Component {
 public:
  std::string name() const override { return "OutputUtilityComponent"; }
  void on_initialize(AgentContext& ctx) override;
  void on_post_evaluate(AgentContext& ctx, EvalResult& result) override;
};

}  // namespace flockcpp::detail

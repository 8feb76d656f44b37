#include <stdexcept>

#include "core/orchestrator.hpp"
#include "flock/agent.hpp"

namespace flockcpp {

AgentBuilder& AgentBuilder::description(std::string text) {
  orch_.modify(spec_, [&](detail::AgentSpec& s) { s.description = std::move(text); });
  return *this;
}

AgentBuilder& AgentBuilder::with_engine(EnginePtr engine) {
  if (!engine) throw std::invalid_argument("agent '" + spec_.name + "': with_engine(nullptr)");
  orch_.modify(spec_, [&](detail::AgentSpec& s) { s.engine = std::move(engine); });
  return *this;
}

AgentBuilder& AgentBuilder::with_component(ComponentPtr component) {
  if (!component) throw std::invalid_argument("agent '" + spec_.name + "': with_component(nullptr)");
  orch_.modify(spec_, [&](detail::AgentSpec& s) { s.components.push_back(std::move(component)); });
  return *this;
}

AgentBuilder& AgentBuilder::max_concurrency(int n) {
  if (n < 1) throw std::invalid_argument("agent '" + spec_.name + "': max_concurrency must be at least 1");
  orch_.modify(spec_, [&](detail::AgentSpec& s) { s.max_concurrency = n; });
  return *this;
}

AgentBuilder& AgentBuilder::prevent_self_trigger(bool on) {
  orch_.modify(spec_, [&](detail::AgentSpec& s) { s.prevent_self_trigger = on; });
  return *this;
}

const std::string& AgentBuilder::name() const { return spec_.name; }

void AgentBuilder::add_subscription(std::string type, std::function<bool(const Artifact&)> pred) {
  orch_.modify(spec_, [&](detail::AgentSpec& s) { s.subscriptions.push_back({std::move(type), std::move(pred)}); });
}

void AgentBuilder::add_publish(std::string type) {
  orch_.modify(spec_, [&](detail::AgentSpec& s) {
    for (const auto& t : s.publishes)
      if (t == type) return;
    s.publishes.push_back(std::move(type));
  });
}

}  // namespace flockcpp

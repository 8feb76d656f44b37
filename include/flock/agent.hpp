// The agent builder: flock.agent("name").consumes<A>().publishes<B>()...
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "flock/artifact.hpp"
#include "flock/component.hpp"
#include "flock/tool.hpp"
#include "flock/types.hpp"

namespace flockcpp {

namespace detail {
struct AgentSpec;
class Orchestrator;
}  // namespace detail

class AgentBuilder {
 public:
  AgentBuilder(detail::Orchestrator& orchestrator, detail::AgentSpec& spec) : orch_(orchestrator), spec_(spec) {}
  AgentBuilder(const AgentBuilder&) = delete;
  AgentBuilder& operator=(const AgentBuilder&) = delete;

  AgentBuilder& description(std::string text);

  template <class... Ts>
  AgentBuilder& consumes() {
    (add_subscription(type_name<Ts>(), nullptr), ...);
    return *this;
  }
  // Runs only for artifacts of T for which pred(const T&) is true.
  template <class T, class Pred>
  AgentBuilder& consumes(Pred pred) {
    add_subscription(type_name<T>(), [pred = std::move(pred)](const Artifact& a) {
      return static_cast<bool>(pred(a.payload->get<T>()));
    });
    return *this;
  }
  template <class... Ts>
  AgentBuilder& publishes() {
    (add_publish(type_name<Ts>()), ...);
    return *this;
  }
  AgentBuilder& with_engine(EnginePtr engine);
  AgentBuilder& with_component(ComponentPtr component);
  // A function the agent's model may call (the LLM engine); see tool().
  // A second tool of the same name throws std::invalid_argument.
  AgentBuilder& with_tool(Tool tool);
  AgentBuilder& max_concurrency(int n);
  AgentBuilder& prevent_self_trigger(bool on = true);

  const std::string& name() const;

 private:
  void add_subscription(std::string type, std::function<bool(const Artifact&)> pred);
  void add_publish(std::string type);
  detail::Orchestrator& orch_;
  detail::AgentSpec& spec_;
};

}  // namespace flockcpp

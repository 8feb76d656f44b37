#include <map>
#include <mutex>
#include <stdexcept>
#include <utility>

#include "core/orchestrator.hpp"
#include "flock/agent.hpp"
#include "flock/error.hpp"

namespace flockcpp {

namespace detail {
namespace {

struct ToolRegistry {
  std::mutex mu;
  std::map<std::pair<const Flock*, std::string>, std::shared_ptr<const ToolList>, std::less<>> by_agent;
};

ToolRegistry& tool_registry() {
  static auto* r = new ToolRegistry();  // outlives Flocks destroyed by static destructors
  return *r;
}

}  // namespace

AgentTools::~AgentTools() {
  if (flock_ == nullptr) return;
  auto& r = tool_registry();
  std::lock_guard lock(r.mu);
  r.by_agent.erase({flock_, agent_});
}

void AgentTools::add(const Flock& flock, const std::string& agent, Tool tool) {
  for (const Tool& t : *list_) {
    if (t.name() == tool.name()) {
      throw Error(ErrorCode::InvalidArgument, "agent '" + agent + "' already has a tool named '" + tool.name() + "'");
    }
  }
  auto next = std::make_shared<ToolList>(*list_);
  next->push_back(std::move(tool));
  list_ = std::move(next);
  flock_ = &flock;
  agent_ = agent;
  auto& r = tool_registry();
  std::lock_guard lock(r.mu);
  r.by_agent[{flock_, agent_}] = list_;
}

std::shared_ptr<const ToolList> tools_of(const AgentContext& ctx) {
  auto& r = tool_registry();
  std::lock_guard lock(r.mu);
  auto it = r.by_agent.find(std::pair<const Flock*, std::string>(&ctx.flock(), ctx.agent_name()));
  if (it == r.by_agent.end()) return std::make_shared<const ToolList>();
  return it->second;
}

}  // namespace detail

AgentBuilder& AgentBuilder::description(std::string text) {
  orch_.modify(spec_, [&](detail::AgentSpec& s) { s.description = std::move(text); });
  return *this;
}

AgentBuilder& AgentBuilder::with_engine(EnginePtr engine) {
  if (!engine) throw Error(ErrorCode::InvalidArgument, "agent '" + spec_.name + "': with_engine(nullptr)");
  orch_.modify(spec_, [&](detail::AgentSpec& s) { s.engine = std::move(engine); });
  return *this;
}

AgentBuilder& AgentBuilder::with_component(ComponentPtr component) {
  if (!component) throw Error(ErrorCode::InvalidArgument, "agent '" + spec_.name + "': with_component(nullptr)");
  orch_.modify(spec_, [&](detail::AgentSpec& s) { s.components.push_back(std::move(component)); });
  return *this;
}

AgentBuilder& AgentBuilder::with_tool(Tool tool) {
  orch_.modify(spec_, [&](detail::AgentSpec& s) { s.tools.add(orch_.owner(), s.name, std::move(tool)); });
  return *this;
}

AgentBuilder& AgentBuilder::max_concurrency(int n) {
  if (n < 1) throw Error(ErrorCode::InvalidArgument, "agent '" + spec_.name + "': max_concurrency must be at least 1");
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

// An agent as the orchestrator keeps it: what the builder declared, plus
// what the runtime derives once before the first run.
#pragma once
#include <array>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "flock/component.hpp"
#include "flock/tool.hpp"
#include "flock/tracing.hpp"

namespace flockcpp::detail {

using ToolList = std::vector<Tool>;

// An agent's tools (with_tool). Engines get no AgentSpec, so the list is
// also published under (Flock, agent name) for tools_of(); it leaves that
// registry with the spec, before another Flock could reuse the address.
class AgentTools {
 public:
  AgentTools() = default;
  AgentTools(const AgentTools&) = delete;
  AgentTools& operator=(const AgentTools&) = delete;
  ~AgentTools();
  // Throws std::invalid_argument when the agent has a tool of that name.
  void add(const Flock& flock, const std::string& agent, Tool tool);
  std::shared_ptr<const ToolList> list() const { return list_; }

 private:
  const Flock* flock_ = nullptr;
  std::string agent_;
  std::shared_ptr<const ToolList> list_ = std::make_shared<const ToolList>();
};

// The tools of the agent an engine runs for (empty when it has none).
std::shared_ptr<const ToolList> tools_of(const AgentContext& ctx);

struct Subscription {
  std::string type;
  std::function<bool(const Artifact&)> predicate;  // empty: every artifact of the type
};

enum Hook : std::size_t {
  kOnInitialize,
  kOnPreConsume,
  kOnPreEvaluate,
  kEvaluate,
  kOnPostEvaluate,
  kOnPostPublish,
  kOnError,
  kOnTerminate,
  kHookCount
};
inline constexpr const char* kHookNames[kHookCount] = {"on_initialize",    "on_pre_consume", "on_pre_evaluate",
                                                       "evaluate",         "on_post_evaluate", "on_post_publish",
                                                       "on_error",         "on_terminate"};

// A unit of work: run agent on one artifact, as a child of the span that
// published it.
struct AgentTask {
  struct AgentSpec* agent;
  ArtifactPtr artifact;
  SpanContext parent;
};

struct AgentSpec {
  std::string name;
  std::string description;
  std::vector<Subscription> subscriptions;
  std::vector<std::string> publishes;
  EnginePtr engine;
  std::vector<ComponentPtr> components;  // user components, after the built-in one
  int max_concurrency = 1;
  bool prevent_self_trigger = true;
  AgentTools tools;

  // Derived on first schedule (then the agent is frozen).
  bool frozen = false;
  std::vector<ComponentPtr> pipeline;  // built-in, user components, engine last
  std::vector<std::array<std::string, kHookCount>> span_names;  // per pipeline entry

  // Scheduling state, guarded by the orchestrator's mutex.
  int running = 0;
  std::deque<AgentTask> backlog;
};

}  // namespace flockcpp::detail

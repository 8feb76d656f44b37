// The orchestrator behind flockcpp::Flock: agents, the blackboard, scheduling
// with per-agent concurrency, idle tracking, and the cascade limit.
#pragma once
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/agent_spec.hpp"
#include "core/flock_events.hpp"
#include "core/scheduler.hpp"
#include "flock/orchestrator.hpp"

namespace flockcpp::detail {

class Orchestrator {
 public:
  Orchestrator(Flock& owner, std::string model, FlockOptions options);
  ~Orchestrator();

  AgentBuilder& add_agent(std::string name);
  // Runs fn on the agent's spec under the lock; throws once the agent ran.
  void modify(AgentSpec& spec, const std::function<void(AgentSpec&)>& fn);

  ArtifactPtr publish_external(const std::string& type, Json payload, PublishOptions options);
  RunReport run_until_idle();
  // Ends a run: collects its errors and counters and resets them.
  void close_run(RunReport& report);

  BlackboardStore& store() { return store_; }
  const std::string& model() const { return model_; }
  std::vector<std::string> agent_names() const;
  Flock& owner() { return owner_; }
  // Agents as registered, for readers (the HTTP API); a copy under the lock.
  struct AgentInfo {
    std::string name;
    std::string description;
    std::vector<std::string> consumes;
    std::vector<std::string> publishes;
    int max_concurrency = 0;
    bool prevent_self_trigger = true;
  };
  std::vector<AgentInfo> agents() const;
  FlockEvents& events() { return events_; }
  // Set when the Flock shuts down or a signal stops it: long calls (a model
  // answering) abort.
  const std::atomic<bool>& cancelled() const { return cancelled_; }

  // Called by AgentRun for outputs: store, then schedule subscribers.
  ArtifactPtr publish_output(const AgentSpec& producer, const Output& out, const std::string& correlation_id,
                             const SpanContext& parent);
  void record_error(AgentError error);

 private:
  ArtifactPtr make_artifact(const std::string& type, Json payload, std::string produced_by,
                            std::string correlation_id, std::vector<std::string> tags);
  // Onto the blackboard, and told to observers (the live event stream).
  void add_to_blackboard(const ArtifactPtr& artifact);
  void schedule(const ArtifactPtr& artifact, const SpanContext& parent, const AgentSpec* producer);
  void freeze(AgentSpec& spec);
  void start_locked(AgentSpec& spec, AgentTask task);
  void run_task(AgentTask task);
  void on_signal();
  void flush_while_writing();
  SpanContext workflow_parent();

  Flock& owner_;
  std::string model_;
  FlockOptions options_;
  BlackboardStore store_;
  FlockEvents events_;
  std::atomic<bool> cancelled_{false};

  mutable std::mutex mu_;
  std::condition_variable idle_cv_;
  std::deque<std::unique_ptr<AgentSpec>> agents_;
  std::deque<std::unique_ptr<AgentBuilder>> builders_;
  std::size_t outstanding_ = 0;  // scheduled, waiting or running tasks
  std::uint64_t executions_ = 0;  // since the last run ended
  bool limit_reached_ = false;
  bool stopping_ = false;
  std::vector<AgentError> errors_;

  std::mutex workflow_mu_;
  std::optional<TracedRun> auto_workflow_;  // FLOCK_AUTO_WORKFLOW_TRACE

  int signal_hook_ = 0;
  Scheduler scheduler_;  // last: its threads stop before the state above goes
};

}  // namespace flockcpp::detail

// What happens on the blackboard, for observers beside the flow (the live
// event stream of the HTTP API). Emitting costs one atomic load when nobody
// listens.
#pragma once
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "flock/artifact.hpp"

namespace flockcpp::detail {

struct FlockEvent {
  enum class Kind { ArtifactPublished, AgentStarted, AgentFinished, AgentFailed, LlmToken };
  Kind kind;
  ArtifactPtr artifact;  // published, or the agent's input
  std::string agent;
  std::string trace_id;
  std::string span_id;
  std::string error;  // AgentFailed: "type: message"
  std::string text;   // LlmToken: the streamed text
};

class FlockEvents {
 public:
  using Listener = std::function<void(const FlockEvent&)>;

  int add(Listener listener) {
    std::unique_lock lock(mu_);
    int id = ++next_;
    listeners_[id] = std::move(listener);
    active_.store(true, std::memory_order_release);
    return id;
  }
  void remove(int id) {
    std::unique_lock lock(mu_);
    listeners_.erase(id);
    active_.store(!listeners_.empty(), std::memory_order_release);
  }
  bool active() const { return active_.load(std::memory_order_acquire); }
  // Listeners run on the emitting thread and must not block.
  void emit(const FlockEvent& event) const {
    std::shared_lock lock(mu_);
    for (const auto& [id, listener] : listeners_) listener(event);
  }

 private:
  mutable std::shared_mutex mu_;
  std::map<int, Listener> listeners_;
  int next_ = 0;
  std::atomic<bool> active_{false};
};

}  // namespace flockcpp::detail

// The configuration the span hot path reads: published once per
// configure() as an immutable object behind an atomic pointer, so reading it
// takes no lock.
#pragma once
#include <string>
#include <string_view>
#include <unordered_set>

#include "flock/trace_config.hpp"

namespace flockcpp::detail {

// What the span hot path needs, immutable once published.
struct HotConfig {
  bool enabled = false;     // a pipeline runs and the SDK is not disabled
  bool auto_trace = true;   // automatic spans (publish, agents, hooks)
  SpanLimits limits;
  QueueFullPolicy policy = QueueFullPolicy::Wait;
  std::unordered_set<std::string> ignore;    // span names never traced
  std::unordered_set<std::string> services;  // lower-cased; empty: all

  // True when an automatic span of this name is traced.
  bool wants(std::string_view name) const;
};

// A HotConfig for `config`; enabled when a processor runs and the SDK is not
// disabled.
HotConfig make_hot_config(const TraceConfig& config, bool running);

}  // namespace flockcpp::detail

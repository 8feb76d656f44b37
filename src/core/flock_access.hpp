// The orchestrator behind a Flock, for the library's layers above core (the
// HTTP server lists agents and listens to blackboard events). Not a public
// header: programs use flockcpp::Flock's own API.
#pragma once
#include "core/orchestrator.hpp"
#include "flock/orchestrator.hpp"

namespace flockcpp::detail {

// Flock's friend: the one way from a Flock to its orchestrator.
struct FlockAccess {
  static Orchestrator& orchestrator(Flock& flock) { return *flock.impl_; }
};

inline Orchestrator& orchestrator_of(Flock& flock) { return FlockAccess::orchestrator(flock); }

}  // namespace flockcpp::detail

// The orchestrator behind a Flock, for the library's layers above core (the
// HTTP server lists agents and listens to blackboard events). Not a public
// header: programs use flockcpp::Flock's own API.
#pragma once
#include "core/orchestrator.hpp"
#include "flock/orchestrator.hpp"

namespace flockcpp::detail {

Orchestrator& orchestrator_of(Flock& flock);

}  // namespace flockcpp::detail

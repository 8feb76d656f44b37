// Flock::clear_traces behind the public API.
#pragma once
#include <string>

#include "flock/orchestrator.hpp"

namespace flock::detail {

// Deletes every span and leaves a file no bigger than a fresh store.
ClearResult clear_trace_store(const std::string& path);

}  // namespace flock::detail

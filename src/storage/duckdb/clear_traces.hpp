// Flock::clear_traces behind the public API.
#pragma once
#include <string>

#include "flock/clear_result.hpp"

namespace flockcpp::detail {

// Deletes every span and leaves a file no bigger than a fresh store.
ClearResult clear_trace_store(const std::string& path);

}  // namespace flockcpp::detail

// Trace store administration beside the public reader.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "flock/orchestrator.hpp"
#include "flock/trace_reader.hpp"
#include "storage/duckdb_handle.hpp"

namespace flock::detail {

// Deletes every span and leaves a file no bigger than a fresh store.
ClearResult clear_trace_store(const std::string& path);

}  // namespace flock::detail

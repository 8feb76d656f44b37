// What clearing a trace store did (Flock::clear_traces, TraceStoreReader::clear,
// POST /api/traces/clear).
#pragma once
#include <cstdint>
#include <string>

namespace flockcpp {

struct ClearResult {
  bool success = false;
  std::int64_t deleted_count = 0;
  std::string error;  // why it failed; empty on success
};

}  // namespace flockcpp

// Flock::clear_traces is the orchestrator's API, but clearing is the trace
// store's work: defined here, above both, so core never includes storage.
#include "flock/orchestrator.hpp"
#include "storage/clear_traces.hpp"

namespace flockcpp {

ClearResult Flock::clear_traces(const std::string& path) { return detail::clear_trace_store(path); }

}  // namespace flockcpp

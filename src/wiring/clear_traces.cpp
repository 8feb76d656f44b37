// Flock::clear_traces is the orchestrator's API, but clearing is the trace
// store's work: defined here, above both, so core never includes storage.
#include "flock/orchestrator.hpp"
#include "flock/error.hpp"
#include "storage/trace_store.hpp"

namespace flockcpp {

// A store that cannot be cleared here (malformed, or one this build cannot
// open) is a failed ClearResult like any other: this call reports, it does
// not throw.
ClearResult Flock::clear_traces(const std::string& store) {
  try {
    return detail::open_trace_store(store)->clear();
  } catch (const Error& e) {
    ClearResult r;
    r.error = e.what();
    return r;
  }
}

}  // namespace flockcpp

// Flock::clear_traces is the orchestrator's API, but clearing is the trace
// store's work: defined here, above both, so core never includes storage.
#include "flock/orchestrator.hpp"
#include "common/store_locator.hpp"
#include "flock/error.hpp"
#include "storage/clear_traces.hpp"

namespace flockcpp {

// A store that cannot be cleared here (malformed, or ClickHouse) is a failed
// ClearResult like any other: this call reports, it does not throw.
ClearResult Flock::clear_traces(const std::string& store) {
  try {
    return detail::clear_trace_store(detail::duckdb_store_path(store));
  } catch (const Error& e) {
    ClearResult r;
    r.error = e.what();
    return r;
  }
}

}  // namespace flockcpp

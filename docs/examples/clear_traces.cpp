// docs/examples/clear_traces.cpp
#include <flock/flock.hpp>

#include <iostream>

struct Ping {
  int n = 0;
};
FLOCK_TYPE(Ping, n)

int main() {
  // Spans go to the trace file whatever the environment says.
  flockcpp::TraceConfig config = flockcpp::TraceConfig::from_env();
  config.trace_file = true;
  flockcpp::tracing::configure(config);
  const std::string path = config.trace_file_path;  // FLOCK_TRACE_PATH, else .flock/traces.duckdb

  flockcpp::Flock flock;
  {
    auto span = flock.traced_run("debug_session");
    flock.publish(Ping{1});
    flock.run_until_idle();
  }
  flockcpp::tracing::force_flush();  // the spans so far are in the file

  // Clear all traces. Flock::clear_traces() with no argument clears
  // .flock/traces.duckdb; pass the path when FLOCK_TRACE_PATH moved it.
  flockcpp::ClearResult result = flockcpp::Flock::clear_traces(path);
  if (result.success) {
    std::cout << "Traces cleared: deleted " << result.deleted_count << " spans\n";
  } else {
    std::cout << "Error: " << result.error << "\n";
  }

  // A missing or unreadable file is success == false with a message, never an exception.
  result = flockcpp::Flock::clear_traces(".flock/custom_traces.duckdb");
  if (!result.success) std::cout << "Error: " << result.error << "\n";
}

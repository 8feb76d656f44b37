// Flock::serve(): the dashboard over a running Flock, until SIGINT/SIGTERM
// (spans flushed first) or DashboardServer::stop().
#include <cstdio>

#include "flock/orchestrator.hpp"
#include "flock/server.hpp"
#include "flock/trace_config.hpp"
#include "tracing/signals.hpp"
#include "common/log.hpp"
#include "common/store_locator.hpp"

namespace flockcpp {

void Flock::serve(ServeOptions options) {
  if (options.trace_store.empty()) {
    TraceConfig config = tracing::current_config();
    if (!config.trace_file) {
      // The dashboard reads the trace store: keep spans there from now on.
      detail::logf(LogLevel::Info, "serve(): FLOCK_TRACE_FILE is off; storing spans in %s for the dashboard",
                   config.trace_file_path.c_str());
      config.trace_file = true;
      tracing::configure(config);
    }
    // A path, handed on as exactly that file (DashboardServer parses a locator).
    options.trace_store = detail::file_store_locator(config.trace_file_path);
  }
  DashboardServer server(*this, std::move(options));
  server.start();
  detail::install_signal_flush();
  // The watcher must not wait for the server's threads: it flushes next.
  int hook = detail::add_signal_hook([&server](int) { server.request_stop(); });
  server.wait();
  detail::remove_signal_hook(hook);
  server.stop();
}

}  // namespace flockcpp

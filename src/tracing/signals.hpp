// SIGINT/SIGTERM: stop agents, end open workflow spans, flush, then let the
// signal take its default course.
#pragma once
#include <functional>

namespace flockcpp::detail {

// Installs the handlers once, for signals whose disposition is the default.
void install_signal_flush();

// Work to do before flushing on a signal (the orchestrator stops scheduling
// and waits briefly for running agents). Returns an id for removal. A hook
// must not add or remove hooks; removal waits for a hook that is running.
int add_signal_hook(std::function<void(int)> hook);
void remove_signal_hook(int id);

}  // namespace flockcpp::detail

#include "tracing/signals.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include "flock/trace_config.hpp"
#include "tracing/span_control.hpp"

namespace flockcpp::detail {
namespace {

int g_pipe[2] = {-1, -1};
std::once_flag g_once;
std::mutex g_hooks_mu;
std::map<int, std::function<void(int)>>& hooks() {
  static auto* m = new std::map<int, std::function<void(int)>>();
  return *m;
}
int g_next_hook = 0;

// Async-signal-safe: only write(2).
void on_signal(int signo) {
  unsigned char b = static_cast<unsigned char>(signo);
  ssize_t r = ::write(g_pipe[1], &b, 1);
  (void)r;
}

void watcher() {
  unsigned char b = 0;
  while (::read(g_pipe[0], &b, 1) != 1) {
  }
  int signo = b;
  {
    // Hooks run under the lock: remove_signal_hook() then waits for a hook
    // that is running, so its owner (a server on the stack of serve()) is
    // not destroyed under it.
    std::lock_guard lock(g_hooks_mu);
    for (auto& [id, hook] : hooks()) hook(signo);
  }
  end_open_workflows(signo == SIGINT ? "interrupted by SIGINT" : "terminated by SIGTERM");
  tracing::force_flush(std::chrono::seconds(10));
  std::signal(signo, SIG_DFL);
  std::raise(signo);
}

bool is_default(int signo) {
  struct sigaction old {};
  return sigaction(signo, nullptr, &old) == 0 && (old.sa_flags & SA_SIGINFO) == 0 && old.sa_handler == SIG_DFL;
}

}  // namespace

void install_signal_flush() {
  std::call_once(g_once, [] {
    if (::pipe(g_pipe) != 0) return;
    std::thread(watcher).detach();
    for (int signo : {SIGINT, SIGTERM}) {
      if (!is_default(signo)) continue;  // the program has its own handler: leave it alone
      struct sigaction sa {};
      sa.sa_handler = on_signal;
      sigemptyset(&sa.sa_mask);
      sa.sa_flags = SA_RESTART;
      sigaction(signo, &sa, nullptr);
    }
  });
}

int add_signal_hook(std::function<void(int)> hook) {
  std::lock_guard lock(g_hooks_mu);
  int id = ++g_next_hook;
  hooks()[id] = std::move(hook);
  return id;
}

void remove_signal_hook(int id) {
  std::lock_guard lock(g_hooks_mu);
  hooks().erase(id);
}

}  // namespace flockcpp::detail

#include "tracing/span_taps.hpp"

#include <atomic>
#include <exception>
#include <map>
#include <mutex>
#include <shared_mutex>

#include "common/log.hpp"

namespace flockcpp::detail {

namespace {
std::shared_mutex g_taps_mu;
std::atomic<bool> g_taps_active{false};
std::map<int, SpanTap>& taps() {
  static auto* m = new std::map<int, SpanTap>();
  return *m;
}
int g_next_tap = 0;

}  // namespace

void call_span_taps(std::span<const SpanData> spans) {
  if (spans.empty() || !g_taps_active.load(std::memory_order_acquire)) return;
  std::shared_lock lock(g_taps_mu);
  for (auto& [id, tap] : taps()) {
    try {
      tap(spans);
    } catch (const std::exception& e) {
      detail::logf(LogLevel::Error, "span observer failed: %s", e.what());
    }
  }
}

int add_span_tap(SpanTap tap) {
  std::unique_lock lock(g_taps_mu);
  int id = ++g_next_tap;
  taps()[id] = std::move(tap);
  g_taps_active.store(true, std::memory_order_release);
  return id;
}

void remove_span_tap(int id) {
  std::unique_lock lock(g_taps_mu);
  taps().erase(id);
  g_taps_active.store(!taps().empty(), std::memory_order_release);
}

}  // namespace flockcpp::detail

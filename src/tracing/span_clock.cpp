#include "tracing/span_clock.hpp"

#include <atomic>
#include <ctime>

#if defined(__x86_64__)
#include <cpuid.h>
#include <x86intrin.h>
#endif

namespace flockcpp::detail {

namespace {

std::int64_t realtime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

#if defined(__x86_64__)

bool invariant_tsc() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(0x80000000u, &a, &b, &c, &d) == 0 || a < 0x80000007u) return false;
  __get_cpuid(0x80000007u, &a, &b, &c, &d);
  return (d & (1u << 8)) != 0;
}

// An anchor (a counter reading and the wall time at it) and the counter's
// rate, published under a sequence number so a reader never mixes two
// anchors: odd while a writer is at work.
struct Anchor {
  std::atomic<std::uint64_t> seq{0};
  std::atomic<std::uint64_t> tsc{0};
  std::atomic<std::int64_t> ns{0};
  std::atomic<std::uint64_t> mult{0};  // nanoseconds per tick, times 2^32; 0 until calibrated
  std::atomic<std::uint64_t> ticks_per_s{0};
};

Anchor g_anchor;
const bool g_tsc = invariant_tsc();

// The first anchor is taken on first use; the rate is measured against the
// wall clock once 50 ms have passed, and the anchor renewed every second.
std::int64_t reanchor(std::uint64_t tsc_now) {
  std::int64_t ns = realtime_ns();
  std::uint64_t seq = g_anchor.seq.load(std::memory_order_relaxed);
  if ((seq & 1) != 0 || !g_anchor.seq.compare_exchange_strong(seq, seq + 1, std::memory_order_acquire)) {
    return ns;  // another thread is renewing it
  }
  std::uint64_t old_tsc = g_anchor.tsc.load(std::memory_order_relaxed);
  std::int64_t old_ns = g_anchor.ns.load(std::memory_order_relaxed);
  if (old_tsc != 0 && tsc_now > old_tsc && ns - old_ns >= 50'000'000) {
    auto ticks = static_cast<double>(tsc_now - old_tsc);
    auto elapsed = static_cast<double>(ns - old_ns);
    g_anchor.mult.store(static_cast<std::uint64_t>(elapsed / ticks * 4294967296.0), std::memory_order_relaxed);
    g_anchor.ticks_per_s.store(static_cast<std::uint64_t>(ticks / elapsed * 1e9), std::memory_order_relaxed);
  }
  if (old_tsc == 0 || ns - old_ns >= 50'000'000) {
    g_anchor.tsc.store(tsc_now, std::memory_order_relaxed);
    g_anchor.ns.store(ns, std::memory_order_relaxed);
  }
  g_anchor.seq.store(seq + 2, std::memory_order_release);
  return ns;
}

#endif

}  // namespace

std::int64_t span_clock_ns() {
#if defined(__x86_64__)
  if (g_tsc) {
    std::uint64_t tsc = __rdtsc();
    std::uint64_t seq = g_anchor.seq.load(std::memory_order_acquire);
    std::uint64_t base_tsc = g_anchor.tsc.load(std::memory_order_relaxed);
    std::int64_t base_ns = g_anchor.ns.load(std::memory_order_relaxed);
    std::uint64_t mult = g_anchor.mult.load(std::memory_order_relaxed);
    std::uint64_t per_s = g_anchor.ticks_per_s.load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    bool consistent = (seq & 1) == 0 && g_anchor.seq.load(std::memory_order_relaxed) == seq;
    if (consistent && mult != 0 && tsc >= base_tsc && tsc - base_tsc < per_s) {
      // (delta * mult) >> 32 in two halves, so no product overflows.
      std::uint64_t delta = tsc - base_tsc;
      std::uint64_t ns = (((delta >> 16) * mult) >> 16) + (((delta & 0xFFFF) * mult) >> 32);
      return base_ns + static_cast<std::int64_t>(ns);
    }
    return reanchor(tsc);
  }
#endif
  return realtime_ns();
}

}  // namespace flockcpp::detail

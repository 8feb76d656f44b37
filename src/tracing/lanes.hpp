// Per-thread span lanes. Each thread that ends spans owns a lane: a bounded
// single-producer/single-consumer byte ring to the processor thread (each
// ended span serialised into it) and a pool of recycled records, which stay
// on their thread. No lock is shared by producing threads on the hot path;
// lanes outlive their threads and are adopted by the next new thread.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "tracing/span_record.hpp"
#include "tracing/span_ring.hpp"

namespace flockcpp::detail {

struct Lane {
  explicit Lane(std::size_t capacity_bytes) : ring(capacity_bytes) {}
  SpanRing ring;                                                       // owner -> processor
  std::vector<SpanRecord*> free_local;                                 // owner only
  std::atomic<SpanRecord*> returned{nullptr};                          // anyone -> owner (LIFO stack)
  std::atomic<std::uint64_t> ended{0};                                 // written by the owner only
  std::atomic<std::uint64_t> dropped{0};
  std::atomic<std::uint64_t> drained{0};                               // written by the processor only
};

// The calling thread's lane (acquired on first use).
Lane& this_thread_lane();

// A record from the calling thread's pool, reset and owned by the caller.
SpanRecord* acquire_record();
// Gives a record back to its home pool, from any thread.
void recycle(SpanRecord* rec);

// Every lane ever created (lanes are never freed).
std::vector<Lane*> all_lanes();
// Capacity for lanes created from now on, in spans (the ring holds about
// 256 bytes a span).
void set_lane_capacity(std::size_t spans);

}  // namespace flockcpp::detail

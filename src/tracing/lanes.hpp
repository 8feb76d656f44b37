// Per-thread span lanes. Each thread that ends spans owns a lane: a bounded
// single-producer/single-consumer ring to the processor thread and a pool of
// recycled records. No lock is shared by producing threads on the hot path;
// lanes outlive their threads and are adopted by the next new thread.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <readerwriterqueue/readerwritercircularbuffer.h>

#include "tracing/span_record.hpp"

namespace flockcpp::detail {

struct Lane {
  explicit Lane(std::size_t capacity) : ring(capacity) {}
  moodycamel::BlockingReaderWriterCircularBuffer<SpanRecord*> ring;  // owner -> processor
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
// Gives back a chain head..tail (linked by next_free) whose records share a
// home lane, with one atomic operation.
void recycle_chain(SpanRecord* head, SpanRecord* tail);

// Every lane ever created (lanes are never freed).
std::vector<Lane*> all_lanes();
// Capacity for lanes created from now on.
void set_lane_capacity(std::size_t capacity);

}  // namespace flockcpp::detail

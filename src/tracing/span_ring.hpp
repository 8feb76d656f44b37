// A producing thread's span lane as bytes: when a span ends, its record is
// serialised into a single-producer/single-consumer byte ring, so the hot
// path writes a few sequential cache lines and the record stays on its own
// thread (recycled there), never read by the processor on the other core.
// The processor decodes entries into SpanData in order.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "flock/span_data.hpp"
#include "tracing/span_record.hpp"

namespace flockcpp::detail {

class SpanRing {
 public:
  // capacity_bytes is rounded up to a power of two (at least 64 KiB).
  explicit SpanRing(std::size_t capacity_bytes);
  ~SpanRing();
  SpanRing(const SpanRing&) = delete;
  SpanRing& operator=(const SpanRing&) = delete;

  // Producer: appends the record; false when the ring has no room for it
  // now (the caller waits or drops, per its policy).
  bool try_push(const SpanRecord& rec);
  // Consumer: decodes the oldest entry into out; false when empty.
  bool try_pop(SpanData& out, std::uint32_t value_length_limit);
  // Bytes in use, and whether at least half the ring is (for an early wake).
  std::size_t used() const;
  bool half_full() const { return used() * 2 >= capacity_; }
  bool empty() const { return used() == 0; }

 private:
  std::size_t capacity_;
  std::size_t mask_;
  std::unique_ptr<char[]> buf_;
  alignas(64) std::atomic<std::uint64_t> head_{0};  // written by the producer
  alignas(64) std::atomic<std::uint64_t> tail_{0};  // written by the consumer
  alignas(64) std::uint64_t cached_tail_ = 0;       // producer's last look at tail_
};

}  // namespace flockcpp::detail

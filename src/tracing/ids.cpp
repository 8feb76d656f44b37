#include "tracing/ids.hpp"
#include "tracing/span_clock.hpp"

#include <chrono>
#include <cstring>
#include <random>
#include <thread>

namespace flockcpp::detail {
namespace {

// xoshiro256** seeded from std::random_device once per thread.
struct Xoshiro {
  std::uint64_t s[4];
  Xoshiro() {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
    std::uint32_t words[8];
    seq.generate(words, words + 8);
    std::memcpy(s, words, sizeof(words));
    if ((s[0] | s[1] | s[2] | s[3]) == 0) s[0] = 0x9E3779B97F4A7C15ULL;
  }
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t next() {
    std::uint64_t result = rotl(s[1] * 5, 7) * 9;
    std::uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
  }
  std::uint64_t next_nonzero() {
    std::uint64_t v;
    do v = next();
    while (v == 0);
    return v;
  }
};

thread_local Xoshiro t_rng;

}  // namespace

TraceId new_trace_id() {
  TraceId id;
  std::uint64_t hi = t_rng.next_nonzero();
  std::uint64_t lo = t_rng.next();
  std::memcpy(id.data(), &hi, 8);
  std::memcpy(id.data() + 8, &lo, 8);
  return id;
}

SpanId new_span_id() {
  SpanId id;
  std::uint64_t v = t_rng.next_nonzero();
  std::memcpy(id.data(), &v, 8);
  return id;
}

std::int64_t now_ns() { return span_clock_ns(); }

}  // namespace flockcpp::detail

// Span timestamps: wall-clock nanoseconds. Where the CPU has an invariant
// time-stamp counter they are read from it (half the cost of clock_gettime
// on this kind of machine, and a span reads the clock twice), anchored to
// CLOCK_REALTIME and re-anchored every second so they never drift from it.
#pragma once
#include <cstdint>

namespace flockcpp::detail {

std::int64_t span_clock_ns();

}  // namespace flockcpp::detail

// W3C trace and span ids: random, never all zero, from a per-thread
// generator (no shared state on the hot path).
#pragma once
#include <cstdint>

#include "flock/span_data.hpp"

namespace flockcpp::detail {

TraceId new_trace_id();
SpanId new_span_id();
// Wall-clock time in nanoseconds since the Unix epoch.
std::int64_t now_ns();

}  // namespace flockcpp::detail

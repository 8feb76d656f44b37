// Sums of counts from outside (token usage in spans) stop at the largest
// int64 instead of wrapping into negative totals and costs.
#pragma once
#include <cstdint>
#include <limits>

namespace flockcpp::detail {

// a + b for counts (b >= 0 in practice), held at the int64 bounds.
inline std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  std::int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) {
    return b > 0 ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
  }
  return out;
}

}  // namespace flockcpp::detail

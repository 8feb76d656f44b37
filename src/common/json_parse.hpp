// JSON from outside the program (HTTP bodies, model answers, files, the
// store's cells, the environment), parsed with bounds on nesting and size.
// Copying, printing or walking a JSON value recurses once per level, so a
// small body nested 100,000 deep would overflow a thread's stack long after
// parsing; and every value costs tens of bytes once parsed, so a body of
// 16 MiB of "[]," would cost gigabytes. Both are refused by a linear scan of
// the text before anything is built.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "flock/json.hpp"

namespace flockcpp::detail {

inline constexpr int kMaxJsonDepth = 128;
inline constexpr std::size_t kMaxJsonValues = 1'000'000;

struct JsonBounds {
  int max_depth = kMaxJsonDepth;           // arrays and objects inside each other
  std::size_t max_values = kMaxJsonValues;  // scalars, arrays and objects, keys not counted
};

enum class JsonFault { none, malformed, too_deep, too_many_values };

// The scan alone: which bound the text breaks first, if any (not whether it
// is valid JSON). Linear in the text; `message` then names the bound.
JsonFault json_over_bounds(std::string_view text, const JsonBounds& bounds, std::string* message = nullptr);

// The value, or a discarded one (is_discarded()) for text that is not JSON
// or breaks a bound; `error` then says which, and `fault` what kind of
// refusal it was (a caller may answer a value count with 413, the rest 400).
Json parse_json_bounded(std::string_view text, std::string* error, const JsonBounds& bounds,
                        JsonFault* fault = nullptr);
inline Json parse_json_bounded(std::string_view text, std::string* error = nullptr, int max_depth = kMaxJsonDepth) {
  return parse_json_bounded(text, error, JsonBounds{max_depth, kMaxJsonValues});
}

}  // namespace flockcpp::detail

// JSON from outside the program (HTTP bodies, model answers, files, the
// store's cells, the environment), parsed with a bound on nesting. Copying,
// printing or walking a JSON value recurses once per level, so a small body
// nested 100,000 deep would overflow a thread's stack long after parsing; it
// is refused while parsing instead.
#pragma once
#include <string>
#include <string_view>

#include "flock/json.hpp"

namespace flockcpp::detail {

inline constexpr int kMaxJsonDepth = 128;

// The value, or a discarded one (is_discarded()) for text that is not JSON
// or nests deeper than max_depth; `error` then says which.
Json parse_json_bounded(std::string_view text, std::string* error = nullptr, int max_depth = kMaxJsonDepth);

}  // namespace flockcpp::detail

// Parsing the times the HTTP API accepts (?since=, ?until=).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace flockcpp::detail {

// Nanoseconds since the epoch from digits or an ISO-8601 time; nullopt when
// the text is neither.
std::optional<std::int64_t> parse_time_ns(const std::string& text);

}  // namespace flockcpp::detail

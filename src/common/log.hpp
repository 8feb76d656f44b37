// The library's side of flock/diagnostics.hpp: every message goes through
// here to the program's sink.
#pragma once
#include <string_view>

#include "flock/diagnostics.hpp"

namespace flockcpp::detail {

void log(LogLevel level, std::string_view message);
// printf-style; the message has no "flock: " prefix and no newline.
[[gnu::format(printf, 2, 3)]] void logf(LogLevel level, const char* format, ...);

}  // namespace flockcpp::detail

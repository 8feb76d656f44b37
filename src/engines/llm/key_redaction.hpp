// Keeps an API key out of text the program records: server error pages,
// answers and tool arguments that may echo it, whole or in part.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace flockcpp::detail {

// A run of the key this long or longer is redacted: enough to find the key
// again or to brute-force the rest of it.
inline constexpr std::size_t kKeyRunRedacted = 8;

// text with every run of at least kKeyRunRedacted characters that also
// occurs in `key` replaced by "[redacted]" (a key shorter than that: every
// whole occurrence). Linear in the text's length.
std::string redact_key(std::string text, std::string_view key);

}  // namespace flockcpp::detail

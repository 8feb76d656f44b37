// The transport's text rules: request-target splitting, percent-decoding and
// the JSON body of the errors the transport answers itself.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flockcpp::http::detail {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// %XX decoded (an invalid escape is kept as is); '+' too when plus_is_space.
std::string percent_decode(std::string_view s, bool plus_is_space);
// a=1&b=c+d: decoded pairs in order; empty pieces skipped.
Pairs parse_query(std::string_view q);
// origin-form ("/p?q"), absolute-form ("http://h/p?q") or "*"; false when
// the target is none of these.
bool parse_target(std::string_view target, std::string& path, Pairs& query);
std::string lower(std::string_view s);
// {"error":"<what>"}, escaped.
std::string error_json(std::string_view what);

}  // namespace flockcpp::http::detail

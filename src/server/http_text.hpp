// The transport's text rules: request-target splitting, percent-decoding,
// body framing and the JSON body of the errors the transport answers itself.
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
// Why a request's body framing is refused, or "" (RFC 9112 6.1, 6.3): a
// Transfer-Encoding (every field's value, in order) that is not exactly
// "chunked", one beside a Content-Length, or one in HTTP/1.0. Such a request
// could be framed differently by a proxy in front: it gets 400 and the
// connection closes, so nothing after it is read as a next request.
std::string framing_refusal(const std::vector<std::string_view>& transfer_encodings, bool has_content_length,
                            unsigned version);
// {"error":"<what>"}, escaped.
std::string error_json(std::string_view what);

}  // namespace flockcpp::http::detail

// Reading a request's parameters and body: every value from outside is
// checked (UTF-8, length, range, JSON shape) and a bad one is an Error
// (InvalidArgument, Unsupported) that names the parameter.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "flock/json.hpp"
#include "server/http_transport.hpp"

namespace flockcpp::detail {

// Longest query parameter accepted: filters are names and ids, not documents.
inline constexpr std::size_t kMaxParamBytes = 4096;

bool valid_utf8(std::string_view s);
std::string lower(std::string s);

// A query parameter: nullopt when absent or empty.
std::optional<std::string> text_param(const http::Request& req, const char* name);
std::int64_t int_param(const http::Request& req, const char* name, std::int64_t fallback, std::int64_t lo,
                       std::int64_t hi);
std::optional<double> number_param(const http::Request& req, const char* name);
// Nanoseconds since the epoch, or ISO-8601.
std::optional<std::int64_t> time_param(const http::Request& req, const char* name);

// JSON only: a plain form cannot send it across sites without a preflight.
void require_json(const http::Request& req);
// The body as a JSON object.
Json parse_body(const http::Request& req);
// 32 hex characters, lower-cased.
std::string normalized_trace_id(const std::string& id);

}  // namespace flockcpp::detail

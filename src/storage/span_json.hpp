// JSON text of a span's attributes, events, links and resource, as the trace
// store keeps them. Dotted keys become nested objects so DuckDB's JSON paths
// work as the guide writes them ($.workflow.name); a key that is both a value
// and a prefix keeps its value under "_value" ({"agent": {"_value": "x",
// "name": "y"}}). Strings that are not valid UTF-8 are repaired (U+FFFD).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "flock/span_data.hpp"

namespace flockcpp::detail {

inline constexpr std::string_view kLeafKey = "_value";

void append_json_string(std::string& out, std::string_view s);
// s with every invalid UTF-8 sequence replaced by U+FFFD.
std::string valid_utf8(std::string_view s);
bool is_valid_utf8(std::string_view s);

void append_value_json(std::string& out, const RecordedValue& v);
void append_attributes_json(std::string& out, const std::vector<SpanAttribute>& attributes);
void append_attributes_json(std::string& out, const SpanAttribute* begin, const SpanAttribute* end);
void append_events_json(std::string& out, const std::vector<SpanEvent>& events);
void append_links_json(std::string& out, const std::vector<SpanLink>& links);

// The attributes of a span plus the counters of what its limits dropped.
std::string span_attributes_json(const SpanData& span);

}  // namespace flockcpp::detail

// An OTLP/JSON ExportTraceServiceRequest read as a stream of parser events
// (nlohmann's SAX interface): the structure (resourceSpans > scopeSpans >
// spans) is followed without being built, and only each span, resource and
// scope is built, one at a time, up to a bound on its values; keys outside
// the structure are skipped unbuilt. So a body costs memory in proportion
// to one span and to what the caller keeps, not to the body's size.
#pragma once
#include <cstddef>
#include <functional>
#include <string_view>

#include "flock/json.hpp"

namespace flockcpp::detail {

// What the walk meets, in the body's order. Unset callbacks are skipped.
struct OtlpJsonParts {
  std::function<void()> resource_spans;      // a ResourceSpans begins
  std::function<void(const Json&)> resource;  // its "resource", when an object
  std::function<void()> scope_spans;         // a ScopeSpans begins
  std::function<void(const Json&)> scope;     // its "scope", when an object
  // Each element of "spans", an object; `whole` is false (and the value
  // null) when it held more than max_part_values values.
  std::function<void(const Json& span, bool whole)> span;
  std::function<void()> scope_spans_end;
  std::function<void()> resource_spans_end;
};

// Throws Error (InvalidArgument) for text that is not JSON or not an
// ExportTraceServiceRequest (the structure must be lists of objects; absent
// or null is empty), Error (TooLarge) for a resource or scope of more than
// max_part_values values. With build false nothing is built: span gets
// null for each span (to count them). Nesting is the caller's to bound
// first (json_over_bounds): the parts are walked recursively later.
void walk_otlp_json(std::string_view text, const OtlpJsonParts& parts, std::size_t max_part_values,
                    bool build = true);

}  // namespace flockcpp::detail

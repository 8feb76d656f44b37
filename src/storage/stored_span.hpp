// The way back from a stored row to span data: the inverse of span_json's
// nesting, so a stored trace can be exported again (OTLP/JSON).
#pragma once
#include <vector>

#include "flock/json.hpp"
#include "flock/span_data.hpp"

namespace flock::detail {

// {"agent": {"_value": "x", "name": "y"}} -> agent = "x", agent.name = "y".
std::vector<SpanAttribute> attributes_from_json(const Json& nested);

// A row of TraceQueries::trace() (columns of API.md §4) as SpanData.
SpanData span_data_from_row(const Json& row);

}  // namespace flock::detail

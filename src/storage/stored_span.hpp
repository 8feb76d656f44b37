// The way back from a stored row to span data: the inverse of span_json's
// nesting, so a stored trace can be exported again (OTLP/JSON).
#pragma once
#include <vector>

#include "flock/json.hpp"
#include "flock/span_data.hpp"

namespace flockcpp::detail {

// {"agent": {"_value": "x", "name": "y"}} -> agent = "x", agent.name = "y".
std::vector<SpanAttribute> attributes_from_json(const Json& nested);

// A row of TraceStoreReader::trace_json() (the columns of table spans) as SpanData.
SpanData span_data_from_row(const Json& row);

}  // namespace flockcpp::detail

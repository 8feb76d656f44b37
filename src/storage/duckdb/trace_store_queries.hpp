// The store's read queries on a connection the caller holds (the
// benchmarks compare the HTTP routes with these on an open database).
#pragma once
#include <string>

#include "flock/json.hpp"
#include "flock/trace_reader.hpp"
#include "storage/duckdb/duckdb_handle.hpp"

namespace flockcpp::detail {

Json list_traces(DuckConnection& con, const TraceFilter& filter);
Json trace_spans(DuckConnection& con, const std::string& trace_id);

}  // namespace flockcpp::detail

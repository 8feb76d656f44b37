// One row of table spans, formatted from a SpanData (on the exporter thread).
#pragma once
#include <duckdb.h>

#include <string>

#include "flock/span_data.hpp"

namespace flockcpp::detail {

struct SpanRow {
  std::string trace_id;
  std::string span_id;
  std::string parent_id;  // empty: NULL (a root)
  std::string name;
  std::string service;
  std::string operation;  // empty: NULL (a name without '.')
  const char* kind = "INTERNAL";
  std::int64_t start_time = 0;
  std::int64_t end_time = 0;
  double duration_ms = 0;
  const char* status_code = "UNSET";
  std::string status_description;  // empty: NULL
  std::string attributes;
  std::string events;
  std::string links;
};

// The columns the appender fills, in order (created_at takes its default).
inline constexpr const char* kSpanRowColumns[] = {
    "trace_id", "span_id", "parent_id", "name", "service", "operation", "kind", "start_time",
    "end_time", "duration_ms", "status_code", "status_description", "attributes", "events", "links", "resource"};

void format_row(const SpanData& span, SpanRow& row);
// Columns service and operation: the name split at its first '.'
// (Agent.execute), or, for another program's span that is not Flock's, that
// program's service.name and the whole name.
void service_and_operation(const SpanData& span, const std::string& name, std::string& service,
                           std::string& operation);
// Appends one row; false with DuckDB's message in error on failure.
bool append_row(duckdb_appender app, const SpanRow& row, const std::string& resource_json, std::string& error);

}  // namespace flockcpp::detail

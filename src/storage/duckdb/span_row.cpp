#include "storage/duckdb/span_row.hpp"

#include "common/hex.hpp"
#include "storage/span_json.hpp"

namespace flockcpp::detail {
namespace {
// The row's id text, rewritten in place (the row's buffers are reused).
void hex_into(std::string& out, const std::uint8_t* p, std::size_t n) {
  out.clear();
  append_hex(out, p, n);
}
}  // namespace

void service_and_operation(const SpanData& span, const std::string& name, std::string& service,
                           std::string& operation) {
  // Another program's span (OTLP ingest) that was not recorded by Flock has
  // no Class.method name ("GET /users"): its program is the service.
  if (span.origin && !span.origin->flock && !span.origin->service_name.empty()) {
    service = valid_utf8(span.origin->service_name);
    operation = name;
    return;
  }
  auto dot = name.find('.');
  if (dot == std::string::npos) {
    service = name;
    operation.clear();
  } else {
    service.assign(name, 0, dot);
    operation.assign(name, dot + 1);
  }
}

void format_row(const SpanData& span, SpanRow& row) {
  hex_into(row.trace_id, span.trace_id.data(), span.trace_id.size());
  hex_into(row.span_id, span.span_id.data(), span.span_id.size());
  if (is_zero(span.parent_span_id)) {
    row.parent_id.clear();
  } else {
    hex_into(row.parent_id, span.parent_span_id.data(), span.parent_span_id.size());
  }
  row.name = valid_utf8(span.name);
  service_and_operation(span, row.name, row.service, row.operation);
  row.kind = to_string(span.kind);
  row.start_time = span.start_ns;
  row.end_time = span.end_ns;
  row.duration_ms = static_cast<double>(span.end_ns - span.start_ns) / 1e6;
  row.status_code = to_string(span.status);
  row.status_description = valid_utf8(span.status_description);
  row.attributes = span_attributes_json(span);
  row.events.clear();
  append_events_json(row.events, span.events);
  row.links.clear();
  append_links_json(row.links, span.links);
}

bool append_row(duckdb_appender app, const SpanRow& row, const std::string& resource_json, std::string& error) {
  auto str = [&](const std::string& s) { return duckdb_append_varchar_length(app, s.data(), s.size()); };
  auto opt = [&](const std::string& s) { return s.empty() ? duckdb_append_null(app) : str(s); };
  bool ok = str(row.trace_id) == DuckDBSuccess && str(row.span_id) == DuckDBSuccess &&
            opt(row.parent_id) == DuckDBSuccess && str(row.name) == DuckDBSuccess &&
            str(row.service) == DuckDBSuccess && opt(row.operation) == DuckDBSuccess &&
            duckdb_append_varchar(app, row.kind) == DuckDBSuccess &&
            duckdb_append_int64(app, row.start_time) == DuckDBSuccess &&
            duckdb_append_int64(app, row.end_time) == DuckDBSuccess &&
            duckdb_append_double(app, row.duration_ms) == DuckDBSuccess &&
            duckdb_append_varchar(app, row.status_code) == DuckDBSuccess &&
            opt(row.status_description) == DuckDBSuccess && str(row.attributes) == DuckDBSuccess &&
            str(row.events) == DuckDBSuccess && str(row.links) == DuckDBSuccess &&
            str(resource_json) == DuckDBSuccess && duckdb_appender_end_row(app) == DuckDBSuccess;
  if (!ok) {
    const char* e = duckdb_appender_error(app);
    error = e ? e : "appender failed";
  }
  return ok;
}

}  // namespace flockcpp::detail

// GET /api/traces/{id}/otlp: a stored trace re-encoded as the OTLP/JSON
// ExportTraceServiceRequest it would have been sent as.
#include <map>

#include "exporters/otlp/otlp_encoding.hpp"
#include "flock/version.hpp"
#include "server/trace_otlp.hpp"
#include "storage/stored_span.hpp"

namespace flockcpp::detail {

std::optional<std::string> trace_otlp_json(const TraceStore& store, const std::string& trace_id) {
  auto t = store.trace_json(trace_id);
  if (!t) return std::nullopt;
  // Spans grouped by resource, as an ExportTraceServiceRequest groups them.
  std::map<std::string, std::vector<SpanData>> by_resource;
  std::map<std::string, Json> resources;
  for (const Json& row : (*t)["spans"]) {
    std::string key = row["resource"].dump();
    resources[key] = row["resource"];
    by_resource[key].push_back(span_data_from_row(row));
  }
  Json request{{"resourceSpans", Json::array()}};
  for (auto& [key, spans] : by_resource) {
    OtlpResource resource;
    resource.attributes = attributes_from_json(resources[key]);
    resource.scope_version = kVersion;
    Json part = Json::parse(encode_otlp_json(spans, resource));
    for (auto& rs : part["resourceSpans"]) request["resourceSpans"].push_back(std::move(rs));
  }
  return request.dump();
}

}  // namespace flockcpp::detail

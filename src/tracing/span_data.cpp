#include "flock/span_data.hpp"

#include <algorithm>

#include "common/hex.hpp"
#include "flock/span_exporter.hpp"

namespace flockcpp {

const char* to_string(SpanKind kind) {
  switch (kind) {
    case SpanKind::Internal: return "INTERNAL";
    case SpanKind::Server: return "SERVER";
    case SpanKind::Client: return "CLIENT";
    case SpanKind::Producer: return "PRODUCER";
    case SpanKind::Consumer: return "CONSUMER";
  }
  return "INTERNAL";
}

const char* to_string(StatusCode code) {
  switch (code) {
    case StatusCode::Unset: return "UNSET";
    case StatusCode::Ok: return "OK";
    case StatusCode::Error: return "ERROR";
  }
  return "UNSET";
}

std::string to_hex(const TraceId& id) { return detail::hex_string(id.data(), id.size()); }
std::string to_hex(const SpanId& id) { return detail::hex_string(id.data(), id.size()); }
bool is_zero(const TraceId& id) { return std::all_of(id.begin(), id.end(), [](auto b) { return b == 0; }); }
bool is_zero(const SpanId& id) { return std::all_of(id.begin(), id.end(), [](auto b) { return b == 0; }); }

ExportResult InMemorySpanExporter::export_batch(std::span<const SpanData> spans) {
  std::lock_guard lock(mu_);
  spans_.insert(spans_.end(), spans.begin(), spans.end());
  return ExportResult::Success;
}

std::vector<SpanData> InMemorySpanExporter::spans() const {
  std::lock_guard lock(mu_);
  return spans_;
}

void InMemorySpanExporter::clear() {
  std::lock_guard lock(mu_);
  spans_.clear();
}

}  // namespace flockcpp

#include "flock/span_data.hpp"

#include <algorithm>

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

namespace {
template <std::size_t N>
std::string hex(const std::array<std::uint8_t, N>& id) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(2 * N, '0');
  for (std::size_t i = 0; i < N; ++i) {
    out[2 * i] = digits[id[i] >> 4];
    out[2 * i + 1] = digits[id[i] & 15];
  }
  return out;
}
}  // namespace

std::string to_hex(const TraceId& id) { return hex(id); }
std::string to_hex(const SpanId& id) { return hex(id); }
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

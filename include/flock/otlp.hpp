// OTLP span export (https://opentelemetry.io/docs/specs/otlp/): to an
// OpenTelemetry Collector, Jaeger (4318) or Tempo, over HTTP with protobuf
// or JSON bodies. The exporter batches on its own thread, so a slow or
// absent collector never delays the agents or the DuckDB file.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "flock/otlp_options.hpp"
#include "flock/span_exporter.hpp"
#include "flock/trace_config.hpp"

namespace flockcpp {

class OtlpSpanExporter : public SpanExporter {
 public:
  OtlpSpanExporter(OtlpExporterOptions options, const TraceConfig& config);
  ~OtlpSpanExporter() override;
  std::string name() const override;
  // Queues the spans and returns at once.
  ExportResult export_batch(std::span<const SpanData> spans) override;
  // Sends what is queued, within export_timeout; never hangs on a dead collector.
  void shutdown() override;
  bool force_flush(std::chrono::milliseconds timeout) override;
  OtlpExporterStats stats() const;
  void add_stats(TraceStats& out) const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flockcpp

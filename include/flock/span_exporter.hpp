// The exporter seam, as in the OpenTelemetry SDK: the batch processor hands
// finished spans to every exporter on its own thread, never on the caller's.
#pragma once
#include <chrono>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "flock/span_data.hpp"

namespace flockcpp {

struct TraceStats;

enum class ExportResult {
  Success,
  Retry,    // temporarily impossible (file held by another process, collector down): keep and retry
  Failure,  // permanent: the batch is counted as lost
};

class SpanExporter {
 public:
  virtual ~SpanExporter() = default;
  virtual std::string name() const = 0;
  virtual ExportResult export_batch(std::span<const SpanData> spans) = 0;
  // Returns once what export_batch accepted so far is delivered (exporters
  // that queue internally); false on timeout.
  virtual bool force_flush(std::chrono::milliseconds /*timeout*/) { return true; }
  // Called once on the processor thread before the first export.
  virtual void start() {}
  // Called once when the pipeline stops, after the last export.
  virtual void shutdown() {}
  // Adds this exporter's own counters to the pipeline's (tracing::stats()).
  virtual void add_stats(TraceStats& /*out*/) const {}
};

// Keeps every exported span in memory (tests, and programs that inspect
// their own traces).
class InMemorySpanExporter : public SpanExporter {
 public:
  std::string name() const override { return "memory"; }
  ExportResult export_batch(std::span<const SpanData> spans) override;
  std::vector<SpanData> spans() const;
  void clear();

 private:
  mutable std::mutex mu_;
  std::vector<SpanData> spans_;
};

}  // namespace flockcpp

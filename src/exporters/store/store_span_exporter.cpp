#include "exporters/store/store_span_exporter.hpp"

#include <chrono>

namespace flockcpp::detail {
namespace {

// A long-running service keeps expiring: the TTL is applied again a day
// after it last was.
constexpr auto kTtlPeriod = std::chrono::hours(24);

class StoreSpanExporter final : public SpanExporter {
 public:
  StoreSpanExporter(std::shared_ptr<TraceStore> store, const TraceConfig& config)
      : name_(store->name()), writer_(store->open_writer(config)), ttl_days_(config.ttl_days) {}

  std::string name() const override { return name_; }

  // FLOCK_TRACE_TTL_DAYS applies when the pipeline starts, spans or not.
  void start() override { expire_if_due(); }

  ExportResult export_batch(std::span<const SpanData> spans) override {
    expire_if_due();
    return writer_->append(spans);
  }

  void shutdown() override { writer_->close(); }

  void add_stats(TraceStats& out) const override { writer_->add_stats(out); }

 private:
  // A store that cannot expire now (held elsewhere, unreachable) is asked
  // again at the next batch; the batch goes in either way.
  void expire_if_due() {
    if (!ttl_days_) return;
    auto now = std::chrono::steady_clock::now();
    if (now < next_expiry_) return;
    auto wall = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
    // ttl_days is at most 36500 (config.cpp): the product fits in int64.
    auto cutoff = wall - static_cast<std::int64_t>(*ttl_days_ * 86400.0 * 1e9);
    if (writer_->expire_before(cutoff) == ExportResult::Success) next_expiry_ = now + kTtlPeriod;
  }

  std::string name_;
  std::unique_ptr<TraceStoreWriter> writer_;
  std::optional<double> ttl_days_;
  std::chrono::steady_clock::time_point next_expiry_{};
};

}  // namespace

std::shared_ptr<SpanExporter> make_store_span_exporter(std::shared_ptr<TraceStore> store, const TraceConfig& config) {
  return std::make_shared<StoreSpanExporter>(std::move(store), config);
}

std::shared_ptr<SpanExporter> make_store_span_exporter(std::string_view locator, const TraceConfig& config) {
  return make_store_span_exporter(open_trace_store(locator), config);
}

}  // namespace flockcpp::detail

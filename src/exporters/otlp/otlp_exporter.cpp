// OtlpSpanExporter: a bounded queue and its own sender thread, so the span
// processor (and through it the trace store and the agents) never waits on
// the network. Retries 429/502/503/504 and connection errors with
// exponential back-off and jitter, honouring Retry-After.
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <random>
#include <thread>

#include "net/http_client.hpp"
#include "exporters/otlp/otlp_encoding.hpp"
#include "flock/otlp.hpp"
#include "tracing/resource.hpp"
#include "common/log.hpp"

#include "flock/version.hpp"

namespace flockcpp {

using Clock = std::chrono::steady_clock;

struct OtlpSpanExporter::Impl {
  OtlpExporterOptions options;
  detail::OtlpResource resource;

  mutable std::mutex mu;
  std::condition_variable wake;
  std::condition_variable idle;
  std::deque<SpanData> queue;
  bool busy = false;
  bool stopping = false;
  bool flush_requested = false;
  bool queue_full_reported = false;
  std::atomic<bool> abort{false};  // stops retries and requests in flight
  std::thread worker;

  std::atomic<std::uint64_t> sent{0}, rejected{0}, dropped{0}, requests{0}, retries{0};
  // Created on the configuring thread: libcurl's global set-up must not run
  // on the worker while the process may already be exiting.
  std::unique_ptr<detail::HttpClient> http = std::make_unique<detail::HttpClient>();

  void run() {
    detail::HttpClient& client = *http;
    std::unique_lock lock(mu);
    for (;;) {
      wake.wait_for(lock, options.schedule_delay, [&] {
        return stopping || flush_requested || queue.size() >= options.max_export_batch_size;
      });
      if (queue.empty()) {
        flush_requested = false;
        idle.notify_all();
        if (stopping) return;
        continue;
      }
      std::size_t n = std::min(queue.size(), options.max_export_batch_size);
      std::vector<SpanData> batch(std::make_move_iterator(queue.begin()),
                                  std::make_move_iterator(queue.begin() + static_cast<std::ptrdiff_t>(n)));
      queue.erase(queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(n));
      busy = true;
      lock.unlock();
      send(client, batch);
      lock.lock();
      busy = false;
      if (queue.empty()) idle.notify_all();
    }
  }

  void send(detail::HttpClient& client, const std::vector<SpanData>& batch) {
    const bool json = options.protocol == OtlpProtocol::HttpJson;
    std::string body = json ? detail::encode_otlp_json(batch, resource) : detail::encode_otlp_protobuf(batch, resource);
    const char* type = json ? "application/json" : "application/x-protobuf";
    auto deadline = Clock::now() + options.export_timeout;
    auto backoff = options.initial_backoff;
    std::mt19937 rng(std::random_device{}());
    for (int attempt = 1;; ++attempt) {
      requests.fetch_add(1, std::memory_order_relaxed);
      auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      auto timeout = std::max(std::chrono::milliseconds(1), std::min(options.timeout, remaining));
      detail::HttpResult r = client.post(options.endpoint, body, type, options.headers, timeout, options.gzip, abort);
      if (r.status >= 200 && r.status < 300) {
        std::string message;
        std::int64_t refused =
            json ? detail::rejected_spans_json(r.body, message) : detail::rejected_spans_protobuf(r.body, message);
        refused = std::clamp<std::int64_t>(refused, 0, static_cast<std::int64_t>(batch.size()));
        sent.fetch_add(batch.size() - static_cast<std::size_t>(refused), std::memory_order_relaxed);
        if (refused > 0) {
          rejected.fetch_add(static_cast<std::uint64_t>(refused), std::memory_order_relaxed);
          detail::logf(LogLevel::Warning, "OTLP receiver rejected %lld of %zu spans: %s", static_cast<long long>(refused),
                       batch.size(), message.c_str());
        }
        return;
      }
      bool retryable = r.status == 0 || r.status == 429 || r.status == 502 || r.status == 503 || r.status == 504;
      if (!retryable) {
        rejected.fetch_add(batch.size(), std::memory_order_relaxed);
        detail::logf(LogLevel::Warning, "OTLP export to %s refused with HTTP %ld (%zu spans not retried): %.200s",
                     options.endpoint.c_str(), r.status, batch.size(), r.body.c_str());
        return;
      }
      // Exponential back-off with jitter (0.5x..1.5x), or the server's Retry-After.
      std::uniform_real_distribution<double> jitter(0.5, 1.5);
      auto delay = r.retry_after ? *r.retry_after
                                 : std::chrono::milliseconds(static_cast<long long>(backoff.count() * jitter(rng)));
      backoff = std::min(backoff * 2, options.max_backoff);
      if (attempt >= options.max_attempts || abort.load() || Clock::now() + delay >= deadline) {
        dropped.fetch_add(batch.size(), std::memory_order_relaxed);
        detail::logf(LogLevel::Error, "OTLP export to %s failed after %d attempt(s) (%s); %zu spans dropped",
                     options.endpoint.c_str(), attempt,
                     r.status == 0 ? r.error.c_str() : ("HTTP " + std::to_string(r.status)).c_str(), batch.size());
        return;
      }
      retries.fetch_add(1, std::memory_order_relaxed);
      std::unique_lock lock(mu);
      wake.wait_for(lock, delay, [&] { return abort.load(); });
    }
  }
};

OtlpSpanExporter::OtlpSpanExporter(OtlpExporterOptions options, const TraceConfig& config)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->resource.attributes = detail::build_resource(config);
  impl_->resource.scope_version = flockcpp::kVersion;
  impl_->worker = std::thread([this] { impl_->run(); });
}

OtlpSpanExporter::~OtlpSpanExporter() { shutdown(); }

std::string OtlpSpanExporter::name() const { return "otlp:" + impl_->options.endpoint; }

ExportResult OtlpSpanExporter::export_batch(std::span<const SpanData> spans) {
  std::lock_guard lock(impl_->mu);
  if (impl_->stopping) {
    impl_->dropped.fetch_add(spans.size(), std::memory_order_relaxed);
    return ExportResult::Success;
  }
  std::size_t accepted = 0;
  for (const SpanData& s : spans) {
    if (impl_->queue.size() >= impl_->options.max_queue_size) break;
    impl_->queue.push_back(s);
    ++accepted;
  }
  if (accepted < spans.size()) {
    impl_->dropped.fetch_add(spans.size() - accepted, std::memory_order_relaxed);
    if (!impl_->queue_full_reported) {
      detail::logf(LogLevel::Warning, "OTLP queue full (%zu spans, OTEL_BSP_MAX_QUEUE_SIZE); dropping spans for %s",
                   impl_->options.max_queue_size, impl_->options.endpoint.c_str());
      impl_->queue_full_reported = true;
    }
  } else {
    impl_->queue_full_reported = false;
  }
  if (impl_->queue.size() >= impl_->options.max_export_batch_size) impl_->wake.notify_one();
  return ExportResult::Success;
}

bool OtlpSpanExporter::force_flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mu);
  if (!impl_->worker.joinable()) return impl_->queue.empty();
  impl_->flush_requested = true;
  impl_->wake.notify_one();
  return impl_->idle.wait_for(lock, timeout, [&] { return impl_->queue.empty() && !impl_->busy; });
}

void OtlpSpanExporter::shutdown() {
  {
    std::unique_lock lock(impl_->mu);
    if (!impl_->worker.joinable()) return;
    impl_->stopping = true;
    impl_->wake.notify_one();
    // Deliver what is queued within export_timeout; then stop trying.
    if (!impl_->idle.wait_for(lock, impl_->options.export_timeout,
                              [&] { return impl_->queue.empty() && !impl_->busy; })) {
      impl_->abort = true;
      impl_->wake.notify_all();
      std::size_t left = impl_->queue.size();
      impl_->dropped.fetch_add(left, std::memory_order_relaxed);
      impl_->queue.clear();
      detail::logf(LogLevel::Warning, "OTLP shutdown timed out; %zu queued spans dropped", left);
    }
  }
  impl_->worker.join();
}

void OtlpSpanExporter::add_stats(TraceStats& out) const { out.otlp = stats(); }

OtlpExporterStats OtlpSpanExporter::stats() const {
  OtlpExporterStats s;
  s.spans_sent = impl_->sent.load();
  s.spans_rejected = impl_->rejected.load();
  s.spans_dropped = impl_->dropped.load();
  s.requests = impl_->requests.load();
  s.retries = impl_->retries.load();
  return s;
}

}  // namespace flockcpp

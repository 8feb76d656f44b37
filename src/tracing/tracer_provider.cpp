// The process-wide pipeline (OpenTelemetry's tracer provider): created
// from the environment on first use, replaced by tracing::configure(),
// flushed at exit in the right order, and the tracing:: configuration API.
#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "flock/tracing.hpp"
#include "tracing/exporter_factory.hpp"
#include "tracing/pipeline.hpp"
#include "tracing/signals.hpp"

namespace flockcpp::detail {
namespace {

std::atomic<const HotConfig*> g_hot{nullptr};
}  // namespace

std::atomic<int> g_tracing_state{kTracingUnknown};

namespace {
std::atomic<BatchSpanProcessor*> g_processor{nullptr};
std::mutex g_configure_mu;

// Configurations and processors replaced by configure() stay alive (and
// reachable, so leak checkers agree) until exit: a thread on the hot path
// may still be reading the pointer it loaded before the swap.
struct Retired {
  std::vector<std::unique_ptr<const HotConfig>> configs;
  std::vector<std::unique_ptr<BatchSpanProcessor>> processors;
};
Retired& retired() {
  static auto* r = new Retired();
  return *r;
}

const HotConfig* make_hot(const TraceConfig& c, bool running) {
  auto* h = new HotConfig(make_hot_config(c, running));
  retired().configs.emplace_back(h);
  return h;
}

void flush_at_exit();

void install(TraceConfig config) {
  // Caller holds g_configure_mu.
  static std::set<std::string> exit_flush_after;  // exporter kinds an exit flush was registered after
  if (BatchSpanProcessor* old = g_processor.load()) old->stop(old->config().exit_grace);
  set_lane_capacity(config.thread_queue_capacity);
  bool running = !config.sdk_disabled;
  const HotConfig* hot = make_hot(config, running);
  BatchSpanProcessor* proc = nullptr;
  if (running) {
    // The exporters the configuration asks for (the DuckDB file, OTLP) come
    // from the wiring layer: tracing knows only the SpanExporter interface.
    for (auto& e : configured_exporters(config)) {
      config.exporters.push_back(std::move(e));
      // Exit handlers run in reverse order: one registered after an
      // exporter set up its libraries' statics (DuckDB, libcurl) runs before
      // they are torn down.
      std::string kind = config.exporters.back()->name();
      kind = kind.substr(0, kind.find(':'));
      if (exit_flush_after.insert(kind).second) std::atexit(flush_at_exit);
    }
    bool signals = config.handle_signals;
    proc = new BatchSpanProcessor(std::move(config));
    retired().processors.emplace_back(proc);  // kept until exit, see Retired
    if (signals) install_signal_flush();
  }
  g_processor.store(proc, std::memory_order_release);
  g_hot.store(hot, std::memory_order_release);
  g_tracing_state.store(hot->enabled ? kTracingOn : kTracingOff, std::memory_order_release);
  if (exit_flush_after.insert("").second) std::atexit(flush_at_exit);
}

void flush_at_exit() {
  std::lock_guard lock(g_configure_mu);
  if (BatchSpanProcessor* p = g_processor.load()) p->stop(p->config().exit_grace);
}

}  // namespace

void ensure_pipeline() {
  if (g_hot.load(std::memory_order_acquire) != nullptr) [[likely]]
    return;
  std::lock_guard lock(g_configure_mu);
  if (g_hot.load() != nullptr) return;
  install(TraceConfig::from_env());
}

const HotConfig& hot_config() {
  const HotConfig* h = g_hot.load(std::memory_order_acquire);
  if (h == nullptr) [[unlikely]] {
    ensure_pipeline();
    h = g_hot.load(std::memory_order_acquire);
  }
  return *h;
}

BatchSpanProcessor* current_processor() { return g_processor.load(std::memory_order_acquire); }

bool ingest_spans(std::vector<SpanData>&& spans) {
  ensure_pipeline();
  BatchSpanProcessor* p = current_processor();
  return p != nullptr && p->ingest(std::move(spans));
}

}  // namespace flockcpp::detail

// ---------------------------------------------------------------------------
// Public configuration API.

namespace flockcpp::tracing {

void configure(TraceConfig config) {
  std::lock_guard lock(detail::g_configure_mu);
  detail::install(std::move(config));
}

TraceConfig current_config() {
  detail::ensure_pipeline();
  if (auto* p = detail::current_processor()) return p->config();
  return TraceConfig::from_env();
}

bool force_flush(std::chrono::milliseconds timeout) {
  detail::ensure_pipeline();
  auto* p = detail::current_processor();
  return p == nullptr || p->force_flush(timeout);
}

namespace {
// The counters of the pipeline shutdown() stopped (guarded by
// g_configure_mu): a program reads its final tally after shutting down.
TraceStats g_final_stats;
}  // namespace

void shutdown(std::chrono::milliseconds timeout) {
  std::lock_guard lock(detail::g_configure_mu);
  if (auto* p = detail::g_processor.load()) {
    p->stop(timeout);
    g_final_stats = p->stats();
  }
  detail::g_processor.store(nullptr);
  TraceConfig off;
  off.sdk_disabled = true;
  detail::g_hot.store(detail::make_hot(off, false));
  detail::g_tracing_state.store(detail::kTracingOff, std::memory_order_release);
}

TraceStats stats() {
  if (auto* p = detail::current_processor()) return p->stats();
  std::lock_guard lock(detail::g_configure_mu);
  return g_final_stats;
}

}  // namespace flockcpp::tracing

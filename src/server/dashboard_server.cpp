// DashboardServer: the HTTP transport, the API router, and the live event
// sources (span tap and blackboard events in a running program; polling the
// file when serving a trace file alone).
#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "core/flock_access.hpp"
#include "flock/error.hpp"
#include "flock/orchestrator.hpp"
#include "flock/server.hpp"
#include "server/api_router.hpp"
#include "server/event_hub.hpp"
#include "server/http_transport.hpp"
#include "server/static_files.hpp"
#include "storage/trace_store.hpp"
#include "common/store_locator.hpp"
#include "tracing/span_taps.hpp"
#include "common/log.hpp"

namespace flockcpp {

using detail::EventHub;

namespace {

std::vector<std::string> split_origins(const char* env) {
  std::vector<std::string> out;
  if (env == nullptr) return out;
  std::stringstream ss(env);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty() && item != "*") out.push_back(item);
  }
  return out;
}

const RecordedValue* find_attribute(const SpanData& s, std::string_view key) {
  for (const auto& a : s.attributes) {
    if (a.key == key) return &a.value;
  }
  return nullptr;
}

Json span_event(const SpanData& s) {
  Json e{{"trace_id", to_hex(s.trace_id)},
         {"span_id", to_hex(s.span_id)},
         {"parent_id", is_zero(s.parent_span_id) ? Json(nullptr) : Json(to_hex(s.parent_span_id))},
         {"name", s.name},
         {"start_time", s.start_ns},
         {"end_time", s.end_ns},
         {"duration_ms", static_cast<double>(s.end_ns - s.start_ns) / 1e6},
         {"status_code", to_string(s.status)}};
  if (auto* v = find_attribute(s, "agent.name"); v && std::holds_alternative<std::string>(*v))
    e["agent_name"] = std::get<std::string>(*v);
  if (auto* v = find_attribute(s, "workflow.name"); v && std::holds_alternative<std::string>(*v))
    e["workflow_name"] = std::get<std::string>(*v);
  return e;
}

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

}  // namespace

struct DashboardServer::Impl {
  Flock* flock = nullptr;
  // The store served, opened once: the routes read it, and the live stream
  // of a store served alone polls it.
  std::shared_ptr<const detail::TraceStore> store;
  ServeOptions options;
  EventHub hub;
  http::Server http;
  std::unique_ptr<detail::ApiRouter> router;
  int port = 0;
  std::thread server_thread;
  std::thread poller;
  int span_tap = 0;
  int flock_listener = 0;

  std::mutex mu;
  std::condition_variable cv;
  bool started = false;
  bool stopped = false;
  std::once_flag stop_once;
  void request_stop();  // wait() returns; nothing is joined
  void stop_now();

  void on_flock_event(const detail::FlockEvent& ev) {
    if (!hub.has_subscribers()) return;
    using K = detail::FlockEvent::Kind;
    if (ev.kind == K::ArtifactPublished) {
      hub.publish("artifact", dump(detail::artifact_json(*ev.artifact, /*with_payload=*/false)));
      return;
    }
    if (ev.kind == K::LlmToken) {
      hub.publish("llm_token", dump(Json{{"agent", ev.agent}, {"trace_id", ev.trace_id}, {"span_id", ev.span_id},
                                         {"text", ev.text}}));
      return;
    }
    Json e{{"agent", ev.agent},
           {"artifact_id", ev.artifact ? ev.artifact->id : ""},
           {"correlation_id", ev.artifact ? ev.artifact->correlation_id : ""},
           {"trace_id", ev.trace_id},
           {"span_id", ev.span_id}};
    if (ev.kind == K::AgentFailed) e["error"] = ev.error;
    hub.publish(ev.kind == K::AgentStarted ? "agent_started" : ev.kind == K::AgentFinished ? "agent_finished" : "agent_failed",
                dump(e));
  }

  // A trace file alone: another process may be writing it; new spans are
  // found by polling while someone listens.
  std::int64_t watermark = -1;  // end_time of the newest span seen (the poller's)
  static constexpr std::chrono::milliseconds kPollInterval{1000}, kPollRetry{50};

  void take_watermark() {
    try {
      watermark = store->newest_end_time();
    } catch (const std::exception&) {
      // Held by the writer right now: the first tick takes it.
    }
  }

  void poll_store() {
    std::unique_lock lock(mu);
    auto wait = kPollInterval;
    while (!stopped) {
      cv.wait_for(lock, wait, [this] { return stopped; });
      if (stopped) break;
      if (!hub.has_subscribers() && watermark >= 0) continue;
      lock.unlock();
      wait = kPollInterval;
      try {
        if (watermark < 0) {
          take_watermark();
        } else {
          for (auto& r : store->spans_ended_after(watermark, 1000)) {
            watermark = std::max(watermark, r.end_time);
            hub.publish("span", dump(r.event));
          }
        }
      } catch (const std::exception&) {
        // Held by the writer (which lets go for a moment every hold) or not
        // a store yet: try again soon, not a whole interval later.
        wait = kPollRetry;
      }
      lock.lock();
    }
  }
};

// trace_store is a locator (a path, duckdb:PATH; ClickHouse is refused).
DashboardServer::DashboardServer(std::string trace_store, ServeOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->store = detail::open_trace_store(trace_store);
  impl_->options = std::move(options);
}

DashboardServer::DashboardServer(Flock& flock, ServeOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->flock = &flock;
  // The pipeline's trace_file_path is a path (FLOCK_TRACE_PATH), not a locator.
  impl_->store = detail::open_trace_store(options.trace_store.empty()
                                              ? detail::file_store_locator(tracing::current_config().trace_file_path)
                                              : options.trace_store);
  impl_->options = std::move(options);
}

DashboardServer::~DashboardServer() { stop(); }

int DashboardServer::start() {
  Impl& m = *impl_;
  ServeOptions& o = m.options;
  std::string token = o.api_token;
  if (token.empty()) {
    if (const char* env = std::getenv("FLOCK_API_TOKEN")) token = env;
  }
  if (o.cors_origins.empty()) o.cors_origins = split_origins(std::getenv("FLOCK_API_CORS_ORIGINS"));
  bool loopback = detail::is_loopback_host(o.host);
  if (!loopback && token.empty()) {
    throw Error(ErrorCode::FailedPrecondition, "refusing to serve on " + o.host +
                             " without an API token: set FLOCK_API_TOKEN (every route but /api/health then needs "
                             "Authorization: Bearer <token>), or listen on 127.0.0.1");
  }
  if (o.port < 0 || o.port > 65535) throw Error(ErrorCode::InvalidArgument, "port must be between 0 and 65535");
  std::unique_ptr<detail::StaticFiles> files;
  if (o.dashboard) {
    std::string root = detail::find_web_root(o.web_root);
    if (root.empty()) {
      detail::logf(LogLevel::Warning, "dashboard files not found (set FLOCK_WEB_ROOT); serving the API only");
    } else {
      files = std::make_unique<detail::StaticFiles>(root);
    }
  }
  m.router = std::make_unique<detail::ApiRouter>(m.flock, m.store, o, token, m.hub, std::move(files), loopback);
  detail::ApiRouter* router = m.router.get();
  http::Limits limits;  // README "Server limits"
  limits.max_body_bytes = 16 * 1024 * 1024;
  m.port = m.http.bind(o.host, o.port, [router](const http::Request& r) { return router->handle(r); }, limits);
  if (m.flock != nullptr) {
    m.flock_listener = detail::orchestrator_of(*m.flock).events().add([&m](const detail::FlockEvent& e) { m.on_flock_event(e); });
    m.span_tap = detail::add_span_tap([&m](std::span<const SpanData> spans) {
      if (!m.hub.has_subscribers()) return;
      for (const SpanData& s : spans) m.hub.publish("span", dump(span_event(s)));
    });
  } else {
    // Spans written from now on are news, even in the first second.
    m.take_watermark();
    m.poller = std::thread([&m] { m.poll_store(); });
  }
  {
    std::lock_guard lock(m.mu);
    m.started = true;
  }
  m.server_thread = std::thread([&m] { m.http.run(); });
  if (o.print_url) {
    std::printf("flock: dashboard at %s\n", url().c_str());
    std::fflush(stdout);
  }
  return m.port;
}

void DashboardServer::wait() {
  std::unique_lock lock(impl_->mu);
  impl_->cv.wait(lock, [this] { return impl_->stopped || !impl_->started; });
}

void DashboardServer::stop() {
  Impl& m = *impl_;
  // A second caller (serve() after a signal's stop) waits for the first.
  std::call_once(m.stop_once, [&m] { m.stop_now(); });
}

void DashboardServer::Impl::request_stop() {
  {
    std::lock_guard lock(mu);
    stopped = true;
  }
  cv.notify_all();
  hub.close();
  http.stop();
}

void DashboardServer::Impl::stop_now() {
  Impl& m = *this;
  m.request_stop();
  if (m.flock_listener != 0) detail::orchestrator_of(*m.flock).events().remove(m.flock_listener);
  if (m.span_tap != 0) detail::remove_span_tap(m.span_tap);
  if (m.server_thread.joinable() && m.server_thread.get_id() != std::this_thread::get_id()) m.server_thread.join();
  if (m.poller.joinable() && m.poller.get_id() != std::this_thread::get_id()) m.poller.join();
}

void DashboardServer::request_stop() { impl_->request_stop(); }

int DashboardServer::port() const { return impl_->port; }

std::string DashboardServer::url() const {
  const std::string& h = impl_->options.host;
  std::string host = h.find(':') != std::string::npos ? "[" + h + "]" : h;
  return "http://" + host + ":" + std::to_string(impl_->port) + "/";
}

}  // namespace flockcpp

#include "loopback_collector.hpp"

#include <httplib.h>

#include <atomic>
#include <thread>

#include "src/exporters/otlp/proto/otlp_trace.pb.h"

namespace flock_bench {

struct LoopbackCollector::Impl {
  httplib::Server server;
  int port = 0;
  std::atomic<std::uint64_t> spans{0};
  std::thread thread;
};

LoopbackCollector::LoopbackCollector() : impl_(std::make_unique<Impl>()) {
  impl_->server.Post("/v1/traces", [this](const httplib::Request& req, httplib::Response& res) {
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest msg;
    if (!msg.ParseFromString(req.body)) {
      res.status = 400;
      return;
    }
    std::uint64_t n = 0;
    for (const auto& rs : msg.resource_spans())
      for (const auto& ss : rs.scope_spans()) n += static_cast<std::uint64_t>(ss.spans_size());
    impl_->spans.fetch_add(n);
    res.set_content("", "application/x-protobuf");
  });
  impl_->port = impl_->server.bind_to_any_port("127.0.0.1");
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
  while (!impl_->server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

LoopbackCollector::~LoopbackCollector() {
  impl_->server.stop();
  impl_->thread.join();
}

std::string LoopbackCollector::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port) + "/v1/traces";
}

std::uint64_t LoopbackCollector::spans() const { return impl_->spans.load(); }
void LoopbackCollector::reset() { impl_->spans = 0; }

}  // namespace flock_bench

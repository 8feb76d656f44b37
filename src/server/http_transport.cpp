#include "server/http_transport.hpp"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <stdexcept>

namespace flock_http {

namespace {
std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}
}  // namespace

const std::string* Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return &v;
  }
  return nullptr;
}

const std::string* Request::param(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return &v;
  }
  return nullptr;
}

struct Server::Impl {
  httplib::Server server;
  Handler handler;
  std::atomic<bool> stopped{false};

  void serve(const httplib::Request& in, httplib::Response& out) {
    Request req;
    req.method = in.method;
    req.path = in.path;
    req.raw_target = in.target;
    for (const auto& [k, v] : in.params) req.query.emplace_back(k, v);
    for (const auto& [k, v] : in.headers) req.headers.emplace_back(lower(k), v);
    req.body = in.body;
    req.remote_addr = in.remote_addr;
    Response res = handler(req);
    out.status = res.status;
    for (auto& [k, v] : res.headers) out.set_header(k, v);
    if (res.stream) {
      auto stream = std::move(res.stream);
      out.set_chunked_content_provider(res.content_type, [stream](std::size_t, httplib::DataSink& sink) {
        stream([&sink](std::string_view piece) {
          if (!sink.is_writable()) return false;
          return sink.write(piece.data(), piece.size());
        });
        sink.done();
        return true;
      });
    } else {
      out.set_content(std::move(res.body), res.content_type);
    }
  }
};

Server::Server() : impl_(std::make_unique<Impl>()) {}

Server::~Server() { stop(); }

int Server::bind(const std::string& host, int port, Handler handler, int threads, std::size_t max_body_bytes) {
  impl_->handler = std::move(handler);
  auto& s = impl_->server;
  s.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  s.set_payload_max_length(max_body_bytes);
  s.set_keep_alive_max_count(1000);
  s.set_tcp_nodelay(true);  // small JSON answers must not wait for a delayed ACK
  // An idle keep-alive connection holds a worker until this runs out, and
  // stopping waits for the workers.
  s.set_keep_alive_timeout(1);
  auto route = [this](const httplib::Request& in, httplib::Response& out) { impl_->serve(in, out); };
  s.Get(".*", route);
  s.Post(".*", route);
  s.Put(".*", route);
  s.Delete(".*", route);
  s.Patch(".*", route);
  s.Options(".*", route);
  // Errors httplib answers itself (a body over the limit: 413) get the API's
  // JSON shape too.
  s.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& out) {
    if (!out.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    std::string what = out.status == 413 ? "the request body is larger than the server accepts"
                                         : "HTTP " + std::to_string(out.status);
    out.set_header("X-Content-Type-Options", "nosniff");
    out.set_content("{\"error\":\"" + what + "\"}", "application/json");
    return httplib::Server::HandlerResponse::Handled;
  }));
  s.set_exception_handler([](const httplib::Request&, httplib::Response& out, std::exception_ptr e) {
    std::string what = "internal error";
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      what = ex.what();
    } catch (...) {
    }
    out.status = 500;
    std::string body = "{\"error\":\"internal error: ";
    for (char c : what) {
      if (c == '"' || c == '\\') body += '\\';
      if (static_cast<unsigned char>(c) >= 0x20) body += c;
    }
    body += "\"}";
    out.set_content(body, "application/json");
  });
  int bound = port == 0 ? s.bind_to_any_port(host) : (s.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) +
                             " (address in use or not available)");
  }
  return bound;
}

void Server::run() {
  if (impl_->stopped.load()) return;
  impl_->server.listen_after_bind();
}

void Server::stop() {
  impl_->stopped.store(true);
  impl_->server.stop();
}

}  // namespace flock_http

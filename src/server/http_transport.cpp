// http::Server on Boost.Asio/Beast: a listening socket and a few I/O
// threads that read and parse every connection asynchronously (slow clients
// cost a socket, not a thread), a bounded pool of handler workers, and a
// bounded set of stream threads.
#include "server/http_transport.hpp"

#include <condition_variable>
#include <mutex>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "flock/error.hpp"
#include "server/http_connection.hpp"
#include "server/http_server_core.hpp"

namespace flockcpp::http {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using boost::system::error_code;

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
  // Declared first, destroyed last: connections still queued in it close
  // their sockets while its services exist.
  net::io_context ioc;
  tcp::acceptor acceptor{net::make_strand(ioc)};
  net::steady_timer accept_pause{acceptor.get_executor()};
  std::shared_ptr<detail::ServerCore> core;

  std::mutex mu;
  std::condition_variable cv;
  bool initiated = false;  // stop() began
  bool running = false;    // run() is serving
  std::once_flag joined;

  void accept();
  void run_io();
  void initiate_stop();
  void join();
  bool on_own_thread() {
    return core && (core->pool.owns_current_thread() || core->streams.owns_current_thread());
  }
};

void Server::Impl::accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    if (ec) {
      // Out of file descriptors, most likely: pause instead of spinning.
      accept_pause.expires_after(std::chrono::milliseconds(50));
      accept_pause.async_wait([this](error_code wait_ec) {
        if (!wait_ec && acceptor.is_open()) accept();
      });
      return;
    }
    if (!core->stopping.load()) std::make_shared<detail::Connection>(std::move(socket), core)->start();
    accept();
  });
}

void Server::Impl::run_io() {
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (const std::exception&) {
      // A handler threw; the others go on (run() may be called again).
    }
  }
}

Server::Server() : impl_(std::make_unique<Impl>()) {}

Server::~Server() { stop(); }

int Server::bind(const std::string& host, int port, Handler handler, const Limits& limits) {
  Impl& m = *impl_;
  auto where = [&] { return host + ":" + std::to_string(port); };
  if (m.core) throw Error(ErrorCode::Conflict, "cannot listen on " + where() + ": this server is bound already");
  error_code ec;
  tcp::resolver resolver(m.ioc);
  auto endpoints = resolver.resolve(host, std::to_string(port), tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec) throw Error(ErrorCode::Unavailable, "cannot listen on " + where() + ": " + ec.message());
  std::string why = "no address";
  for (const auto& entry : endpoints) {
    error_code e;
    m.acceptor.open(entry.endpoint().protocol(), e);
    if (!e) m.acceptor.set_option(tcp::acceptor::reuse_address(true), e);
    if (!e) m.acceptor.bind(entry.endpoint(), e);
    if (!e) m.acceptor.listen(limits.backlog, e);
    if (!e) break;
    why = e.message();
    error_code ignored;
    m.acceptor.close(ignored);
  }
  if (!m.acceptor.is_open()) throw Error(ErrorCode::Unavailable, "cannot listen on " + where() + ": " + why);
  m.core = std::make_shared<detail::ServerCore>(std::move(handler), limits);
  return m.acceptor.local_endpoint().port();
}

void Server::run() {
  Impl& m = *impl_;
  {
    std::lock_guard lock(m.mu);
    if (m.initiated || !m.core) return;
    m.running = true;
  }
  m.accept();
  std::vector<std::thread> extra;
  for (int i = 1; i < m.core->limits.io_threads; ++i) extra.emplace_back([&m] { m.run_io(); });
  m.run_io();
  for (auto& t : extra) t.join();
  {
    std::lock_guard lock(m.mu);
    m.running = false;
  }
  m.cv.notify_all();
}

void Server::Impl::initiate_stop() {
  bool was_running = false;
  {
    std::lock_guard lock(mu);
    if (initiated) return;
    initiated = true;
    was_running = running;
    if (core) core->stopping.store(true);
  }
  if (!core) return;
  if (was_running) {
    net::post(acceptor.get_executor(), [this] {
      error_code ec;
      acceptor.close(ec);
      accept_pause.cancel();
    });
  } else {
    error_code ec;  // no thread runs the io_context: safe here
    acceptor.close(ec);
  }
  core->connections.close_all();
}

void Server::Impl::join() {
  if (!core) return;
  core->streams.join_all();      // their writers return false from now on
  core->pool.stop_and_join();    // handlers running finish; their answers go out, then a close
  std::unique_lock lock(mu);
  // With the listener and every connection closed the I/O threads run out
  // of work by themselves; a write still draining is cut short.
  if (!cv.wait_for(lock, std::chrono::seconds(1), [this] { return !running; })) {
    ioc.stop();
    cv.wait(lock, [this] { return !running; });
  }
  ioc.stop();  // run() after this returns at once
}

void Server::stop() {
  Impl& m = *impl_;
  m.initiate_stop();
  // A handler or stream stopping its own server cannot wait for itself; the
  // destructor (or a later stop()) joins.
  if (m.on_own_thread()) return;
  std::call_once(m.joined, [&m] { m.join(); });
}

}  // namespace flockcpp::http

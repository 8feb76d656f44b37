#include "server/http_connection.hpp"

#include <future>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/write.hpp>

#include "flock/error.hpp"
#include "server/http_text.hpp"

namespace flockcpp::http::detail {

namespace net = boost::asio;
namespace beast_http = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

// A client that was refused may still be sending; reading (and dropping)
// what it sends for a while before closing keeps the kernel from resetting
// the answer away, so a client that sends a body a little over the bound
// reads its 413. The answer goes out first; nothing drained is kept.
constexpr auto kLinger = std::chrono::milliseconds(2000);
constexpr std::size_t kMaxDrain = 32u << 20;

Response error_response(int status, const std::string& what) {
  Response r;
  r.status = status;
  r.body = error_json(what);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

bool bodiless(int status) { return status / 100 == 1 || status == 204 || status == 304; }

std::string size_text(std::size_t n) {
  if (n % (1024 * 1024) == 0) return std::to_string(n / (1024 * 1024)) + " MiB";
  if (n % 1024 == 0) return std::to_string(n / 1024) + " KiB";
  return std::to_string(n) + " bytes";
}

std::string chunk(std::string_view piece) {
  char size[20];
  int n = std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
  std::string out;
  out.reserve(piece.size() + static_cast<std::size_t>(n) + 2);
  out.append(size, static_cast<std::size_t>(n)).append(piece).append("\r\n");
  return out;
}

}  // namespace

// ---- the set of open connections

ConnectionSet::Handle ConnectionSet::add(const std::shared_ptr<Connection>& c) {
  std::lock_guard lock(mu_);
  return open_.insert(open_.end(), c);
}

void ConnectionSet::remove(Handle h) {
  std::lock_guard lock(mu_);
  open_.erase(h);
}

void ConnectionSet::close_all() {
  std::vector<std::shared_ptr<Connection>> live;
  {
    std::lock_guard lock(mu_);
    for (auto& w : open_) {
      if (auto c = w.lock()) live.push_back(std::move(c));
    }
  }
  // Outside the lock: dropping the last reference removes from the set.
  for (auto& c : live) c->close();
}

// ---- a connection

Connection::Connection(tcp::socket socket, std::shared_ptr<ServerCore> core)
    : socket_(std::move(socket)), timer_(socket_.get_executor()), core_(std::move(core)) {
  error_code ec;
  auto peer = socket_.remote_endpoint(ec);
  if (!ec) remote_ = peer.address().to_string();
  // Small JSON answers must not wait for a delayed ACK.
  socket_.set_option(tcp::no_delay(true), ec);
}

Connection::~Connection() {
  release_body();
  if (tracked_) core_->connections.remove(*tracked_);
}

void Connection::start() {
  tracked_ = core_->connections.add(shared_from_this());
  net::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->await_request(); });
}

void Connection::close() {
  net::post(socket_.get_executor(), [self = shared_from_this()] {
    // A handler at work still answers (and the connection closes after).
    if (self->busy_ && !self->streaming_) return;
    self->close_now();
  });
}

void Connection::close_now() {
  release_body();
  if (closed_) return;
  closed_ = true;
  disarm();
  error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
}

// ---- deadlines: one timer, for whichever phase is on

void Connection::arm(std::chrono::milliseconds after, Phase phase) {
  phase_ = phase;
  deadline_hit_ = false;
  timer_.expires_after(after);
  timer_.async_wait([self = shared_from_this(), gen = ++timer_gen_](error_code ec) {
    if (!ec && gen == self->timer_gen_) self->on_deadline();
  });
}

void Connection::disarm() {
  ++timer_gen_;
  timer_.cancel();
}

void Connection::on_deadline() {
  if (phase_ == Phase::header || phase_ == Phase::body) {
    // The read ends with operation_aborted and the client gets a 408.
    deadline_hit_ = true;
    error_code ec;
    socket_.cancel(ec);
    return;
  }
  close_now();  // idle, a write that does not drain, or lingering
}

// ---- reading a request

void Connection::await_request() {
  if (closed_) return;
  if (core_->stopping.load()) return close_now();
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(core_->limits.max_header_bytes));
  parser_->body_limit(static_cast<std::uint64_t>(core_->limits.max_body_bytes));
  if (buffer_.size() > 0) return read_header();  // pipelined
  // Waiting for the first byte costs nothing but a socket: the shorter idle
  // timeout applies until it comes, then the header deadline.
  arm(core_->limits.idle_timeout, Phase::idle);
  socket_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](error_code ec, std::size_t n) {
    self->disarm();
    if (ec || self->closed_) return self->close_now();
    self->buffer_.commit(n);
    self->read_header();
  });
}

void Connection::read_header() {
  arm(core_->limits.header_timeout, Phase::header);
  beast_http::async_read_header(socket_, buffer_, *parser_, [self = shared_from_this()](error_code ec, std::size_t) {
    bool late = self->deadline_hit_;
    self->disarm();
    if (ec && late) return self->fail(408, "the request headers did not arrive in time");
    if (ec) return self->on_read_error(ec);
    self->on_header();
  });
}

void Connection::on_header() {
  auto& msg = parser_->get();
  version_ = msg.version() == 10 ? 10 : 11;
  std::vector<std::string_view> transfer_encodings;
  for (auto range = msg.equal_range(beast_http::field::transfer_encoding); range.first != range.second; ++range.first) {
    transfer_encodings.push_back(range.first->value());
  }
  std::string refusal =
      framing_refusal(transfer_encodings, msg.find(beast_http::field::content_length) != msg.end(), msg.version());
  if (!refusal.empty()) return fail(400, refusal);  // and close: the next bytes are not a request we can trust
  if (parser_->is_done()) return dispatch();
  // An announced body takes its whole share before a byte of it is read
  // (and before 100 Continue invites it).
  if (auto length = parser_->content_length(); length && !hold_body(static_cast<std::size_t>(*length))) {
    return refuse_body();
  }
  auto expect = msg[beast_http::field::expect];
  if (version_ == 11 && expect.size() == 12 && lower(expect) == "100-continue") {
    // The client waits for this before sending the body it announced.
    static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    arm(core_->limits.write_timeout, Phase::write);
    net::async_write(socket_, net::buffer(kContinue), [self = shared_from_this()](error_code ec, std::size_t) {
      self->disarm();
      if (ec || self->closed_) return self->close_now();
      self->read_body();
    });
    return;
  }
  read_body();
}

void Connection::read_body() {
  arm(core_->limits.body_timeout, Phase::body);  // for the whole body
  read_body_part();
}

void Connection::read_body_part() {
  beast_http::async_read_some(socket_, buffer_, *parser_, [self = shared_from_this()](error_code ec, std::size_t) {
    if (ec) {
      bool late = self->deadline_hit_;
      self->disarm();
      if (late) return self->fail(408, "the request body did not arrive in time");
      return self->on_read_error(ec);
    }
    // A chunked body takes its share as it grows.
    if (!self->hold_body(self->parser_->get().body().size())) {
      self->disarm();
      return self->refuse_body();
    }
    if (!self->parser_->is_done()) return self->read_body_part();
    self->disarm();
    self->dispatch();
  });
}

bool Connection::hold_body(std::size_t total) {
  if (total <= body_held_) return true;
  if (!core_->bodies.try_take(total - body_held_)) return false;
  body_held_ = total;
  return true;
}

void Connection::release_body() {
  core_->bodies.give_back(body_held_);
  body_held_ = 0;
}

void Connection::refuse_body() {
  const std::size_t budget = core_->bodies.max_bytes();
  if (parser_->content_length().value_or(0) > budget) {
    return fail(413, "the request body is larger than the server reads at once (" + size_text(budget) + ")");
  }
  fail(503, "the server is busy reading other request bodies (" + size_text(budget) +
                " at once, all clients together); retry later", true);
}

void Connection::on_read_error(error_code ec) {
  if (closed_) return;
  if (ec == beast_http::error::header_limit) {
    return fail(431, "the request headers are larger than the server accepts (" +
                         size_text(core_->limits.max_header_bytes) + ")");
  }
  if (ec == beast_http::error::body_limit) {
    return fail(413, "the request body is larger than the server accepts (" +
                         size_text(core_->limits.max_body_bytes) + ")");
  }
  // The client left (between requests or halfway): nobody to answer.
  if (ec == beast_http::error::end_of_stream || ec == beast_http::error::partial_message || ec == net::error::eof ||
      ec == net::error::operation_aborted || ec == net::error::connection_reset || ec == net::error::broken_pipe) {
    return close_now();
  }
  fail(400, "malformed request: " + ec.message());
}

void Connection::dispatch() {
  if (core_->stopping.load()) return close_now();
  auto& msg = parser_->get();
  Request req;
  req.method = std::string(msg.method_string());
  req.raw_target = std::string(msg.target());
  if (!parse_target(req.raw_target, req.path, req.query)) {
    return fail(400, "malformed request target: " + req.raw_target);
  }
  for (const auto& field : msg) req.headers.emplace_back(lower(field.name_string()), std::string(field.value()));
  req.body = std::move(msg.body());
  req.remote_addr = remote_;
  keep_alive_ = msg.keep_alive();
  head_ = req.method == "HEAD";
  parser_.reset();
  release_body();  // the body is the worker pool's to bound from here
  std::size_t bytes = req.body.size();
  bool queued = core_->pool.try_post(
      [self = shared_from_this(), r = std::move(req)]() mutable { self->serve(std::move(r)); }, bytes);
  if (!queued) return fail(503, "the server is busy: every worker is taken and the queue is full", true);
  busy_ = true;
}

// ---- answering

void Connection::serve(Request req) {
  Response res;
  try {
    res = core_->handler(req);
  } catch (const std::exception& e) {
    res = error_response(500, std::string("internal error: ") + e.what());
  } catch (...) {
    res = error_response(500, "internal error");
  }
  if (res.stream && !head_) {
    auto body = std::move(res.stream);
    res.stream = nullptr;
    bool started = core_->streams.try_start(
        [self = shared_from_this(), head = std::move(res), fn = std::move(body)]() mutable {
          self->run_stream(std::move(head), std::move(fn));
        });
    if (started) return;
    net::post(socket_.get_executor(), [self = shared_from_this()] {
      self->busy_ = false;
      self->fail(503, "too many open event streams (at most " + std::to_string(self->core_->limits.max_streams) +
                          " at once); close one or retry later", true);
    });
    return;
  }
  net::post(socket_.get_executor(), [self = shared_from_this(), r = std::move(res)]() mutable {
    self->respond(std::move(r));
  });
}

void Connection::respond(Response res) {
  busy_ = false;
  if (closed_) return;
  bool keep = keep_alive_ && !core_->stopping.load();
  auto msg = std::make_shared<StringResponse>();
  try {
    if (res.status < 100 || res.status > 999) throw Error(ErrorCode::Internal, "bad status " + std::to_string(res.status));
    msg->version(version_);
    msg->result(static_cast<unsigned>(res.status));
    msg->set(beast_http::field::content_type, res.content_type);
    for (const auto& [name, value] : res.headers) msg->insert(name, value);
    msg->keep_alive(keep);
    if (!bodiless(res.status)) {
      msg->content_length(res.body.size());  // HEAD: the length GET would have
      if (!head_) msg->body() = std::move(res.body);
    }
  } catch (const std::exception& e) {
    return fail(500, std::string("internal error: ") + e.what());
  }
  write(std::move(msg), keep);
}

void Connection::fail(int status, const std::string& what, bool retry_after) {
  parser_.reset();  // a refused body is not kept while the answer goes out
  release_body();
  if (closed_) return;
  auto msg = std::make_shared<StringResponse>();
  msg->version(version_);
  msg->result(static_cast<unsigned>(status));
  msg->set(beast_http::field::content_type, "application/json");
  msg->set("X-Content-Type-Options", "nosniff");
  if (retry_after) msg->set(beast_http::field::retry_after, "1");
  msg->keep_alive(false);
  msg->body() = error_json(what);
  msg->content_length(msg->body().size());
  write(std::move(msg), false);
}

void Connection::write(std::shared_ptr<StringResponse> msg, bool keep_alive) {
  arm(core_->limits.write_timeout, Phase::write);
  auto& m = *msg;
  beast_http::async_write(socket_, m, [self = shared_from_this(), msg = std::move(msg), keep_alive](error_code ec, std::size_t) {
    self->disarm();
    if (ec || self->closed_) return self->close_now();
    if (!keep_alive) return self->linger_close();
    self->await_request();
  });
}

void Connection::linger_close() {
  error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  if (ec || core_->stopping.load()) return close_now();
  arm(kLinger, Phase::linger);
  drained_ = 0;
  drain();
}

void Connection::drain() {
  socket_.async_read_some(net::buffer(discard_), [self = shared_from_this()](error_code ec, std::size_t n) {
    self->drained_ += n;
    if (ec || self->closed_ || self->drained_ > kMaxDrain) return self->close_now();
    self->drain();
  });
}

// ---- streamed answers

void Connection::watch_peer() {
  // Anything the client sends now is ignored; its EOF or reset ends the stream.
  socket_.async_read_some(net::buffer(discard_), [self = shared_from_this()](error_code ec, std::size_t) {
    if (self->closed_) return;
    if (ec) {
      self->gone_.store(true);
      return self->close_now();
    }
    self->watch_peer();
  });
}

bool Connection::write_blocking(std::string bytes) {
  auto done = std::make_shared<std::promise<bool>>();
  auto result = done->get_future();
  net::post(socket_.get_executor(), [self = shared_from_this(), b = std::move(bytes), done]() mutable {
    self->streaming_ = true;
    if (self->closed_) return done->set_value(false);
    self->out_ = std::move(b);
    self->arm(self->core_->limits.write_timeout, Phase::write);
    net::async_write(self->socket_, net::buffer(self->out_), [self, done](error_code ec, std::size_t) {
      self->disarm();
      if (ec) {
        self->gone_.store(true);
        self->close_now();
      }
      done->set_value(!ec);
    });
  });
  try {
    return result.get();
  } catch (const std::future_error&) {
    return false;  // the I/O side dropped the write unrun
  }
}

void Connection::run_stream(Response head, std::function<void(const ChunkWriter&)> body) {
  // HTTP/1.0 knows no chunks: raw bytes, and the close marks the end.
  const bool chunked = version_ == 11;
  std::string header = "HTTP/1." + std::to_string(version_ % 10) + " " + std::to_string(head.status) + " " +
                       std::string(beast_http::obsolete_reason(beast_http::int_to_status(static_cast<unsigned>(head.status)))) +
                       "\r\nContent-Type: " + head.content_type + "\r\n";
  for (const auto& [name, value] : head.headers) header.append(name).append(": ").append(value).append("\r\n");
  if (chunked) header.append("Transfer-Encoding: chunked\r\n");
  header.append("Connection: close\r\n\r\n");
  bool alive = write_blocking(std::move(header));
  if (alive) net::post(socket_.get_executor(), [self = shared_from_this()] { self->watch_peer(); });
  if (alive) {
    ChunkWriter writer = [this, chunked](std::string_view piece) {
      if (gone_.load() || core_->stopping.load()) return false;
      if (piece.empty()) return true;  // an empty chunk would end the body
      return write_blocking(chunked ? chunk(piece) : std::string(piece));
    };
    bool finished = true;
    try {
      body(writer);
    } catch (...) {
      finished = false;  // no last chunk: the client sees the body cut short
    }
    if (finished && chunked && !gone_.load() && !core_->stopping.load()) write_blocking("0\r\n\r\n");
  }
  net::post(socket_.get_executor(), [self = shared_from_this()] { self->end_stream(); });
}

void Connection::end_stream() {
  if (closed_) return;
  // watch_peer() still reads: it sees the client's close; the timer cuts a
  // client that keeps the connection open.
  error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  if (ec || core_->stopping.load()) return close_now();
  arm(kLinger, Phase::linger);
}

}  // namespace flockcpp::http::detail

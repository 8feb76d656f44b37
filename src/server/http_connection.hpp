// One client connection: reads and parses requests on an I/O thread (Asio,
// asynchronous, on a strand), enforces the deadlines and size limits, hands
// complete requests to the worker pool and writes the answers back.
// Streamed answers are written from a stream thread through write_blocking().
#pragma once
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "server/http_server_core.hpp"

namespace flockcpp::http::detail {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // socket: accepted, on a strand of its own.
  Connection(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerCore> core);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void start();
  void close();  // from any thread

 private:
  using error_code = boost::system::error_code;
  using StringResponse = boost::beast::http::response<boost::beast::http::string_body>;
  enum class Phase { idle, header, body, write, linger };

  // All of these run on the strand.
  void await_request();
  void read_header();
  void on_header();
  void read_body();
  void read_body_part();
  bool hold_body(std::size_t total);
  void release_body();
  void refuse_body();
  void on_read_error(error_code ec);
  void dispatch();
  void respond(Response res);
  void fail(int status, const std::string& what, bool retry_after = false);
  void write(std::shared_ptr<StringResponse> msg, bool keep_alive);
  void linger_close();
  void drain();
  void close_now();
  void arm(std::chrono::milliseconds after, Phase phase);
  void disarm();
  void on_deadline();
  void watch_peer();
  void end_stream();

  // On a worker thread.
  void serve(Request req);
  // On a stream thread.
  void run_stream(Response head, std::function<void(const ChunkWriter&)> body);
  bool write_blocking(std::string bytes);

  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  std::shared_ptr<ServerCore> core_;
  std::optional<ConnectionSet::Handle> tracked_;
  std::string remote_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;

  // Strand state.
  Phase phase_ = Phase::idle;
  std::uint64_t timer_gen_ = 0;
  bool deadline_hit_ = false;
  bool closed_ = false;
  bool busy_ = false;       // a worker has the request
  bool streaming_ = false;  // a stream thread writes
  std::string out_;  // the streamed bytes being written
  std::array<char, 1024> discard_{};
  std::size_t drained_ = 0;
  std::size_t body_held_ = 0;  // of core_->bodies, for the body being read

  // Set on the strand before a request goes to a worker; read there.
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool head_ = false;

  std::atomic<bool> gone_{false};  // a streaming client left
};

}  // namespace flockcpp::http::detail

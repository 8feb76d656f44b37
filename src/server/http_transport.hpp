// HTTP/1.1 on a socket, kept apart from everything else: only the
// transport's own files see Asio/Beast (and the POSIX headers they pull in),
// and this header names no other library type.
#pragma once
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flockcpp::http {

struct Request {
  std::string method;
  std::string path;        // percent-decoded, without the query
  std::string raw_target;  // the request-target exactly as received
  std::vector<std::pair<std::string, std::string>> query;    // decoded ('+' is a space), in order
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  std::string remote_addr;

  const std::string* header(std::string_view name) const;  // first, by lower-case name
  const std::string* param(std::string_view name) const;   // first
};

// Writes one piece of a streamed body; false once the client is gone or the
// server stops. An empty piece writes nothing: it only asks that question.
using ChunkWriter = std::function<bool(std::string_view)>;

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the body is streamed (chunked, then the connection closes) by
  // this function, on a thread of its own, until it returns.
  std::function<void(const ChunkWriter&)> stream;
};

using Handler = std::function<Response(const Request&)>;

// What one client may cost the server. Past a limit the client gets a JSON
// error (408, 413, 431, 503) and the connection is closed.
struct Limits {
  int backlog = 511;                                   // listen queue
  std::chrono::milliseconds header_timeout{10000};     // request line + all headers, in total
  std::size_t max_header_bytes = 64 * 1024;            // 431 past it
  std::chrono::milliseconds body_timeout{30000};       // the whole body
  std::size_t max_body_bytes = 16 * 1024 * 1024;       // 413, before reading when Content-Length says so
  std::size_t max_reading_body_bytes = 64 * 1024 * 1024;  // bodies being read, all connections together; 503 past it
  std::chrono::milliseconds idle_timeout{5000};        // keep-alive: waiting for a request's first byte
  std::chrono::milliseconds write_timeout{10000};      // one response or one streamed chunk
  int workers = 0;                                     // handler threads; 0: max(8, 4 x cores)
  std::size_t queue = 1024;                            // requests waiting for a worker; 503 past it
  std::size_t max_queued_body_bytes = 64 * 1024 * 1024;  // their bodies together; 503 past it
  int max_streams = 16;                                // open streamed responses (a thread each); 503 past it
  int io_threads = 2;                                  // reading, parsing and writing
};

class Server {
 public:
  Server();
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds host:port (0: a free port) and returns the port; throws
  // flockcpp::Error naming host:port when it cannot (Unavailable; Conflict
  // when this server is bound already).
  int bind(const std::string& host, int port, Handler handler, const Limits& limits = {});
  // Serves until stop(); returns at once if stop() came first.
  void run();
  // Closes the listener, every connection and stream; handlers already
  // running finish. Returns once run() has returned.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flockcpp::http

// HTTP/1.1 on a socket, kept apart from everything else: cpp-httplib pulls in
// <fcntl.h>, whose `struct flock` collides with the library's namespace, so
// only http_transport.cpp sees httplib and this header names no flock type.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flock_http {

struct Request {
  std::string method;
  std::string path;        // decoded, without the query
  std::string raw_target;  // the request-target exactly as received
  std::vector<std::pair<std::string, std::string>> query;    // decoded, in order
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  std::string remote_addr;

  const std::string* header(std::string_view name) const;  // first, by lower-case name
  const std::string* param(std::string_view name) const;   // first
};

// Writes one piece of a streamed body; false once the client is gone.
using ChunkWriter = std::function<bool(std::string_view)>;

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the body is streamed (chunked) by this function until it returns.
  std::function<void(const ChunkWriter&)> stream;
};

using Handler = std::function<Response(const Request&)>;

class Server {
 public:
  Server();
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds host:port (0: a free port) and returns the port; throws
  // std::runtime_error when it cannot.
  int bind(const std::string& host, int port, Handler handler, int threads, std::size_t max_body_bytes);
  // Serves until stop(); returns at once if stop() came first.
  void run();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flock_http

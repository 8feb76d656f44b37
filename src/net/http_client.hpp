// One HTTP/1.1 POST at a time through libcurl, with a reused connection, a
// per-request timeout, optional gzip of the body, a bound on the answer's
// size, an optional callback that sees the answer as it streams in, and a
// way to abort a request in flight (shutdown must never wait out a dead
// server). Used by the OTLP exporter and the LLM engine.
#pragma once
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "flock/version.hpp"

namespace flockcpp::detail {

struct HttpResult {
  long status = 0;  // 0: no HTTP answer (connection refused, timeout, aborted, too large)
  std::string error;
  std::string body;
  std::optional<std::chrono::milliseconds> retry_after;
  bool too_large = false;  // stopped at HttpRequest::max_response_bytes
};

struct HttpRequest {
  std::string url;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout{10000};  // the whole exchange
  bool gzip = false;
  std::size_t max_response_bytes = 64 * 1024 * 1024;
  std::string user_agent = std::string("flock-cpp/") + FLOCK_VERSION;
  const std::atomic<bool>* abort = nullptr;
  // Sees each piece of the answer as it arrives (the body is kept too);
  // returning false stops the transfer.
  std::function<bool(std::string_view)> on_data;
};

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResult post(const HttpRequest& request);
  HttpResult post(const std::string& url, const std::string& body, const std::string& content_type,
                  const std::vector<std::pair<std::string, std::string>>& headers, std::chrono::milliseconds timeout,
                  bool gzip, const std::atomic<bool>& abort);

 private:
  void* curl_;
};

std::string gzip_compress(const std::string& data);

}  // namespace flockcpp::detail

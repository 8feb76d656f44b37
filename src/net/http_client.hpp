// One HTTP/1.1 POST at a time through libcurl, with a reused connection,
// a per-request timeout, optional gzip of the body, and a way to abort a
// request in flight (shutdown must never wait out a dead collector).
#pragma once
#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace flock::detail {

struct HttpResult {
  long status = 0;  // 0: no HTTP answer (connection refused, timeout, aborted)
  std::string error;
  std::string body;
  std::optional<std::chrono::milliseconds> retry_after;
};

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResult post(const std::string& url, const std::string& body, const std::string& content_type,
                  const std::vector<std::pair<std::string, std::string>>& headers, std::chrono::milliseconds timeout,
                  bool gzip, const std::atomic<bool>& abort);

 private:
  void* curl_;
};

std::string gzip_compress(const std::string& data);

}  // namespace flock::detail

#include "net/http_client.hpp"

#include <curl/curl.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <mutex>
#include <string_view>

#include "flock/error.hpp"
#include "flock/version.hpp"

namespace flockcpp::detail {
namespace {

std::once_flag g_curl_init;

struct BodySink {
  std::string* body;
  std::size_t max_bytes;
  const std::function<bool(std::string_view)>* on_data;
  bool too_large = false;
  bool stopped = false;
};

size_t on_body(char* ptr, size_t size, size_t n, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  std::size_t len = size * n;
  if (sink->body->size() + len > sink->max_bytes) {
    sink->too_large = true;
    return 0;  // curl reports a write error and stops
  }
  sink->body->append(ptr, len);
  if (*sink->on_data && !(*sink->on_data)(std::string_view(ptr, len))) {
    sink->stopped = true;
    return 0;
  }
  return len;
}

struct HeaderCapture {
  std::optional<std::chrono::milliseconds> retry_after;
};

// Retry-After: delta-seconds or an HTTP-date.
size_t on_header(char* buffer, size_t size, size_t n, void* user) {
  std::string line(buffer, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == "retry-after") {
      std::string value = line.substr(colon + 1);
      while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.pop_back();
      while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.erase(0, 1);
      auto* cap = static_cast<HeaderCapture*>(user);
      if (!value.empty() && std::all_of(value.begin(), value.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
        cap->retry_after = std::chrono::seconds(std::stoll(value.substr(0, 9)));
      } else if (time_t when = curl_getdate(value.c_str(), nullptr); when > 0) {
        auto delta = when - std::time(nullptr);
        cap->retry_after = std::chrono::seconds(delta > 0 ? delta : 0);
      }
    }
  }
  return size * n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* abort = static_cast<const std::atomic<bool>*>(user);
  return abort != nullptr && abort->load() ? 1 : 0;  // non-zero aborts
}

}  // namespace

std::string gzip_compress(const std::string& data) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw Error(ErrorCode::Internal, "gzip: deflateInit2 failed");
  }
  std::string out;
  out.resize(deflateBound(&zs, data.size()) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw Error(ErrorCode::Internal, "gzip: deflate failed");
  out.resize(zs.total_out);
  return out;
}

HttpClient::HttpClient() {
  std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  curl_ = curl_easy_init();
  if (curl_ == nullptr) throw Error(ErrorCode::Internal, "libcurl: curl_easy_init failed");
}

HttpClient::~HttpClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

HttpResult HttpClient::post(const std::string& url, const std::string& body, const std::string& content_type,
                            const std::vector<std::pair<std::string, std::string>>& headers,
                            std::chrono::milliseconds timeout, bool gzip, const std::atomic<bool>& abort) {
  HttpRequest r;
  r.url = url;
  r.body = body;
  r.content_type = content_type;
  r.headers = headers;
  r.timeout = timeout;
  r.gzip = gzip;
  r.abort = &abort;
  r.user_agent = std::string("flock-cpp-otlp/") + FLOCK_VERSION;
  return post(r);
}

HttpResult HttpClient::post(const HttpRequest& req) {
  CURL* c = static_cast<CURL*>(curl_);
  curl_easy_reset(c);
  HttpResult result;
  std::string compressed = req.gzip ? gzip_compress(req.body) : std::string();
  const std::string& payload = req.gzip ? compressed : req.body;
  curl_slist* list = nullptr;
  list = curl_slist_append(list, ("Content-Type: " + req.content_type).c_str());
  if (req.gzip) list = curl_slist_append(list, "Content-Encoding: gzip");
  list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
  for (const auto& [k, v] : req.headers) list = curl_slist_append(list, (k + ": " + v).c_str());
  HeaderCapture cap;
  BodySink sink{&result.body, req.max_response_bytes, &req.on_data};
  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(req.timeout.count()));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &cap);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(req.abort));
  curl_easy_setopt(c, CURLOPT_USERAGENT, req.user_agent.c_str());
  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(list);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &result.status);
  result.retry_after = cap.retry_after;
  if (rc != CURLE_OK) {
    if (sink.too_large) {
      result.too_large = true;
      result.error = "the answer is larger than " + std::to_string(req.max_response_bytes) + " bytes";
    } else if (rc == CURLE_ABORTED_BY_CALLBACK) {
      result.error = "aborted";
    } else if (sink.stopped) {
      result.error = "stopped by the receiver";
    } else {
      result.error = curl_easy_strerror(rc);
    }
    result.status = 0;
    return result;
  }
  return result;
}

}  // namespace flockcpp::detail

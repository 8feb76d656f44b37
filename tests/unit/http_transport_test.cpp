// flockcpp::http::Server over real sockets on 127.0.0.1: parsing, the limits a
// hostile client meets (slowloris, floods, oversized heads and bodies, a full
// pool), streaming and stop(). Bounds on waiting are generous: they tell
// "answered" from "never answered", not fast from slow.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "server/http_transport.hpp"

namespace {

using namespace std::chrono_literals;
using flockcpp::http::Limits;
using flockcpp::http::Request;
using flockcpp::http::Response;
using Clock = std::chrono::steady_clock;

class TestServer {
 public:
  explicit TestServer(flockcpp::http::Handler h, const Limits& limits = {}) {
    port_ = server_.bind("127.0.0.1", 0, std::move(h), limits);
    thread_ = std::thread([this] { server_.run(); });
  }
  ~TestServer() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  flockcpp::http::Server& server() { return server_; }

 private:
  flockcpp::http::Server server_;
  int port_ = 0;
  std::thread thread_;
};

Response ok(std::string body = "{\"ok\":true}") {
  Response r;
  r.body = std::move(body);
  return r;
}

int connect_to(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("connect");
  }
  return fd;
}

bool send_all(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    s.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Appends what arrives within `wait` to `out`; false once the peer closed
// (or reset).
bool read_some(int fd, std::string& out, std::chrono::milliseconds wait) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return true;
  char buf[16384];
  ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  if (n <= 0) return false;
  out.append(buf, static_cast<std::size_t>(n));
  return true;
}

// Everything until the peer closes, or what came by `max`.
std::string read_until_close(int fd, std::chrono::milliseconds max = 10s) {
  std::string out;
  auto end = Clock::now() + max;
  while (Clock::now() < end && read_some(fd, out, 100ms)) {
  }
  return out;
}

bool closed_by_peer(int fd, std::chrono::milliseconds max) {
  std::string ignored;
  auto end = Clock::now() + max;
  while (Clock::now() < end) {
    if (!read_some(fd, ignored, 100ms)) return true;
  }
  return false;
}

// One response with a Content-Length body (keep-alive), or "" by `max`.
std::string read_response(int fd, std::string& pending, std::chrono::milliseconds max = 10s) {
  auto end = Clock::now() + max;
  for (;;) {
    auto head_end = pending.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      std::size_t length = 0;
      auto cl = pending.find("Content-Length: ");
      if (cl != std::string::npos && cl < head_end) length = std::stoul(pending.substr(cl + 16));
      if (pending.size() >= head_end + 4 + length) {
        std::string one = pending.substr(0, head_end + 4 + length);
        pending.erase(0, one.size());
        return one;
      }
    }
    if (Clock::now() >= end || !read_some(fd, pending, 100ms)) return "";
  }
}

int status_of(const std::string& response) {
  if (response.rfind("HTTP/1.", 0) != 0 || response.size() < 12) return 0;
  return std::stoi(response.substr(9, 3));
}

std::string body_of(const std::string& response) {
  auto at = response.find("\r\n\r\n");
  return at == std::string::npos ? "" : response.substr(at + 4);
}

bool has_header(const std::string& response, const std::string& line) {
  auto head = response.substr(0, response.find("\r\n\r\n"));
  return head.find("\r\n" + line + "\r\n") != std::string::npos ||
         head.substr(head.size() - std::min(head.size(), line.size() + 2)) == "\r\n" + line;
}

std::string get(int port, const std::string& target, const std::string& method = "GET") {
  int fd = connect_to(port);
  send_all(fd, method + " " + target + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  std::string r = read_until_close(fd);
  ::close(fd);
  return r;
}

// Opens a gate for handlers that wait on it.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  int waiting = 0;
  void wait() {
    std::unique_lock lock(mu);
    ++waiting;
    cv.notify_all();
    cv.wait(lock, [this] { return open; });
  }
  bool wait_for_waiting(int n, std::chrono::milliseconds max) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, max, [&] { return waiting >= n; });
  }
  void release() {
    {
      std::lock_guard lock(mu);
      open = true;
    }
    cv.notify_all();
  }
};

TEST(HttpTransport, DecodesPathAndQueryAndKeepsTheRawTarget) {
  std::mutex mu;
  std::vector<Request> seen;
  TestServer s([&](const Request& r) {
    std::lock_guard lock(mu);
    seen.push_back(r);
    return ok();
  });
  int fd = connect_to(s.port());
  send_all(fd,
           "GET /a%20b/%2e%2e/x%zz?q=a+b&r=%26%3D&empty=&&q=2 HTTP/1.1\r\nHost: t\r\nX-Custom-Thing: V a\r\n"
           "Connection: close\r\n\r\n");
  EXPECT_EQ(status_of(read_until_close(fd)), 200);
  ::close(fd);
  EXPECT_EQ(status_of(get(s.port(), "//etc/passwd")), 200);

  std::lock_guard lock(mu);
  ASSERT_EQ(seen.size(), 2u);
  const Request& r = seen[0];
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.path, "/a b/../x%zz");
  EXPECT_EQ(r.raw_target, "/a%20b/%2e%2e/x%zz?q=a+b&r=%26%3D&empty=&&q=2");
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(r.query, (std::vector<P>{{"q", "a b"}, {"r", "&="}, {"empty", ""}, {"q", "2"}}));
  ASSERT_NE(r.param("q"), nullptr);
  EXPECT_EQ(*r.param("q"), "a b");
  ASSERT_NE(r.header("x-custom-thing"), nullptr);
  EXPECT_EQ(*r.header("x-custom-thing"), "V a");
  EXPECT_EQ(r.header("X-Custom-Thing"), nullptr);  // names are lower-case
  EXPECT_EQ(r.remote_addr, "127.0.0.1");
  EXPECT_EQ(seen[1].raw_target, "//etc/passwd");
  EXPECT_EQ(seen[1].path, "//etc/passwd");
}

TEST(HttpTransport, KeepAliveServesManyRequestsOnOneConnection) {
  std::atomic<int> calls{0};
  TestServer s([&](const Request& r) { return ok("{\"n\":" + std::to_string(++calls) + ",\"body\":\"" + r.body + "\"}"); });
  int fd = connect_to(s.port());
  std::string pending;
  for (int i = 1; i <= 3; ++i) {
    send_all(fd, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi");
    std::string r = read_response(fd, pending);
    EXPECT_EQ(status_of(r), 200) << r;
    EXPECT_EQ(body_of(r), "{\"n\":" + std::to_string(i) + ",\"body\":\"hi\"}");
  }
  // Two pipelined requests in one write.
  send_all(fd, "GET /a HTTP/1.1\r\nHost: t\r\n\r\nGET /b HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(status_of(read_response(fd, pending)), 200);
  EXPECT_EQ(status_of(read_response(fd, pending)), 200);
  ::close(fd);
  EXPECT_EQ(calls.load(), 5);
}

TEST(HttpTransport, HeadAnswersLikeGetWithoutBody) {
  std::vector<std::string> methods;
  std::mutex mu;
  TestServer s([&](const Request& r) {
    std::lock_guard lock(mu);
    methods.push_back(r.method);
    return ok("{\"hello\":\"world\"}");
  });
  std::string r = get(s.port(), "/x", "HEAD");
  EXPECT_EQ(status_of(r), 200) << r;
  EXPECT_TRUE(has_header(r, "Content-Length: 17")) << r;
  EXPECT_EQ(body_of(r), "");
  std::lock_guard lock(mu);
  EXPECT_EQ(methods, std::vector<std::string>{"HEAD"});
}

TEST(HttpTransport, HandlerExceptionIs500Json) {
  TestServer s([](const Request&) -> Response { throw std::runtime_error("boom \"quoted\"\n"); });
  std::string r = get(s.port(), "/x");
  EXPECT_EQ(status_of(r), 500) << r;
  EXPECT_EQ(body_of(r), "{\"error\":\"internal error: boom \\\"quoted\\\"\\u000a\"}");
  EXPECT_TRUE(has_header(r, "Content-Type: application/json")) << r;
  EXPECT_TRUE(has_header(r, "X-Content-Type-Options: nosniff")) << r;
}

TEST(HttpTransport, MalformedRequestIs400Json) {
  TestServer s([](const Request&) { return ok(); });
  int fd = connect_to(s.port());
  send_all(fd, "NOT A REQUEST\r\n\r\n");
  std::string r = read_until_close(fd);
  ::close(fd);
  EXPECT_EQ(status_of(r), 400) << r;
  EXPECT_EQ(body_of(r).rfind("{\"error\":\"malformed request", 0), 0u) << r;
  EXPECT_TRUE(has_header(r, "X-Content-Type-Options: nosniff")) << r;
}

TEST(HttpTransport, AnnouncedBodyOverTheBoundIs413BeforeItIsRead) {
  std::atomic<int> calls{0};
  Limits limits;
  limits.max_body_bytes = 1024;
  TestServer s(
      [&](const Request&) {
        ++calls;
        return ok();
      },
      limits);
  int fd = connect_to(s.port());
  // 100 MB announced, nothing sent: the answer cannot wait for the body.
  send_all(fd, "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 104857600\r\n\r\n");
  std::string r = read_until_close(fd, 10s);
  ::close(fd);
  EXPECT_EQ(status_of(r), 413) << r;
  EXPECT_TRUE(has_header(r, "Connection: close")) << r;
  EXPECT_EQ(body_of(r), "{\"error\":\"the request body is larger than the server accepts (1 KiB)\"}");
  EXPECT_EQ(calls.load(), 0);
}

TEST(HttpTransport, ChunkedBodyOverTheBoundIs413) {
  std::atomic<int> calls{0};
  Limits limits;
  limits.max_body_bytes = 1024;
  TestServer s(
      [&](const Request&) {
        ++calls;
        return ok();
      },
      limits);
  int fd = connect_to(s.port());
  std::string piece(800, 'x');
  send_all(fd, "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n320\r\n" + piece + "\r\n320\r\n" +
                   piece + "\r\n");
  std::string r = read_until_close(fd, 10s);
  ::close(fd);
  EXPECT_EQ(status_of(r), 413) << r;
  EXPECT_EQ(calls.load(), 0);

  // Within the bound, a chunked body arrives whole.
  std::string got;
  std::mutex mu;
  TestServer s2(
      [&](const Request& req) {
        std::lock_guard lock(mu);
        got = req.body;
        return ok();
      },
      limits);
  fd = connect_to(s2.port());
  send_all(fd, "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
               "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  EXPECT_EQ(status_of(read_until_close(fd)), 200);
  ::close(fd);
  std::lock_guard lock(mu);
  EXPECT_EQ(got, "abcde");
}

TEST(HttpTransport, OversizedHeadersAre431) {
  Limits limits;
  limits.max_header_bytes = 4096;
  TestServer s([](const Request&) { return ok(); }, limits);
  int fd = connect_to(s.port());
  send_all(fd, "GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(8192, 'a') + "\r\n\r\n");
  std::string r = read_until_close(fd);
  ::close(fd);
  EXPECT_EQ(status_of(r), 431) << r;
  EXPECT_EQ(body_of(r).rfind("{\"error\":\"the request headers are larger", 0), 0u) << r;
}

TEST(HttpTransport, SlowlorisClientsCostNoWorkersAndAreClosedAtTheHeaderDeadline) {
  Limits limits;
  limits.workers = 2;
  limits.header_timeout = 1500ms;
  TestServer s([](const Request&) { return ok(); }, limits);
  constexpr int kSlow = 12;  // more than the workers
  std::vector<int> slow;
  for (int i = 0; i < kSlow; ++i) slow.push_back(connect_to(s.port()));
  const std::string head = "GET /slow HTTP/1.1\r\nHost: t\r\nX-Drip: ";
  std::atomic<bool> stop_drip{false};
  // One byte a second on every slow connection, for longer than the deadline.
  std::thread drip([&] {
    for (std::size_t i = 0; i < 6 && !stop_drip.load(); ++i) {
      for (int fd : slow) send_all(fd, head.substr(i, 1));
      for (int t = 0; t < 10 && !stop_drip.load(); ++t) std::this_thread::sleep_for(100ms);
    }
  });
  // A normal client meanwhile is answered.
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(status_of(get(s.port(), "/api/health")), 200);
  // Each slow one gets a 408 and is closed.
  for (int fd : slow) {
    std::string r = read_until_close(fd, 10s);
    EXPECT_EQ(status_of(r), 408) << r;
  }
  stop_drip.store(true);
  drip.join();
  for (int fd : slow) ::close(fd);
}

TEST(HttpTransport, FiveHundredSimultaneousConnectionsAreAllAnswered) {
  rlimit fds{};
  ::getrlimit(RLIMIT_NOFILE, &fds);
  if (fds.rlim_cur < 1200 && fds.rlim_max >= 1200) {
    fds.rlim_cur = 1200;
    ::setrlimit(RLIMIT_NOFILE, &fds);
  }
  ::getrlimit(RLIMIT_NOFILE, &fds);
  if (fds.rlim_cur < 1100) GTEST_SKIP() << "needs 1100 file descriptors, has " << fds.rlim_cur;

  TestServer s([](const Request&) { return ok(); });
  constexpr int kClients = 500;
  std::vector<int> fds_open;
  for (int i = 0; i < kClients; ++i) fds_open.push_back(connect_to(s.port()));
  for (int fd : fds_open) send_all(fd, "GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  std::vector<std::string> got(kClients);
  std::vector<bool> done(kClients, false);
  int remaining = kClients;
  auto end = Clock::now() + 30s;
  while (remaining > 0 && Clock::now() < end) {
    std::vector<pollfd> polls;
    std::vector<int> which;
    for (int i = 0; i < kClients; ++i) {
      if (!done[static_cast<std::size_t>(i)]) {
        polls.push_back({fds_open[static_cast<std::size_t>(i)], POLLIN, 0});
        which.push_back(i);
      }
    }
    if (::poll(polls.data(), polls.size(), 200) <= 0) continue;
    for (std::size_t k = 0; k < polls.size(); ++k) {
      if (polls[k].revents == 0) continue;
      auto i = static_cast<std::size_t>(which[k]);
      char buf[4096];
      ssize_t n = ::recv(polls[k].fd, buf, sizeof buf, 0);
      if (n > 0) {
        got[i].append(buf, static_cast<std::size_t>(n));
      } else {
        done[i] = true;
        --remaining;
      }
    }
  }
  int answered = 0, served = 0, busy = 0;
  for (const auto& r : got) {
    int st = status_of(r);
    if (st != 0) ++answered;
    if (st == 200) ++served;
    if (st == 503) ++busy;
  }
  for (int fd : fds_open) ::close(fd);
  // Every client hears back: served, or told to retry.
  EXPECT_EQ(answered, kClients);
  EXPECT_EQ(served + busy, kClients);
  EXPECT_GT(served, 0);
}

TEST(HttpTransport, FullPoolAnswers503AtOnce) {
  Gate gate;
  Limits limits;
  limits.workers = 2;
  limits.queue = 2;
  TestServer s(
      [&](const Request&) {
        gate.wait();
        return ok();
      },
      limits);
  auto send_get = [&] {
    int fd = connect_to(s.port());
    send_all(fd, "GET /slow HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    return fd;
  };
  std::vector<int> held;
  for (int i = 0; i < 2; ++i) held.push_back(send_get());
  ASSERT_TRUE(gate.wait_for_waiting(2, 10s));  // both workers busy
  for (int i = 0; i < 2; ++i) held.push_back(send_get());  // queued
  std::this_thread::sleep_for(200ms);
  for (int i = 0; i < 3; ++i) {
    int fd = send_get();
    std::string r = read_until_close(fd, 10s);  // no worker needed for this
    ::close(fd);
    EXPECT_EQ(status_of(r), 503) << r;
    EXPECT_TRUE(has_header(r, "Retry-After: 1")) << r;
    EXPECT_EQ(body_of(r).rfind("{\"error\":\"", 0), 0u) << r;
  }
  gate.release();
  for (int fd : held) {
    EXPECT_EQ(status_of(read_until_close(fd)), 200);
    ::close(fd);
  }
}

// A stream that writes a tick every 20 ms until its writer says the client
// is gone.
struct Ticker {
  std::mutex mu;
  std::condition_variable cv;
  int ended = 0;
  int ticks_after_false = 0;
  std::function<void(const flockcpp::http::ChunkWriter&)> fn() {
    return [this](const flockcpp::http::ChunkWriter& write) {
      while (write("data: tick\n\n")) std::this_thread::sleep_for(20ms);
      std::lock_guard lock(mu);
      ++ended;
      cv.notify_all();
    };
  }
  bool wait_ended(int n, std::chrono::milliseconds max) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, max, [&] { return ended >= n; });
  }
};

TEST(HttpTransport, StreamWritesChunksAndEndsWhenTheClientLeaves) {
  Ticker ticker;
  TestServer s([&](const Request&) {
    Response r;
    r.content_type = "text/event-stream";
    r.headers.emplace_back("Cache-Control", "no-store");
    r.stream = ticker.fn();
    return r;
  });
  int fd = connect_to(s.port());
  send_all(fd, "GET /api/events HTTP/1.1\r\nHost: t\r\n\r\n");
  std::string got;
  auto end = Clock::now() + 10s;
  while (Clock::now() < end && got.find("data: tick\n\n\r\nc\r\ndata: tick") == std::string::npos) {
    if (!read_some(fd, got, 100ms)) break;
  }
  EXPECT_EQ(status_of(got), 200) << got;
  EXPECT_TRUE(has_header(got, "Transfer-Encoding: chunked")) << got;
  EXPECT_TRUE(has_header(got, "Content-Type: text/event-stream")) << got;
  EXPECT_TRUE(has_header(got, "Cache-Control: no-store")) << got;
  EXPECT_NE(got.find("c\r\ndata: tick\n\n\r\n"), std::string::npos) << got;
  ::close(fd);
  EXPECT_TRUE(ticker.wait_ended(1, 10s));
}

TEST(HttpTransport, StreamsPastTheBoundAre503) {
  Ticker ticker;
  Limits limits;
  limits.max_streams = 1;
  TestServer s(
      [&](const Request&) {
        Response r;
        r.content_type = "text/event-stream";
        r.stream = ticker.fn();
        return r;
      },
      limits);
  int first = connect_to(s.port());
  send_all(first, "GET /api/events HTTP/1.1\r\nHost: t\r\n\r\n");
  std::string got;
  while (got.find("tick") == std::string::npos && read_some(first, got, 100ms)) {
  }
  std::string r = get(s.port(), "/api/events");
  EXPECT_EQ(status_of(r), 503) << r;
  EXPECT_TRUE(has_header(r, "Retry-After: 1")) << r;
  EXPECT_EQ(body_of(r), "{\"error\":\"too many open event streams (at most 1 at once); close one or retry later\"}");
  ::close(first);
  EXPECT_TRUE(ticker.wait_ended(1, 10s));
}

TEST(HttpTransport, StopClosesIdleAndStreamingConnectionsPromptly) {
  Ticker ticker;
  Limits limits;
  limits.idle_timeout = 60s;  // stop() must not wait for it
  limits.header_timeout = 60s;
  auto server = std::make_unique<flockcpp::http::Server>();
  int port = server->bind(
      "127.0.0.1", 0,
      [&](const Request& req) {
        if (req.path != "/api/events") return ok();
        Response r;
        r.content_type = "text/event-stream";
        r.stream = ticker.fn();
        return r;
      },
      limits);
  std::thread runner([&] { server->run(); });

  int idle = connect_to(port);  // keep-alive, after one answer
  std::string pending;
  send_all(idle, "GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(status_of(read_response(idle, pending)), 200);
  int half = connect_to(port);  // half a request line
  send_all(half, "GET /x HT");
  int events = connect_to(port);
  send_all(events, "GET /api/events HTTP/1.1\r\nHost: t\r\n\r\n");
  std::string got;
  while (got.find("tick") == std::string::npos && read_some(events, got, 100ms)) {
  }
  ASSERT_NE(got.find("tick"), std::string::npos);

  auto t0 = Clock::now();
  server->stop();
  runner.join();
  auto took = Clock::now() - t0;
  // Generous: waiting for any of the 60 s timeouts would be far past it.
  EXPECT_LT(took, 5s);
  EXPECT_TRUE(ticker.wait_ended(1, 1s));
  EXPECT_TRUE(closed_by_peer(idle, 2s));
  EXPECT_TRUE(closed_by_peer(half, 2s));
  EXPECT_TRUE(closed_by_peer(events, 2s));
  ::close(idle);
  ::close(half);
  ::close(events);
  server.reset();
}

TEST(HttpTransport, StopBeforeRunAndRunAfterStopReturn) {
  flockcpp::http::Server server;
  server.bind("127.0.0.1", 0, [](const Request&) { return ok(); });
  server.stop();
  server.run();  // returns at once
  flockcpp::http::Server never_bound;
  never_bound.stop();
}

TEST(HttpTransport, BindPicksAFreePortAndNamesTheAddressItCannotUse) {
  flockcpp::http::Server first;
  int port = first.bind("127.0.0.1", 0, [](const Request&) { return ok(); });
  EXPECT_GT(port, 0);
  flockcpp::http::Server second;
  try {
    second.bind("127.0.0.1", port, [](const Request&) { return ok(); });
    FAIL() << "bound a port in use";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(port)), std::string::npos) << e.what();
  }
}

TEST(HttpTransport, ExpectContinueGetsTheBodyRead) {
  std::string got;
  std::mutex mu;
  TestServer s([&](const Request& r) {
    std::lock_guard lock(mu);
    got = r.body;
    return ok();
  });
  int fd = connect_to(s.port());
  send_all(fd, "POST /p HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n");
  std::string interim;
  auto end = Clock::now() + 10s;
  while (Clock::now() < end && interim.find("\r\n\r\n") == std::string::npos && read_some(fd, interim, 100ms)) {
  }
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  send_all(fd, "hello");
  EXPECT_EQ(status_of(read_until_close(fd)), 200);
  ::close(fd);
  std::lock_guard lock(mu);
  EXPECT_EQ(got, "hello");
}

// RFC 9112 6.1/6.3: a Transfer-Encoding that is not exactly chunked, or one
// beside a Content-Length, is refused and the connection closed: framing by
// the length would let a proxy that frames otherwise smuggle the next
// request.
TEST(HttpTransport, AmbiguousBodyFramingIs400AndCloses) {
  std::atomic<int> calls{0};
  TestServer s([&](const Request&) {
    ++calls;
    return ok();
  });
  const std::string second = "GET /second HTTP/1.1\r\nHost: t\r\n\r\n";
  const struct {
    const char* head;
    const char* names;
  } cases[] = {
      {"Transfer-Encoding: xchunked\r\nContent-Length: 5\r\n", "both Transfer-Encoding and Content-Length"},
      {"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", ""},  // Beast's own refusal
      {"Transfer-Encoding: xchunked\r\n", "'xchunked' is not supported"},
      {"Transfer-Encoding: gzip, chunked\r\n", "'gzip, chunked' is not supported"},
      {"Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", "Transfer-Encoding"},  // Beast's or ours
  };
  for (const auto& c : cases) {
    int fd = connect_to(s.port());
    send_all(fd, std::string("POST /first HTTP/1.1\r\nHost: t\r\n") + c.head + "\r\nhello" + second);
    std::string r = read_until_close(fd, 10s);
    ::close(fd);
    EXPECT_EQ(status_of(r), 400) << c.head << r;
    EXPECT_TRUE(has_header(r, "Connection: close")) << r;
    EXPECT_NE(body_of(r).find(c.names), std::string::npos) << r;
    EXPECT_EQ(r.find("HTTP/1.1", 1), std::string::npos) << "the next request was answered: " << r;
  }
  // HTTP/1.0 knows no Transfer-Encoding.
  int fd = connect_to(s.port());
  send_all(fd, "POST /old HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  std::string r = read_until_close(fd, 10s);
  ::close(fd);
  EXPECT_EQ(status_of(r), 400) << r;
  EXPECT_EQ(calls.load(), 0);
}

// Bodies being read count against one budget for all connections: past it
// a client is told at once to come back, instead of each of many clients
// costing the whole body limit.
TEST(HttpTransport, BodiesBeingReadShareOneBudget) {
  std::atomic<int> calls{0};
  Limits limits;
  limits.max_body_bytes = 1 << 20;
  limits.max_reading_body_bytes = 2 << 20;
  TestServer s(
      [&](const Request& r) {
        ++calls;
        return ok("{\"bytes\":" + std::to_string(r.body.size()) + "}");
      },
      limits);
  const std::string head = "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 1048576\r\n\r\n";
  // Two bodies of 1 MiB announced take the budget: 100 Continue says the
  // server took their share and waits for them.
  const std::string waiting = "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 1048576\r\nExpect: 100-continue\r\n\r\n";
  auto invited = [](int fd) {
    std::string got;
    auto end = Clock::now() + 10s;
    while (Clock::now() < end && got.find("\r\n\r\n") == std::string::npos && read_some(fd, got, 100ms)) {
    }
    return got == "HTTP/1.1 100 Continue\r\n\r\n";
  };
  int a = connect_to(s.port());
  int b = connect_to(s.port());
  send_all(a, waiting);
  send_all(b, waiting);
  ASSERT_TRUE(invited(a));
  ASSERT_TRUE(invited(b));
  std::string pending_a;
  // A third is refused at once, with its retry advice.
  int c = connect_to(s.port());
  send_all(c, head);
  std::string r = read_until_close(c, 10s);
  ::close(c);
  EXPECT_EQ(status_of(r), 503) << r;
  EXPECT_TRUE(has_header(r, "Retry-After: 1")) << r;
  EXPECT_NE(body_of(r).find("busy reading other request bodies (2 MiB at once"), std::string::npos) << r;
  // So is a chunked body that grows past what is left.
  c = connect_to(s.port());
  std::string piece(4096, 'y');
  send_all(c, "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\n" + piece + "\r\n");
  r = read_until_close(c, 10s);
  ::close(c);
  EXPECT_EQ(status_of(r), 503) << r;
  // A body larger than the whole budget could never be read: 413.
  Limits small = limits;
  small.max_reading_body_bytes = 1024;
  TestServer tight([&](const Request&) { return ok(); }, small);
  c = connect_to(tight.port());
  send_all(c, "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 2048\r\n\r\n");
  r = read_until_close(c, 10s);
  ::close(c);
  EXPECT_EQ(status_of(r), 413) << r;
  // Once a body is read, its share is back.
  send_all(a, std::string(1 << 20, 'x'));
  std::string done = read_response(a, pending_a);
  EXPECT_EQ(status_of(done), 200) << done;
  EXPECT_EQ(body_of(done), "{\"bytes\":1048576}");
  c = connect_to(s.port());
  send_all(c, "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc");
  EXPECT_EQ(status_of(read_until_close(c)), 200);
  ::close(c);
  ::close(a);
  // ... and so is the share of a client that left halfway (once the server
  // has seen it go).
  ::close(b);
  bool back = false;
  for (int tries = 0; tries < 100 && !back; ++tries) {
    int c1 = connect_to(s.port());
    int c2 = connect_to(s.port());
    send_all(c1, waiting);
    send_all(c2, waiting);
    back = invited(c1) && invited(c2);
    ::close(c1);
    ::close(c2);
  }
  EXPECT_TRUE(back) << "the budget leaked";
  EXPECT_EQ(calls.load(), 2);
}

}  // namespace

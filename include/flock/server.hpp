// The HTTP API and web dashboard (docs/http-api.md): over a running Flock
// (flock.serve()) or over a trace file alone (`flock dashboard`).
#pragma once
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace flockcpp {

class Flock;

struct ServeOptions {
  bool dashboard = true;          // serve the web dashboard at / (the API is always served)
  std::string host = "127.0.0.1";  // any other address requires an API token
  int port = 8344;                 // 0: any free port
  std::string api_token{};         // empty: FLOCK_API_TOKEN; when set, /api/* but /api/health need it
  std::string web_root{};          // empty: FLOCK_WEB_ROOT, else the installed dashboard files
  std::string trace_store{};       // empty: the Flock's trace file (FLOCK_TRACE_PATH); else a path or duckdb:PATH
  std::size_t query_row_limit = 10000;          // rows POST /api/traces/query returns at most
  std::chrono::milliseconds query_timeout{5000};  // a query running longer is interrupted
  std::vector<std::string> cors_origins{};        // browser origins allowed to call the API (none); FLOCK_API_CORS_ORIGINS
  bool print_url = true;           // print "flock: dashboard at http://..." on stdout once listening
};

// A running HTTP server. serve() on a Flock is start() + wait().
class DashboardServer {
 public:
  // Over a trace file alone: no agents, no blackboard. trace_store: a path
  // or duckdb:PATH; a clickhouse:// URL throws Error (not available yet).
  explicit DashboardServer(std::string trace_store, ServeOptions options = {});
  // Over a running Flock; its trace store unless options.trace_store is set.
  explicit DashboardServer(Flock& flock, ServeOptions options = {});
  ~DashboardServer();
  DashboardServer(const DashboardServer&) = delete;
  DashboardServer& operator=(const DashboardServer&) = delete;

  // Binds and serves on background threads; returns the port. Throws
  // flockcpp::Error when the address cannot be used or a non-loopback
  // address has no token.
  int start();
  // Blocks until stop() (from any thread or a signal handler's thread).
  void wait();
  // Stops accepting, ends the event streams and joins the server's threads.
  void stop();
  // Makes wait() return without joining anything (safe from a signal
  // watcher: the waiting thread then calls stop()).
  void request_stop();
  int port() const;
  std::string url() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flockcpp

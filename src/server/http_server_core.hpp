// What every connection of one server shares. Connections hold it by
// shared_ptr, so it outlives the last of them.
#pragma once
#include <algorithm>
#include <atomic>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

#include "server/http_body_budget.hpp"
#include "server/http_stream_threads.hpp"
#include "server/http_transport.hpp"
#include "server/http_worker_pool.hpp"

namespace flockcpp::http::detail {

class Connection;

// The open connections, so that stop() can close idle keep-alive ones.
class ConnectionSet {
 public:
  using Handle = std::list<std::weak_ptr<Connection>>::iterator;
  Handle add(const std::shared_ptr<Connection>& c);
  void remove(Handle h);
  void close_all();

 private:
  std::mutex mu_;
  std::list<std::weak_ptr<Connection>> open_;
};

// Handlers mostly wait on the trace store (a query may take its full time
// limit), so there are more of them than cores.
inline int default_workers() {
  return std::max(8, static_cast<int>(std::thread::hardware_concurrency()) * 4);
}

struct ServerCore {
  ServerCore(Handler h, const Limits& l)
      : handler(std::move(h)),
        limits(l),
        pool(l.workers > 0 ? l.workers : default_workers(), l.queue, l.max_queued_body_bytes),
        streams(l.max_streams),
        bodies(l.max_reading_body_bytes) {}

  const Handler handler;
  const Limits limits;
  WorkerPool pool;
  StreamThreads streams;
  BodyBudget bodies;  // request bodies being read, all connections together
  ConnectionSet connections;
  std::atomic<bool> stopping{false};
};

}  // namespace flockcpp::http::detail

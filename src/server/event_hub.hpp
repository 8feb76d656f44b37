// Fan-out of live events to Server-Sent-Events clients. Publishing formats an
// event once and queues it for each subscriber; a subscriber that falls
// behind loses its oldest events and is told how many.
#pragma once
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "server/http_transport.hpp"

namespace flockcpp::detail {

class EventHub {
 public:
  explicit EventHub(std::size_t per_client_backlog = 10000) : backlog_(per_client_backlog) {}

  bool has_subscribers() const;
  // `data` is one line of JSON.
  void publish(std::string_view event, std::string_view data);
  // Streams events to one client until it disconnects or close() is called.
  void stream(const http::ChunkWriter& write, std::string_view hello);
  // Ends every stream (server stopping).
  void close();

 private:
  struct Subscriber {
    std::deque<std::string> frames;
    std::uint64_t dropped = 0;
  };
  const std::size_t backlog_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::list<std::shared_ptr<Subscriber>> subscribers_;
  bool closed_ = false;
};

}  // namespace flockcpp::detail

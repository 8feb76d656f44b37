#include "server/event_hub.hpp"

#include <algorithm>
#include <chrono>

namespace flockcpp::detail {

namespace {
constexpr auto kKeepalive = std::chrono::seconds(15);
constexpr auto kProbe = std::chrono::seconds(1);
}

bool EventHub::has_subscribers() const {
  std::lock_guard lock(mu_);
  return !subscribers_.empty();
}

void EventHub::publish(std::string_view event, std::string_view data) {
  std::string frame;
  frame.reserve(event.size() + data.size() + 16);
  frame.append("event: ").append(event).append("\ndata: ").append(data).append("\n\n");
  {
    std::lock_guard lock(mu_);
    if (subscribers_.empty() || closed_) return;
    for (auto& s : subscribers_) {
      if (s->frames.size() >= backlog_) {
        s->frames.pop_front();
        ++s->dropped;
      }
      s->frames.push_back(frame);
    }
  }
  cv_.notify_all();
}

void EventHub::stream(const http::ChunkWriter& write, std::string_view hello) {
  auto me = std::make_shared<Subscriber>();
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    subscribers_.push_back(me);
  }
  std::string first = "retry: 2000\nevent: hello\ndata: ";
  first.append(hello).append("\n\n");
  bool alive = write(first);
  std::deque<std::string> batch;
  auto last_write = std::chrono::steady_clock::now();
  while (alive) {
    std::uint64_t dropped = 0;
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, kProbe, [&] { return closed_ || !me->frames.empty(); });
      if (closed_) break;
      batch.swap(me->frames);
      std::swap(dropped, me->dropped);
    }
    if (dropped > 0) {
      alive = write("event: dropped\ndata: {\"count\":" + std::to_string(dropped) + "}\n\n");
    }
    if (batch.empty()) {
      // An empty piece writes nothing and says whether the client is still
      // there: a client that left frees its stream within a second, not at
      // the next keepalive.
      auto now = std::chrono::steady_clock::now();
      if (now - last_write >= kKeepalive) {
        alive = alive && write(": keepalive\n\n");
        last_write = now;
      } else {
        alive = alive && write(std::string_view());
      }
      continue;
    }
    last_write = std::chrono::steady_clock::now();
    for (auto& frame : batch) {
      if (!alive) break;
      alive = write(frame);
    }
    batch.clear();
  }
  std::lock_guard lock(mu_);
  subscribers_.remove(me);
}

void EventHub::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

}  // namespace flockcpp::detail

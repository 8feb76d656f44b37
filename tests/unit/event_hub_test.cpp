// The live event fan-out under concurrency (run under ThreadSanitizer):
// publishers on several threads, streaming clients, a slow client losing its
// oldest events, and close() ending every stream.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "server/event_hub.hpp"

using flockcpp::detail::EventHub;

TEST(EventHub, EveryClientGetsEveryEventInOrderPerPublisher) {
  EventHub hub;
  constexpr int kPublishers = 3;
  constexpr int kEach = 500;
  std::mutex mu;
  std::vector<std::string> received[2];
  std::atomic<int> ready{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 2; ++c) {
    clients.emplace_back([&, c] {
      hub.stream(
          [&, c](std::string_view piece) {
            if (piece.find("event: hello") != std::string_view::npos) ready.fetch_add(1);
            std::lock_guard lock(mu);
            received[c].emplace_back(piece);
            return true;
          },
          "{}");
    });
  }
  while (ready.load() < 2) std::this_thread::yield();
  std::vector<std::thread> publishers;
  for (int p = 0; p < kPublishers; ++p) {
    publishers.emplace_back([&, p] {
      for (int i = 0; i < kEach; ++i)
        hub.publish("span", "{\"p\":" + std::to_string(p) + ",\"i\":" + std::to_string(i) + "}");
    });
  }
  for (auto& t : publishers) t.join();
  // Wait until both clients saw the last event of every publisher, then close.
  auto done = [&] {
    std::lock_guard lock(mu);
    for (auto& r : received) {
      int seen = 0;
      for (auto& f : r) seen += f.find("\"i\":" + std::to_string(kEach - 1) + "}") != std::string::npos;
      if (seen < kPublishers) return false;
    }
    return true;
  };
  while (!done()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  hub.close();
  for (auto& t : clients) t.join();
  EXPECT_FALSE(hub.has_subscribers());
  for (auto& r : received) {
    int last[kPublishers] = {-1, -1, -1};
    int count = 0;
    for (auto& f : r) {
      int p = 0, i = 0;
      if (std::sscanf(f.c_str(), "event: span\ndata: {\"p\":%d,\"i\":%d}", &p, &i) != 2) continue;
      EXPECT_EQ(i, last[p] + 1);
      last[p] = i;
      ++count;
    }
    EXPECT_EQ(count, kPublishers * kEach);
  }
}

TEST(EventHub, SlowClientLosesOldestAndIsTold) {
  EventHub hub(10);
  std::atomic<bool> hello{false};
  std::atomic<bool> release{false};
  std::string seen;
  std::thread client([&] {
    hub.stream(
        [&](std::string_view piece) {
          if (!hello.exchange(true)) {
            while (!release.load()) std::this_thread::yield();  // stalled until 100 events queued
          }
          seen.append(piece);
          return seen.find("\"n\":99") == std::string::npos;
        },
        "{}");
  });
  while (!hello.load() || !hub.has_subscribers()) std::this_thread::yield();
  for (int n = 0; n < 100; ++n) hub.publish("artifact", "{\"n\":" + std::to_string(n) + "}");
  release.store(true);
  client.join();
  EXPECT_NE(seen.find("event: dropped\ndata: {\"count\":90}"), std::string::npos) << seen;
  EXPECT_EQ(seen.find("\"n\":89}"), std::string::npos);
  EXPECT_NE(seen.find("\"n\":90}"), std::string::npos);
}

TEST(EventHub, CloseEndsStreamsAndRefusesNewOnes) {
  EventHub hub;
  std::atomic<int> writes{0};
  std::thread client([&] { hub.stream([&](std::string_view) { return ++writes > 0; }, "{}"); });
  while (!hub.has_subscribers()) std::this_thread::yield();
  hub.close();
  client.join();
  int before = writes.load();
  hub.stream([&](std::string_view) { return ++writes > 0; }, "{}");  // returns at once
  EXPECT_EQ(writes.load(), before);
}

// A client that leaves while nothing is published frees its stream within
// about a second (the transport answers an empty piece with "still there?"),
// not at the next 15 s keepalive.
TEST(EventHub, AClientThatLeavesIsNoticedWithoutAnEvent) {
  EventHub hub;
  std::atomic<bool> gone{false};
  std::atomic<bool> returned{false};
  std::atomic<int> hellos{0};
  std::thread client([&] {
    hub.stream(
        [&](std::string_view piece) {
          if (piece.find("event: hello") != std::string_view::npos) hellos.fetch_add(1);
          return !gone.load();
        },
        "{}");
    returned.store(true);
  });
  while (hellos.load() == 0) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the stream now waits for events
  EXPECT_FALSE(returned.load());
  gone.store(true);
  for (int i = 0; i < 100 && !returned.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(returned.load()) << "the stream waited for an event or a keepalive to notice";
  EXPECT_FALSE(hub.has_subscribers());
  hub.close();
  client.join();
}

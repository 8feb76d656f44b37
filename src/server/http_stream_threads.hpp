// Streamed responses (Server-Sent Events) can last for hours: each runs on a
// thread of its own, so it never holds a handler worker, and their number is
// bounded.
#pragma once
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace flockcpp::http::detail {

class StreamThreads {
 public:
  explicit StreamThreads(int max_streams) : max_(max_streams) {}
  ~StreamThreads();
  StreamThreads(const StreamThreads&) = delete;
  StreamThreads& operator=(const StreamThreads&) = delete;

  // false when max_streams are running, or after join_all().
  bool try_start(std::function<void()> fn);
  // Refuses new streams and waits for the running ones to return.
  void join_all();
  bool owns_current_thread();

 private:
  void reap();  // joins the threads that have finished; mu_ held

  const int max_;
  std::mutex mu_;
  std::map<std::thread::id, std::thread> threads_;
  std::vector<std::thread::id> finished_;
  bool stopped_ = false;
};

}  // namespace flockcpp::http::detail

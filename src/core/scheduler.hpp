// A fixed pool of agent threads fed from one FIFO queue. Agents are coarse
// work (milliseconds to seconds), so a single queue is not the bottleneck;
// the span hot path never touches it.
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace flockcpp::detail {

class Scheduler {
 public:
  explicit Scheduler(int workers);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  void post(std::function<void()> task);
  // Runs what is queued, then joins the threads.
  void stop();
  // True on one of this process's agent threads (any Scheduler).
  static bool on_worker_thread();

 private:
  void work();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace flockcpp::detail

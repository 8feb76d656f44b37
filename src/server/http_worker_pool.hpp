// A fixed set of threads running handlers, fed by a bounded queue: a full
// queue refuses at once instead of blocking the I/O thread that offers work.
#pragma once
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace flock_http::detail {

class WorkerPool {
 public:
  WorkerPool(int threads, std::size_t max_queued);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // false when max_queued jobs already wait, or after stop_and_join().
  bool try_post(std::function<void()> job);
  // Jobs running finish; jobs still queued are dropped. Not from a worker.
  void stop_and_join();
  bool owns_current_thread() const;

 private:
  void work();

  const std::size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;  // fixed after construction
};

}  // namespace flock_http::detail

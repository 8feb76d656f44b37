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

namespace flockcpp::http::detail {

class WorkerPool {
 public:
  // max_queued jobs, holding at most max_queued_bytes of request bodies.
  WorkerPool(int threads, std::size_t max_queued, std::size_t max_queued_bytes);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // false when the queue is full (in jobs or in bytes), or after
  // stop_and_join(). `bytes` is what the job holds until it runs.
  bool try_post(std::function<void()> job, std::size_t bytes = 0);
  // Jobs running finish; jobs still queued are dropped. Not from a worker.
  void stop_and_join();
  bool owns_current_thread() const;

 private:
  void work();

  struct Job {
    std::function<void()> run;
    std::size_t bytes;
  };
  const std::size_t max_queued_;
  const std::size_t max_queued_bytes_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  std::size_t queued_bytes_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;  // fixed after construction
};

}  // namespace flockcpp::http::detail

#include "server/http_worker_pool.hpp"

#include <algorithm>

namespace flockcpp::http::detail {

WorkerPool::WorkerPool(int threads, std::size_t max_queued, std::size_t max_queued_bytes)
    : max_queued_(max_queued), max_queued_bytes_(max_queued_bytes) {
  threads_.reserve(static_cast<std::size_t>(std::max(1, threads)));
  for (int i = 0; i < std::max(1, threads); ++i) threads_.emplace_back([this] { work(); });
}

WorkerPool::~WorkerPool() { stop_and_join(); }

bool WorkerPool::try_post(std::function<void()> job, std::size_t bytes) {
  {
    std::lock_guard lock(mu_);
    // One job always fits in an empty queue, whatever its size.
    bool over_bytes = !queue_.empty() && queued_bytes_ + bytes > max_queued_bytes_;
    if (stopping_ || queue_.size() >= max_queued_ || over_bytes) return false;
    queue_.push_back(Job{std::move(job), bytes});
    queued_bytes_ += bytes;
  }
  cv_.notify_one();
  return true;
}

void WorkerPool::stop_and_join() {
  std::deque<Job> dropped;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    dropped.swap(queue_);
    queued_bytes_ = 0;
  }
  cv_.notify_all();
  // Destroyed outside the lock: a job may own the last reference to a
  // connection.
  dropped.clear();
  for (auto& t : threads_) {
    if (t.joinable() && t.get_id() != std::this_thread::get_id()) t.join();
  }
}

bool WorkerPool::owns_current_thread() const {
  auto me = std::this_thread::get_id();
  return std::any_of(threads_.begin(), threads_.end(), [me](const std::thread& t) { return t.get_id() == me; });
}

void WorkerPool::work() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front().run);
      queued_bytes_ -= queue_.front().bytes;
      queue_.pop_front();
    }
    job();  // jobs catch their own exceptions
  }
}

}  // namespace flockcpp::http::detail

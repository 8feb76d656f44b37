#include "core/scheduler.hpp"

namespace flockcpp::detail {
namespace {
thread_local bool t_worker = false;
}

Scheduler::Scheduler(int workers) {
  if (workers <= 0) workers = std::max(2u, std::thread::hardware_concurrency());
  for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
}

Scheduler::~Scheduler() { stop(); }

void Scheduler::post(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
}

void Scheduler::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

bool Scheduler::on_worker_thread() { return t_worker; }

void Scheduler::work() {
  t_worker = true;
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping and drained
    auto task = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    task();
    lock.lock();
  }
}

}  // namespace flockcpp::detail

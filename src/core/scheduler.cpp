#include "core/scheduler.hpp"

#include <algorithm>

namespace flockcpp::detail {
namespace {
// The scheduler whose task this thread is running, and the one task it
// handed on to run next on this thread.
thread_local Scheduler* t_running_for = nullptr;
thread_local bool t_worker = false;
thread_local std::optional<std::function<void()>>* t_next = nullptr;
}  // namespace

Scheduler::Scheduler(int workers) {
  if (workers <= 0) workers = std::max(2u, std::thread::hardware_concurrency());
  for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
}

Scheduler::~Scheduler() { stop(); }

void Scheduler::post(std::function<void()> task) {
  // Posted from inside one of this scheduler's tasks: the first follow-up
  // runs on this thread when the task returns; more go to the queue, so a
  // fan-out still spreads over the workers.
  if (t_running_for == this && t_next != nullptr && !t_next->has_value()) {
    t_next->emplace(std::move(task));
    return;
  }
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
}

void Scheduler::run_chain(std::function<void()> task) {
  std::optional<std::function<void()>> next;
  Scheduler* outer_for = t_running_for;
  auto* outer_next = t_next;
  bool outer_worker = t_worker;
  t_running_for = this;
  t_next = &next;
  t_worker = true;
  for (;;) {
    task();
    if (!next) break;
    task = std::move(*next);
    next.reset();
  }
  t_running_for = outer_for;
  t_next = outer_next;
  t_worker = outer_worker;
}

bool Scheduler::run_one() {
  std::function<void()> task;
  {
    std::lock_guard lock(mu_);
    if (queue_.empty()) return false;
    task = std::move(queue_.front());
    queue_.pop_front();
  }
  run_chain(std::move(task));
  return true;
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
    run_chain(std::move(task));
    lock.lock();
  }
}

}  // namespace flockcpp::detail

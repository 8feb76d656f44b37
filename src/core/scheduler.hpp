// A fixed pool of agent threads fed from one FIFO queue. Agents are coarse
// work (milliseconds to seconds), so a single queue is not the bottleneck;
// the span hot path never touches it.
//
// Hand-offs cost context switches, so two shortcuts keep a chain of agents
// on one thread: a task posted by a worker while it runs a task goes to that
// worker's own next slot (run as soon as its task returns, no thread woken),
// and a thread waiting for the Flock to be idle runs queued tasks itself
// instead of sleeping while a worker is woken for them.
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
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
  // Runs one queued task (and what it hands on) on the calling thread;
  // false when the queue was empty.
  bool run_one();
  // Runs what is queued, then joins the threads.
  void stop();
  // True on one of this process's agent threads (any Scheduler), or while a
  // thread runs a task in run_one().
  static bool on_worker_thread();

 private:
  void work();
  // Runs task, then whatever it handed on to this thread's next slot.
  void run_chain(std::function<void()> task);
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace flockcpp::detail

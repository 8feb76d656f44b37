#include "server/http_stream_threads.hpp"

namespace flockcpp::http::detail {

StreamThreads::~StreamThreads() { join_all(); }

bool StreamThreads::try_start(std::function<void()> fn) {
  std::lock_guard lock(mu_);
  reap();
  if (stopped_ || static_cast<int>(threads_.size()) >= max_) return false;
  // Inserted under mu_, so the thread's own "finished" entry comes after it.
  std::thread t([this, body = std::move(fn)]() mutable {
    try {
      body();
    } catch (...) {
      // Nothing to tell the client any more: the body had begun.
    }
    body = nullptr;  // its references go before join_all can return
    std::lock_guard done(mu_);
    finished_.push_back(std::this_thread::get_id());
  });
  auto id = t.get_id();
  threads_.emplace(id, std::move(t));
  return true;
}

void StreamThreads::reap() {
  for (auto id : finished_) {
    auto it = threads_.find(id);
    if (it == threads_.end()) continue;
    it->second.join();  // it has released mu_ already: only its exit is left
    threads_.erase(it);
  }
  finished_.clear();
}

void StreamThreads::join_all() {
  std::map<std::thread::id, std::thread> running;
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    running.swap(threads_);
    finished_.clear();
  }
  for (auto& [id, t] : running) {
    if (id == std::this_thread::get_id()) {
      t.detach();  // a stream stopping its own server: it ends by itself
    } else {
      t.join();
    }
  }
}

bool StreamThreads::owns_current_thread() {
  std::lock_guard lock(mu_);
  return threads_.count(std::this_thread::get_id()) != 0;
}

}  // namespace flockcpp::http::detail

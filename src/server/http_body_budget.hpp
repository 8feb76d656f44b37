// The bytes of request bodies being read, across every connection together.
// A body's share is taken before it is read (its Content-Length, which the
// body's string reserves at once) or as it grows (chunked); it is given back
// once the request goes to a worker or the connection ends. So 30 clients
// sending 15 MiB bodies at once cost the budget, not 30 x 15 MiB.
#pragma once
#include <atomic>
#include <cstddef>

namespace flockcpp::http::detail {

class BodyBudget {
 public:
  explicit BodyBudget(std::size_t max_bytes) : max_(max_bytes) {}
  BodyBudget(const BodyBudget&) = delete;
  BodyBudget& operator=(const BodyBudget&) = delete;

  // false (and nothing taken) when `bytes` more would pass the budget.
  bool try_take(std::size_t bytes);
  void give_back(std::size_t bytes);
  std::size_t max_bytes() const { return max_; }

 private:
  const std::size_t max_;
  std::atomic<std::size_t> used_{0};
};

}  // namespace flockcpp::http::detail

#include "server/http_body_budget.hpp"

namespace flockcpp::http::detail {

bool BodyBudget::try_take(std::size_t bytes) {
  std::size_t used = used_.load(std::memory_order_relaxed);
  do {
    if (bytes > max_ || used > max_ - bytes) return false;
  } while (!used_.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed));
  return true;
}

void BodyBudget::give_back(std::size_t bytes) { used_.fetch_sub(bytes, std::memory_order_relaxed); }

}  // namespace flockcpp::http::detail

// docs/examples/propagation.cpp
#include <flock/flock.hpp>

#include <iostream>

struct Order {
  std::string item;
};
struct Receipt {
  std::string item;
};
FLOCK_TYPE(Order, item)
FLOCK_TYPE(Receipt, item)

int main() {
  flockcpp::Flock flock;
  flock.agent("cashier").consumes<Order>().publishes<Receipt>().with_engine(
      flockcpp::function_engine([](const Order& o) { return Receipt{o.item}; }));

  // Service A: carry the current context out with an HTTP request.
  flockcpp::HttpHeaders outgoing;
  std::string trace_a;
  {
    auto run = flock.traced_run("checkout");
    flockcpp::inject_trace_context(outgoing);  // traceparent (+ tracestate)
    trace_a = run.trace_id();
  }
  std::cout << "traceparent: " << outgoing["traceparent"] << "\n";

  // Service B: continue the caller's trace from the request's headers.
  const flockcpp::HttpHeaders& incoming = outgoing;
  if (auto parent = flockcpp::extract_trace_context(incoming)) {
    auto run = flock.traced_run("handle_order", *parent);  // same trace id, child of A's span
    flock.publish(Order{"espresso"});
    flock.run_until_idle();
    std::cout << "same trace: " << std::boolalpha << (run.trace_id() == trace_a) << "\n";
  }
}

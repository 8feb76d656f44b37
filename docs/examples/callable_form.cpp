// docs/examples/callable_form.cpp
#include <flock/flock.hpp>

#include <iostream>
#include <stdexcept>

struct Order {
  std::string pizza;
};
struct Pizza {
  std::string name;
};
FLOCK_TYPE(Order, pizza)
FLOCK_TYPE(Pizza, name)

int main() {
  flockcpp::Flock flock;
  flock.agent("kitchen").consumes<Order>().publishes<Pizza>().with_engine(
      flockcpp::function_engine([](const Order& o) { return Pizza{o.pizza}; }));

  // fn takes the TracedRun& (to set attributes) or nothing; its result is returned.
  std::size_t baked = flock.traced_run("order_processing", [&](flockcpp::TracedRun& run) {
    run.set_attribute("order.count", 1);
    flock.publish(Order{"margherita"});
    flock.run_until_idle();
    return flock.store().get_by_type<Pizza>().size();
  });
  std::cout << baked << " pizza baked\n";

  try {
    flock.traced_run("risky_operation", [&] {
      flock.publish(Order{"quattro formaggi"});
      flock.run_until_idle();
      throw std::runtime_error("the delivery van is out of fuel");
    });
  } catch (const std::exception& e) {
    // The exception is recorded on the workflow span (status ERROR and an
    // `exception` event with exception.type and exception.message), then rethrown.
    std::cout << "Workflow failed: " << e.what() << "\n";
  }
}

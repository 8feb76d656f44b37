// the quick start of docs/tracing-guide.md as a program: one agent, one traced workflow.
// FLOCK_TRACE_FILE=true ./flock_quickstart  writes .flock/traces.duckdb
#include <flock/flock.hpp>

#include <iostream>

struct PizzaIdea {
  std::string description;
};
struct Pizza {
  std::string name;
  std::vector<std::string> toppings;
  int size_cm = 30;
};
FLOCK_TYPE(PizzaIdea, description)
FLOCK_TYPE(Pizza, name, toppings, size_cm)

int main() {
  flockcpp::Flock flock("openai/gpt-4o");
  flock.agent("pizza_master")
      .description("Turns an idea into a pizza")
      .consumes<PizzaIdea>()
      .publishes<Pizza>()
      .with_engine(flockcpp::function_engine([](const PizzaIdea&) {
        return Pizza{"Truffle", {"truffle", "mozzarella"}, 30};
      }));

  {
    auto span = flock.traced_run("pizza_workflow");
    span.set_attribute("pipeline.version", "2.0");
    span.set_attribute("dataset.size", 10000);
    flock.publish(PizzaIdea{"something with truffles"});
    flock.run_until_idle();
    std::cout << "trace_id " << span.trace_id() << "\n";
  }

  std::vector<Pizza> pizzas = flock.store().get_by_type<Pizza>();
  for (const auto& p : pizzas) std::cout << p.name << " pizza, " << p.size_cm << " cm\n";
}

#include <flock/flock.hpp>
#include <iostream>
struct PizzaIdea { std::string description; };
struct Pizza { std::string name; std::vector<std::string> toppings; int size_cm = 30; };
FLOCK_TYPE(PizzaIdea, description)
FLOCK_TYPE(Pizza, name, toppings, size_cm)
int main() {
  flock::Flock flock("openai/gpt-4o");
  flock.agent("pizza_master").description("x").consumes<PizzaIdea>().publishes<Pizza>()
      .with_engine(flock::function_engine([](const PizzaIdea&) { return Pizza{"Truffle", {"truffle"}, 30}; }));
  {
    auto span = flock.traced_run("pizza_workflow");
    span.set_attribute("pipeline.version", "2.0");
    span.set_attribute("dataset.size", 10000);
    flock.publish(PizzaIdea{"truffles"});
    flock.run_until_idle();
  }
  std::cout << flock.store().get_by_type<Pizza>().size() << "\n";
}

// docs/examples/quickstart.cpp
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
FLOCK_TYPE(PizzaIdea, description)  // a registered name, a JSON mapping, a JSON Schema
FLOCK_TYPE(Pizza, name, toppings, size_cm)

int main() {
  flockcpp::Flock flock("openai/gpt-4o");  // only an LLM engine uses the model
  flock.agent("pizza_master")
      .description("Turns an idea into a pizza")
      .consumes<PizzaIdea>()
      .publishes<Pizza>()
      .with_engine(flockcpp::function_engine([](const PizzaIdea&) {
        return Pizza{"Truffle", {"truffle", "mozzarella"}, 30};
      }));

  std::string trace_id;
  {
    auto span = flock.traced_run("pizza_workflow");  // RAII: ends at scope exit
    span.set_attribute("pipeline.version", "2.0");
    flock.publish(PizzaIdea{"something with truffles"});
    flock.run_until_idle();
    trace_id = span.trace_id();
  }
  for (const Pizza& p : flock.store().get_by_type<Pizza>()) {
    std::cout << p.name << " pizza, " << p.size_cm << " cm\n";
  }

  // Spans are written in the background; wait for them, then read the file.
  flockcpp::tracing::force_flush();
  flockcpp::TraceStoreReader reader(flockcpp::tracing::current_config().trace_file_path);
  if (!reader.exists()) {
    std::cout << "run with FLOCK_TRACE_FILE=true to store the trace\n";
    return 0;
  }
  std::cout << "trace " << trace_id << ":\n" << flockcpp::render_trace_tree(reader.trace(trace_id));
}

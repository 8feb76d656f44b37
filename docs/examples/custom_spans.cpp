// docs/examples/custom_spans.cpp
#include <flock/flock.hpp>

#include <chrono>
#include <iostream>
#include <stdexcept>
#include <thread>

struct Dough {
  int grams = 0;
};
struct Pizza {
  std::string name;
};
FLOCK_TYPE(Dough, grams)
FLOCK_TYPE(Pizza, name)

// A component: every hook it overrides gets a span of its own,
// QualityCheck.on_post_evaluate here.
class QualityCheck : public flockcpp::Component {
 public:
  void on_post_evaluate(flockcpp::AgentContext& ctx, flockcpp::EvalResult& result) override {
    if (result.outputs.empty()) throw std::runtime_error(ctx.agent_name() + " produced nothing");
  }
};

int main() {
  flockcpp::Flock flock;
  flock.agent("baker")
      .consumes<Dough>()
      .publishes<Pizza>()
      .with_component(std::make_shared<QualityCheck>())
      .with_engine(flockcpp::function_engine([](const Dough& d) {
        // A span of your own: a child of the current span (FunctionEngine.evaluate).
        auto bake = flockcpp::start_span("Oven.bake");
        bake.set_attribute("oven.temperature_c", 280);
        bake.set_attribute("dough.grams", d.grams);
        {
          // Made current, it is the parent of the spans started inside the scope.
          flockcpp::ContextScope scope(bake.context());
          auto turn = flockcpp::start_span("Oven.turn");
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        return Pizza{"Margherita"};
      }));

  auto span = flock.traced_run("bake_one");
  flock.publish(Dough{250});
  flock.run_until_idle();
  std::cout << "baked in trace " << span.trace_id() << "\n";
}

// docs/examples/backward_compatibility.cpp
#include <flock/flock.hpp>

#include <iostream>

struct Data {
  std::string text;
};
struct Result {
  std::size_t length = 0;
};
FLOCK_TYPE(Data, text)
FLOCK_TYPE(Result, length)

int main() {
  flockcpp::Flock flock;
  flock.agent("measure").consumes<Data>().publishes<Result>().with_engine(
      flockcpp::function_engine([](const Data& d) { return Result{d.text.size()}; }));

  // Without traced_run: two separate root traces, as before.
  flock.publish(Data{"first"});  // trace 1: Flock.publish and the Agent.execute it triggers
  flock.run_until_idle();        // trace 2: Flock.run_until_idle and Flock.shutdown

  // With traced_run: one trace holding both.
  {
    auto span = flock.traced_run("workflow");
    flock.publish(Data{"second"});
    flock.run_until_idle();
  }
  std::cout << flock.store().get_by_type<Result>().size() << " results\n";
}

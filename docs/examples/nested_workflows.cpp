// docs/examples/nested_workflows.cpp
#include <flock/flock.hpp>

#include <iostream>

struct Data {
  std::string text;
};
struct Summary {
  std::string text;
};
FLOCK_TYPE(Data, text)
FLOCK_TYPE(Summary, text)

int main() {
  flockcpp::Flock flock;
  flock.agent("summarizer").consumes<Data>().publishes<Summary>().with_engine(
      flockcpp::function_engine([](const Data& d) { return Summary{d.text.substr(0, 10)}; }));

  auto outer = flock.traced_run("outer_workflow");
  flock.publish(Data{"the whole document"});
  {
    // A nested workflow is a child span of the enclosing one, in the same trace.
    auto inner = flock.traced_run("inner_task");
    flock.publish(Data{"one chapter"});
    flock.run_until_idle();
    std::cout << "same trace: " << std::boolalpha << (inner.trace_id() == outer.trace_id()) << "\n";
  }
  flock.run_until_idle();
}

// docs/examples/basic.cpp
#include <flock/flock.hpp>

#include <iostream>

struct Input {
  std::string data;
};
struct Output {
  std::string result;
};
FLOCK_TYPE(Input, data)
FLOCK_TYPE(Output, result)

int main() {
  flockcpp::Flock flock;
  flock.agent("processor")
      .consumes<Input>()
      .publishes<Output>()
      .with_engine(flockcpp::function_engine([](const Input& in) { return Output{"processed: " + in.data}; }));

  {
    // Wrap the entire workflow in one trace.
    auto span = flock.traced_run("data_processing");
    flock.publish(Input{"process this"});
    flock.run_until_idle();
  }  // the workflow span ends here

  std::cout << "Processing complete: " << flock.store().get_by_type<Output>().at(0).result << "\n";
}

// docs/examples/auto_workflow.cpp
#include <flock/flock.hpp>

#include <iostream>

struct Data {
  std::string text;
};
struct Done {
  bool ok = true;
};
FLOCK_TYPE(Data, text)
FLOCK_TYPE(Done, ok)

int main() {
  // The same as FLOCK_AUTO_WORKFLOW_TRACE=true, set from code before the first span.
  flockcpp::TraceConfig config = flockcpp::TraceConfig::from_env();
  config.auto_workflow_trace = true;
  flockcpp::tracing::configure(config);

  flockcpp::Flock flock;
  flock.agent("worker").consumes<Data>().publishes<Done>().with_engine(
      flockcpp::function_engine([](const Data&) { return Done{}; }));

  // No traced_run: the first top-level publish opens a workflow span named
  // "workflow" (flock.auto_workflow = true); the next run_until_idle closes it.
  flock.publish(Data{"a"});
  flock.publish(Data{"b"});
  flockcpp::RunReport report = flock.run_until_idle();
  std::cout << report.executions << " executions in one trace\n";
}

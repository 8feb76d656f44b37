// docs/examples/troubleshooting.cpp
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
  flockcpp::TraceConfig config = flockcpp::TraceConfig::from_env();
  config.trace_file = true;
  flockcpp::tracing::configure(config);

  flockcpp::Flock flock;
  flock.agent("worker").consumes<Data>().publishes<Done>().with_engine(
      flockcpp::function_engine([](const Data&) { return Done{}; }));
  std::string trace_id;
  {
    auto outer = flock.traced_run("outer_workflow");
    {
      auto inner = flock.traced_run("inner_task");
      flock.publish(Data{"x"});
      flock.run_until_idle();
    }
    trace_id = outer.trace_id();
  }
  flockcpp::tracing::force_flush();

  // Is the nested workflow there? Every span of the trace with its parent.
  flockcpp::TraceStoreReader reader(config.trace_file_path);
  std::cout << flockcpp::render_table(reader.query(
      "SELECT name, parent_id FROM spans WHERE trace_id = '" + trace_id + "' ORDER BY start_time"));
}

// Runs the SQL of the documentation (docs/examples/*.sql) against a store
// this program writes: every query must run and return rows, except those
// named *.rejected.sql, which DuckDB must refuse (the guide shows why).
// 'your_trace_id' in a query is replaced by the id of a real workflow trace.
#include <flock/flock.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

struct DocsInput {
  std::string text;
};
struct DocsOutput {
  std::string text;
};
FLOCK_TYPE(DocsInput, text)
FLOCK_TYPE(DocsOutput, text)

int main(int argc, char** argv) {
  flockcpp::TraceConfig config = flockcpp::TraceConfig::from_env();
  config.trace_file = true;
  flockcpp::tracing::configure(config);

  flockcpp::Flock flock;
  flock.agent("echo").consumes<DocsInput>().publishes<DocsOutput>().with_engine(
      flockcpp::function_engine([](const DocsInput& in) { return DocsOutput{in.text}; }));
  std::string trace_id;
  for (const char* name : {"pizza_workflow", "data_processing", "pizza_workflow"}) {
    auto run = flock.traced_run(name);
    flock.publish(DocsInput{name});
    flock.run_until_idle();
    trace_id = run.trace_id();
  }
  if (!flockcpp::tracing::force_flush()) {
    std::cerr << "the spans were not flushed\n";
    return 1;
  }

  flockcpp::TraceStoreReader reader(config.trace_file_path);
  int failures = 0;
  for (int i = 1; i < argc; ++i) {
    std::string path = argv[i];
    std::ifstream in(path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string sql = buffer.str();
    for (auto at = sql.find("your_trace_id"); at != std::string::npos; at = sql.find("your_trace_id")) {
      sql.replace(at, 13, trace_id);
    }
    bool rejected_expected = path.size() > 13 && path.compare(path.size() - 13, 13, ".rejected.sql") == 0;
    std::cout << "== " << path << "\n";
    try {
      flockcpp::QueryResult result = reader.query(sql);
      std::cout << flockcpp::render_table(result);
      if (rejected_expected) {
        std::cout << "FAIL: DuckDB accepted a query the guide says it rejects\n";
        ++failures;
      } else if (result.rows.empty()) {
        std::cout << "FAIL: no rows\n";
        ++failures;
      }
    } catch (const std::exception& e) {
      std::string message = e.what();
      std::cout << message.substr(0, message.find('\n')) << "\n";
      if (!rejected_expected) {
        std::cout << "FAIL: the query does not run\n";
        ++failures;
      }
    }
  }
  return failures == 0 ? 0 : 1;
}

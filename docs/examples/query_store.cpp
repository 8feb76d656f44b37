// docs/examples/query_store.cpp
#include <flock/flock.hpp>

#include <iostream>

struct Question {
  std::string text;
};
struct Answer {
  std::string text;
};
FLOCK_TYPE(Question, text)
FLOCK_TYPE(Answer, text)

int main() {
  flockcpp::TraceConfig config = flockcpp::TraceConfig::from_env();
  config.trace_file = true;
  flockcpp::tracing::configure(config);

  flockcpp::Flock flock;
  flock.agent("oracle").consumes<Question>().publishes<Answer>().with_engine(
      flockcpp::function_engine([](const Question&) { return Answer{"42"}; }));
  std::string trace_id;
  {
    auto span = flock.traced_run("ask_the_oracle");
    flock.publish(Question{"the answer?"});
    flock.run_until_idle();
    trace_id = span.trace_id();
  }
  flockcpp::tracing::force_flush();  // wait until the spans are in the file

  flockcpp::TraceStoreReader reader(config.trace_file_path);

  // One trace, as the indented tree of the guide.
  std::cout << flockcpp::render_trace_tree(reader.trace(trace_id)) << "\n";

  // Any SQL of your own (the workflows view here), as text cells.
  flockcpp::QueryResult rows = reader.query(
      "SELECT workflow_name, span_count, status FROM workflows ORDER BY start_time DESC LIMIT 5");
  std::cout << flockcpp::render_table(rows) << "\n";

  // The HTTP API's answers, as JSON.
  flockcpp::TraceFilter filter;  // unset fields do not filter
  filter.workflow = "ask_the_oracle";
  filter.limit = 10;
  flockcpp::Json page = reader.list_traces(filter);
  std::cout << page["total"] << " run(s) of ask_the_oracle; newest has "
            << page["items"][0]["span_count"] << " spans\n";
  std::cout << "store: " << reader.stats()["total_spans"] << " spans\n";

  // A sealed, read-only SELECT with bounded rows and time (what POST /api/traces/query runs).
  flockcpp::Json result = reader.run_sql("SELECT name, duration_ms FROM spans WHERE trace_id = '" + trace_id +
                                         "' ORDER BY start_time LIMIT 3");
  std::cout << result["row_count"] << " rows, truncated: " << result["truncated"] << "\n";
}

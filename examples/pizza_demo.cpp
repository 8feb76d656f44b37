// The demo workflow: a pizzeria of five agents under one traced_run.
//
//   PizzaIdea --chef--> Recipe --oven--------> Pizza --critic--> Review
//                              \--nutritionist--> NutritionFacts
//                               \--sommelier--> WinePairing   (fails: cellar locked)
//
// It writes .flock/traces.duckdb, then reads the file back and prints the
// workflow's trace as a tree and the guide's DuckDB queries.
#include <flock/flock.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

struct PizzaIdea {
  std::string description;
};
struct Recipe {
  std::string name;
  std::vector<std::string> toppings;
  int bake_minutes = 12;
};
struct Pizza {
  std::string name;
  std::vector<std::string> toppings;
  int size_cm = 30;
};
struct NutritionFacts {
  std::string pizza;
  int kcal = 0;
};
struct WinePairing {
  std::string wine;
};
struct Review {
  std::string pizza;
  int stars = 0;
  std::string comment;
};
FLOCK_TYPE(PizzaIdea, description)
FLOCK_TYPE(Recipe, name, toppings, bake_minutes)
FLOCK_TYPE(Pizza, name, toppings, size_cm)
FLOCK_TYPE(NutritionFacts, pizza, kcal)
FLOCK_TYPE(WinePairing, wine)
FLOCK_TYPE(Review, pizza, stars, comment)

namespace {

void work(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

// A utility component of our own: one span per hook it implements.
class KitchenTimer : public flockcpp::Component {
 public:
  void on_pre_evaluate(flockcpp::AgentContext&, flockcpp::EvalInputs&) override { work(1); }
};

void print_query(const flockcpp::TraceStoreReader& reader, const std::string& title, const std::string& sql) {
  std::cout << "\n-- " << title << "\n";
  try {
    std::cout << flockcpp::render_table(reader.query(sql));
  } catch (const std::exception& e) {
    std::string msg = e.what();
    std::cout << "DuckDB refuses it: " << msg.substr(0, msg.find('\n')) << "\n";
  }
}

}  // namespace

int main() {
  // Spans go to .flock/traces.duckdb whatever the environment says.
  flockcpp::TraceConfig config = flockcpp::TraceConfig::from_env();
  config.trace_file = true;
  flockcpp::tracing::configure(config);

  flockcpp::Flock flock("openai/gpt-4o");
  // With a key or an OpenAI-compatible server, the agents ask the model;
  // otherwise C++ functions stand in for it. The sommelier fails either way.
  const char* key = std::getenv("OPENAI_API_KEY");
  const char* base = std::getenv("OPENAI_BASE_URL");
  const bool use_llm = (key != nullptr && *key != '\0') || (base != nullptr && *base != '\0');
  if (use_llm) {
    std::cout << "engines: LLM engine, model " << flock.model() << " at "
              << (base != nullptr && *base != '\0' ? base : "https://api.openai.com/v1") << "\n";
  } else {
    std::cout << "engines: C++ function engines (no model is called; set OPENAI_API_KEY or OPENAI_BASE_URL for the "
                 "LLM engine)\n";
  }
  auto engine = [use_llm](auto fn) -> flockcpp::EnginePtr {
    if (use_llm) return flockcpp::llm_engine();
    return flockcpp::function_engine(std::move(fn));
  };
  flock.agent("chef")
      .description("Turns an idea into a recipe")
      .consumes<PizzaIdea>()
      .publishes<Recipe>()
      .with_component(std::make_shared<KitchenTimer>())
      .with_engine(engine([](const PizzaIdea& idea) {
        work(30);
        return Recipe{"Truffle Dream (" + idea.description + ")", {"truffle", "mozzarella", "thyme"}, 9};
      }));
  flock.agent("oven")
      .description("Bakes the recipe")
      .consumes<Recipe>()
      .publishes<Pizza>()
      .with_engine(engine([](const Recipe& r) {
        work(r.bake_minutes * 5);
        return Pizza{r.name, r.toppings, 32};
      }));
  flock.agent("nutritionist")
      .description("Counts calories")
      .consumes<Recipe>()
      .publishes<NutritionFacts>()
      .with_engine(engine([](const Recipe& r) {
        work(15);
        return NutritionFacts{r.name, 250 * static_cast<int>(r.toppings.size()) + 400};
      }));
  flock.agent("sommelier")
      .description("Pairs a wine (the cellar is locked today)")
      .consumes<Recipe>()
      .publishes<WinePairing>()
      .with_engine(flockcpp::function_engine([](const Recipe&) -> WinePairing {
        work(10);
        throw std::runtime_error("wine cellar is locked");
      }));
  flock.agent("critic")
      .description("Reviews every pizza")
      .consumes<Pizza>()
      .publishes<Review>()
      .with_engine(engine([](const Pizza& p) {
        work(20);
        return Review{p.name, 5, "perfect crust"};
      }));

  std::string trace_id;
  flockcpp::RunReport report;
  {
    auto span = flock.traced_run("pizza_workflow");
    span.set_attribute("pipeline.version", "2.0");
    span.set_attribute("dataset.size", 10000);
    trace_id = span.trace_id();
    flock.publish(PizzaIdea{"something with truffles"});
    report = flock.run_until_idle();
  }

  std::cout << "workflow pizza_workflow: " << report.executions << " agent runs, " << report.errors.size()
            << " failed\n";
  for (const auto& e : report.errors) std::cout << "  " << e.agent << ": " << e.exception_type << ": " << e.message << "\n";
  for (const auto& r : flock.store().get_by_type<Review>()) {
    std::cout << "review of " << r.pizza << ": " << r.stars << " stars, " << r.comment << "\n";
  }

  // Everything ended so far is in the file once this returns.
  if (!flockcpp::tracing::force_flush(std::chrono::seconds(30))) {
    std::cerr << "flock_demo: the trace store did not accept the spans in time\n";
    return 1;
  }
  const std::string path = config.trace_file_path;
  flockcpp::TraceStoreReader reader(path);
  std::cout << "\nTrace " << trace_id << " from " << path << ":\n\n";
  std::cout << flockcpp::render_trace_tree(reader.trace(trace_id), isatty(STDOUT_FILENO) != 0);

  print_query(reader, "the guide's \"Find all workflow traces\", as written",
              R"(SELECT trace_id, json_extract(attributes, '$.workflow.name') as workflow_name, COUNT(*) as span_count,
       MIN(start_time) as start_time, MAX(end_time) as end_time,
       (MAX(end_time) - MIN(start_time)) / 1000000.0 as duration_ms
FROM spans WHERE json_extract(attributes, '$.flock.workflow') = 'true'
GROUP BY trace_id ORDER BY start_time DESC)");
  print_query(reader, "corrected: workflow spans with the size of their whole trace (newest 5)",
              R"(SELECT w.trace_id, json_extract_string(w.attributes, '$.workflow.name') AS workflow_name,
       (SELECT COUNT(*) FROM spans s WHERE s.trace_id = w.trace_id) AS span_count,
       round(w.duration_ms, 2) AS duration_ms
FROM spans w WHERE json_extract(w.attributes, '$.flock.workflow') = 'true'
ORDER BY w.start_time DESC LIMIT 5)");
  print_query(reader, "the same through the workflows view",
              "SELECT workflow_name, span_count, round(duration_ms, 2) AS duration_ms, status FROM workflows "
              "ORDER BY start_time DESC LIMIT 5");
  print_query(reader, "the guide's \"Find Slowest Workflows\", verbatim",
              R"(SELECT
    json_extract(attributes, '$.workflow.name') as workflow,
    AVG((end_time - start_time) / 1000000.0) as avg_duration_ms,
    COUNT(*) as executions
FROM spans
WHERE name LIKE '%workflow%'
  AND json_extract(attributes, '$.flock.workflow') = 'true'
GROUP BY workflow
ORDER BY avg_duration_ms DESC
LIMIT 10)");
  std::cout << "\nOpen the file with any DuckDB client, e.g. duckdb -readonly " << path << "\n";
  std::cout << "or look at it in the browser: build/bin/flock dashboard " << path
            << "  (then open http://127.0.0.1:8344/)\n";
  return 0;
}

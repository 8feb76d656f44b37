// A Flock that serves its dashboard: a small kitchen of three agents, a few
// traced workflow runs (one agent fails, one attribute holds markup that must
// show as text), then flock.serve() until SIGINT/SIGTERM. Publishing through
// POST /api/artifacts runs the agents again, live.
//
//   flock_dashboard_demo [--port 8344] [--host 127.0.0.1] [--db .flock/traces.duckdb] [--runs 2]
//                        [--big-trace N]   (also one workflow of N spans, for the timeline)
#include <flock/flock.hpp>

#include <CLI/CLI.hpp>

#include <chrono>
#include <iostream>
#include <thread>

struct Order {
  std::string dish;
  int guests = 2;
};
struct Plate {
  std::string dish;
  std::vector<std::string> garnish;
};
struct Verdict {
  std::string dish;
  int stars = 0;
};
FLOCK_TYPE(Order, dish, guests)
FLOCK_TYPE(Plate, dish, garnish)
FLOCK_TYPE(Verdict, dish, stars)

int main(int argc, char** argv) {
  CLI::App app{"Flock dashboard demo"};
  flockcpp::ServeOptions serve;
  std::string db = ".flock/traces.duckdb";
  int runs = 2;
  int big_trace = 0;
  app.add_option("--port", serve.port, "port (0: any free port)");
  app.add_option("--host", serve.host, "address to listen on");
  app.add_option("--db", db, "trace store");
  app.add_option("--runs", runs, "workflow runs before serving");
  app.add_option("--big-trace", big_trace, "also record one workflow of this many spans");
  CLI11_PARSE(app, argc, argv);

  flockcpp::TraceConfig config = flockcpp::TraceConfig::from_env();
  config.trace_file = true;
  config.trace_file_path = db;
  config.flush_interval = std::chrono::milliseconds(200);
  flockcpp::tracing::configure(config);

  flockcpp::Flock flock;
  flock.agent("chef")
      .description("Cooks what was ordered")
      .consumes<Order>()
      .publishes<Plate>()
      .with_engine(flockcpp::function_engine([](const Order& o) {
        std::this_thread::sleep_for(std::chrono::milliseconds(3 + o.guests));
        return Plate{o.dish, {"basil", "olive oil"}};
      }));
  flock.agent("critic")
      .description("Tastes every plate")
      .consumes<Plate>()
      .publishes<Verdict>()
      .with_engine(flockcpp::function_engine([](const Plate& p) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        return Verdict{p.dish, static_cast<int>(p.dish.size() % 5) + 1};
      }));
  flock.agent("sommelier")
      .description("Pairs a wine; the cellar is locked for anything burnt")
      .consumes<Plate>()
      .publishes<Verdict>()
      .with_engine(flockcpp::function_engine([](const Plate& p) -> Verdict {
        if (p.dish.find("burnt") != std::string::npos) throw std::runtime_error("wine cellar is locked");
        return Verdict{p.dish + " with Barolo", 5};
      }));

  const char* dishes[] = {"risotto", "burnt toast", "tagliatelle", "tiramisu"};
  for (int i = 0; i < runs; ++i) {
    auto run = flock.traced_run("dinner_service");
    run.set_attribute("service.table", i + 1);
    run.set_attribute("note", "<img src=x onerror=alert(1)>");
    flock.publish(Order{dishes[i % 4], 2 + i}, {.correlation_id = "table-" + std::to_string(i % 2 + 1), .tags = {"demo"}});
    flock.run_until_idle();
  }
  if (big_trace > 0) {
    // A wide and deep trace: batches of steps, each with a few nested calls.
    auto run = flock.traced_run("big_batch");
    int made = 1;
    for (int batch = 0; made < big_trace; ++batch) {
      auto b = flockcpp::start_span("Batch.process");
      b.set_attribute("batch.index", batch);
      flockcpp::ContextScope inside(b.context());
      ++made;
      for (int step = 0; step < 9 && made < big_trace; ++step, ++made) {
        auto s = flockcpp::start_span("Step.run");
        s.set_attribute("step.index", step);
        if (batch % 97 == 3 && step == 4) s.set_status(flockcpp::StatusCode::Error, "step failed");
      }
    }
  }
  flockcpp::tracing::force_flush();
  try {
    flock.serve(serve);
  } catch (const std::exception& e) {
    std::cerr << "flock_dashboard_demo: " << e.what() << "\n";
    return 1;
  }
}

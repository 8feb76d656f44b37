// flock_scenarios: real programs for the integration tests. Each scenario
// runs a workflow through the public API only and writes spans to the DuckDB
// trace store configured by the environment (FLOCK_TRACE_FILE,
// FLOCK_TRACE_PATH, ...). Facts the tests need are printed to stdout as one
// JSON object per line; the tests then read the trace store with an
// independent DuckDB client (Node @duckdb/node-api).
//
//   flock_scenarios <scenario> [args...]
#include <flock/flock.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

// --- the quick-start types (docs/tracing-guide.md) --------------------------------------------------------
struct PizzaIdea { std::string description; };
struct Pizza { std::string name; std::vector<std::string> toppings; int size_cm = 30; };
FLOCK_TYPE(PizzaIdea, description)
FLOCK_TYPE(Pizza, name, toppings, size_cm)

// --- types of the other scenarios --------------------------------------------
namespace scen {
struct Idea { std::string text; int n = 0; };
struct Draft { std::string text; int n = 0; };
struct Review { std::string text; int n = 0; };
struct Final { std::string text; int n = 0; };
struct Poem { std::string text; };
struct Tweet { std::string text; };
struct Task { int n = 0; std::string tag; };
struct Step { int n = 0; std::string tag; };
struct Done { int n = 0; std::string tag; };
struct Ping { int n = 0; };
struct Pong { int n = 0; };
struct Note { std::string text; };
struct Summary { std::int64_t length = 0; };
FLOCK_TYPE(Idea, text, n)
FLOCK_TYPE(Draft, text, n)
FLOCK_TYPE(Review, text, n)
FLOCK_TYPE(Final, text, n)
FLOCK_TYPE(Poem, text)
FLOCK_TYPE(Tweet, text)
FLOCK_TYPE(Task, n, tag)
FLOCK_TYPE(Step, n, tag)
FLOCK_TYPE(Done, n, tag)
FLOCK_TYPE(Ping, n)
FLOCK_TYPE(Pong, n)
FLOCK_TYPE(Note, text)
FLOCK_TYPE(Summary, length)

// A component overriding every hook but on_error: one span per hook.
class AuditComponent : public flockcpp::Component {
 public:
  void on_initialize(flockcpp::AgentContext&) override {}
  void on_pre_consume(flockcpp::AgentContext&, std::vector<flockcpp::ArtifactPtr>&) override {}
  void on_pre_evaluate(flockcpp::AgentContext&, flockcpp::EvalInputs&) override {}
  void on_post_evaluate(flockcpp::AgentContext&, flockcpp::EvalResult&) override {}
  void on_post_publish(flockcpp::AgentContext&, const flockcpp::Artifact&) override {}
  void on_terminate(flockcpp::AgentContext&) override {}
};

// Overrides a single hook and renames itself.
class Quiet : public flockcpp::Component {
 public:
  std::string name() const override { return "QuietComponent"; }
  void on_pre_evaluate(flockcpp::AgentContext&, flockcpp::EvalInputs&) override {}
};

// Sees the failure of its agent.
class ErrorWatcher : public flockcpp::Component {
 public:
  void on_error(flockcpp::AgentContext&, std::exception_ptr) override { seen.fetch_add(1); }
  static inline std::atomic<int> seen{0};
};

// A hand-written engine with its own on_initialize.
class UpperEngine : public flockcpp::Engine {
 public:
  void on_initialize(flockcpp::AgentContext&) override {}
  flockcpp::EvalResult evaluate(flockcpp::AgentContext&, const flockcpp::EvalInputs& inputs) override {
    flockcpp::EvalResult r;
    for (const auto& a : inputs.artifacts) {
      Idea idea = a->as<Idea>();
      std::string up;
      for (char c : idea.text) up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      r.outputs.push_back(flockcpp::Output{flockcpp::type_name<Draft>(), flockcpp::Json(Draft{up, idea.n})});
    }
    return r;
  }
};
}  // namespace scen

using flockcpp::Json;
using namespace scen;

namespace {

std::mutex g_out_mu;
void emit(const Json& j) {
  std::lock_guard lock(g_out_mu);
  std::cout << j.dump(-1, ' ', false, Json::error_handler_t::replace) << std::endl;
}

Json stats_json() {
  flockcpp::TraceStats s = flockcpp::tracing::stats();
  return Json{{"ended", s.spans_ended},     {"exported", s.spans_exported}, {"dropped", s.spans_dropped},
              {"lost", s.spans_lost},       {"retries", s.export_retries},  {"pending", s.spans_pending}};
}

Json report_json(const flockcpp::RunReport& r) {
  Json errors = Json::array();
  for (const auto& e : r.errors) {
    errors.push_back(Json{{"agent", e.agent},
                          {"exception_type", e.exception_type},
                          {"message", e.message},
                          {"correlation_id", e.correlation_id},
                          {"trace_id", e.trace_id},
                          {"span_id", e.span_id}});
  }
  return Json{{"executions", r.executions},
              {"errors", errors},
              {"iteration_limit_reached", r.iteration_limit_reached},
              {"ok", r.ok()}};
}

void final_flush() {
  bool ok = flockcpp::tracing::force_flush(std::chrono::seconds(30));
  Json j = stats_json();
  j["done"] = true;
  j["flush_ok"] = ok;
  emit(j);
}

int arg_int(int argc, char** argv, int i, int def) { return argc > i ? std::atoi(argv[i]) : def; }

// A chain of two agents: Task -> Step -> Done, each sleeping a little.
void add_two_step_chain(flockcpp::Flock& flock, int sleep_ms) {
  flock.agent("stepper")
      .consumes<Task>()
      .publishes<Step>()
      .with_engine(flockcpp::function_engine([sleep_ms](const Task& t) {
        if (sleep_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
        return Step{t.n, t.tag};
      }));
  flock.agent("finisher")
      .consumes<Step>()
      .publishes<Done>()
      .with_engine(flockcpp::function_engine([sleep_ms](const Step& s) {
        if (sleep_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
        return Done{s.n, s.tag};
      }));
}

// --- scenarios ---------------------------------------------------------------

// the quick start of docs/tracing-guide.md, as written there (plus the facts the test needs).
int pizza() {
  std::string trace_id, span_id;
  std::size_t count = 0;
  {
    flockcpp::Flock flock("openai/gpt-4o");
    flock.agent("pizza_master")
        .description("Turns an idea into a pizza")
        .consumes<PizzaIdea>()
        .publishes<Pizza>()
        .with_engine(flockcpp::function_engine([](const PizzaIdea& idea) {
          (void)idea;
          return Pizza{"Truffle", {"truffle", "mozzarella"}, 30};
        }));

    {
      auto span = flock.traced_run("pizza_workflow");
      span.set_attribute("pipeline.version", "2.0");
      span.set_attribute("dataset.size", 10000);
      trace_id = span.trace_id();
      span_id = span.span_id();
      flock.publish(PizzaIdea{"something with truffles"});
      flock.run_until_idle();
    }

    std::vector<Pizza> pizzas = flock.store().get_by_type<Pizza>();
    count = pizzas.size();
    emit(Json{{"trace_id", trace_id},
              {"span_id", span_id},
              {"pizzas", count},
              {"pizza", pizzas.empty() ? Json() : Json(pizzas[0])}});
  }
  final_flush();
  return count == 1 ? 0 : 1;
}

// Idea -> Draft -> Review -> Final (a chain of three), Final -> Poem and
// Final -> Tweet (a fan-out: one artifact, two consumers).
int chain() {
  {
    flockcpp::Flock flock;
    flock.agent("writer").consumes<Idea>().publishes<Draft>().with_engine(
        flockcpp::function_engine([](const Idea& i) { return Draft{"draft of " + i.text, i.n}; }));
    flock.agent("editor").consumes<Draft>().publishes<Review>().with_engine(
        flockcpp::function_engine([](const Draft& d) { return Review{"review of " + d.text, d.n}; }));
    flock.agent("publisher").consumes<Review>().publishes<Final>().with_engine(
        flockcpp::function_engine([](const Review& r) { return Final{"final " + r.text, r.n}; }));
    flock.agent("poet").consumes<Final>().publishes<Poem>().with_engine(
        flockcpp::function_engine([](const Final& f) { return Poem{"poem about " + f.text}; }));
    flock.agent("tweeter").consumes<Final>().publishes<Tweet>().with_engine(
        flockcpp::function_engine([](const Final& f) { return Tweet{"tweet: " + f.text}; }));
    auto run = flock.traced_run("content_workflow");
    flock.publish(Idea{"blackboards", 1}, {.correlation_id = "corr-chain-1", .tags = {"chain"}});
    auto report = flock.run_until_idle();
    Json j{{"trace_id", run.trace_id()},
           {"span_id", run.span_id()},
           {"report", report_json(report)},
           {"poems", flock.store().get_by_type<Poem>().size()},
           {"tweets", flock.store().get_by_type<Tweet>().size()}};
    run.end();
    emit(j);
  }
  final_flush();
  return 0;
}

// The guide's nested example.
int nested() {
  {
    flockcpp::Flock flock;
    flock.agent("writer").consumes<Idea>().publishes<Draft>().with_engine(
        flockcpp::function_engine([](const Idea& i) { return Draft{i.text, i.n}; }));
    Json j;
    {
      auto outer = flock.traced_run("outer_workflow");
      j["outer"] = {{"trace_id", outer.trace_id()}, {"span_id", outer.span_id()}};
      flock.publish(Idea{"data", 1});
      {
        auto inner = flock.traced_run("inner_task");
        j["inner"] = {{"trace_id", inner.trace_id()}, {"span_id", inner.span_id()}};
        flock.publish(Idea{"sub_data", 2});
        flock.run_until_idle();
      }
      flock.run_until_idle();
    }
    emit(j);
  }
  final_flush();
  return 0;
}

// Without traced_run: each top-level publish / run_until_idle is its own root
// (or, under FLOCK_AUTO_WORKFLOW_TRACE, one workflow per publish..run_until_idle).
int untraced(int rounds) {
  {
    flockcpp::Flock flock;
    flock.agent("writer").consumes<Idea>().publishes<Draft>().with_engine(
        flockcpp::function_engine([](const Idea& i) { return Draft{i.text, i.n}; }));
    for (int r = 0; r < rounds; ++r) {
      auto a = flock.publish(Idea{"untraced", r}, {.correlation_id = "corr-untraced-" + std::to_string(r)});
      auto report = flock.run_until_idle();
      emit(Json{{"round", r}, {"correlation_id", a->correlation_id}, {"report", report_json(report)}});
    }
  }
  final_flush();
  return 0;
}

// One agent throws; the others go on.
int agent_error() {
  {
    flockcpp::Flock flock;
    flock.agent("good").consumes<Idea>().publishes<Draft>().with_engine(
        flockcpp::function_engine([](const Idea& i) { return Draft{"ok " + i.text, i.n}; }));
    flock.agent("bad")
        .consumes<Idea>()
        .publishes<Draft>()
        .with_component(std::make_shared<ErrorWatcher>())
        .with_engine(flockcpp::function_engine([](const Idea&) -> Draft { throw std::runtime_error("oven on fire"); }));
    flock.agent("after").consumes<Draft>().publishes<Review>().with_engine(
        flockcpp::function_engine([](const Draft& d) { return Review{"reviewed " + d.text, d.n}; }));
    auto run = flock.traced_run("error_workflow");
    flock.publish(Idea{"risky", 1});
    auto report = flock.run_until_idle();
    Json j{{"trace_id", run.trace_id()},
           {"span_id", run.span_id()},
           {"report", report_json(report)},
           {"reviews", flock.store().get_by_type<Review>().size()},
           {"on_error_calls", ErrorWatcher::seen.load()}};
    run.end();
    emit(j);
  }
  final_flush();
  return 0;
}

// traced_run(name, fn): an exception is recorded and rethrown; the no-argument
// form returns fn's value.
int fn_exception() {
  {
    flockcpp::Flock flock;
    flock.agent("writer").consumes<Idea>().publishes<Draft>().with_engine(
        flockcpp::function_engine([](const Idea& i) { return Draft{i.text, i.n}; }));
    std::string trace_id, span_id, what;
    bool caught = false;
    try {
      flock.traced_run("risky_operation", [&](flockcpp::TracedRun& run) {
        trace_id = run.trace_id();
        span_id = run.span_id();
        flock.publish(Idea{"x", 1});
        flock.run_until_idle();
        throw std::invalid_argument("bad input data");
      });
    } catch (const std::invalid_argument& e) {
      caught = true;
      what = e.what();
    }
    int returned = flock.traced_run("returns_value", [&] {
      flock.publish(Idea{"y", 2});
      flock.run_until_idle();
      return 42;
    });
    emit(Json{{"trace_id", trace_id}, {"span_id", span_id}, {"caught", caught}, {"message", what}, {"returned", returned}});
  }
  final_flush();
  return 0;
}

// The RAII form unwound by an exception ends with status ERROR; the context
// is restored afterwards.
int raii_exception() {
  {
    flockcpp::Flock flock;
    flock.agent("writer").consumes<Idea>().publishes<Draft>().with_engine(
        flockcpp::function_engine([](const Idea& i) { return Draft{i.text, i.n}; }));
    std::string trace_id, span_id;
    bool caught = false;
    try {
      auto run = flock.traced_run("raii_workflow");
      trace_id = run.trace_id();
      span_id = run.span_id();
      flock.publish(Idea{"x", 1});
      flock.run_until_idle();
      throw std::runtime_error("boom");
    } catch (const std::runtime_error&) {
      caught = true;
    }
    bool context_cleared = !flockcpp::current_span_context().valid();
    std::string after_trace, after_span;
    {
      auto after = flock.traced_run("after_raii");
      after_trace = after.trace_id();
      after_span = after.span_id();
    }
    emit(Json{{"trace_id", trace_id},
              {"span_id", span_id},
              {"caught", caught},
              {"context_cleared", context_cleared},
              {"after_trace_id", after_trace},
              {"after_span_id", after_span}});
  }
  final_flush();
  return 0;
}

// Custom components and engine overriding hooks.
int components() {
  {
    flockcpp::Flock flock;
    flock.agent("custom")
        .consumes<Idea>()
        .publishes<Draft>()
        .with_component(std::make_shared<AuditComponent>())
        .with_component(std::make_shared<Quiet>())
        .with_engine(std::make_shared<UpperEngine>());
    auto run = flock.traced_run("components_workflow");
    flock.publish(Idea{"shout", 1});
    auto report = flock.run_until_idle();
    auto drafts = flock.store().get_by_type<Draft>();
    emit(Json{{"trace_id", run.trace_id()},
              {"report", report_json(report)},
              {"draft", drafts.empty() ? Json() : Json(drafts[0])}});
    run.end();
  }
  final_flush();
  return 0;
}

// Many threads, each running its own traced_run workflows at the same time,
// on one shared Flock or one Flock per thread.
int threads(int nthreads, int iterations, bool shared) {
  {
    std::unique_ptr<flockcpp::Flock> shared_flock;
    if (shared) {
      shared_flock = std::make_unique<flockcpp::Flock>();
      add_two_step_chain(*shared_flock, 0);
    }
    std::vector<std::thread> pool;
    std::atomic<int> ready{0};
    for (int t = 0; t < nthreads; ++t) {
      pool.emplace_back([&, t] {
        std::unique_ptr<flockcpp::Flock> own;
        if (!shared) {
          own = std::make_unique<flockcpp::Flock>("", flockcpp::FlockOptions{.workers = 2});
          add_two_step_chain(*own, 0);
        }
        flockcpp::Flock& flock = shared ? *shared_flock : *own;
        ready.fetch_add(1);
        while (ready.load() < nthreads) std::this_thread::yield();
        for (int k = 0; k < iterations; ++k) {
          std::string corr = "t" + std::to_string(t) + "-k" + std::to_string(k);
          auto run = flock.traced_run("thread_workflow_" + corr);
          run.set_attribute("thread.index", t);
          run.set_attribute("iteration", k);
          flock.publish(Task{k, corr}, {.correlation_id = corr});
          flock.run_until_idle();
          emit(Json{{"thread", t},
                    {"iteration", k},
                    {"correlation_id", corr},
                    {"trace_id", run.trace_id()},
                    {"span_id", run.span_id()}});
        }
      });
    }
    for (auto& th : pool) th.join();
  }
  final_flush();
  return 0;
}

// Keeps producing workflows: an outer workflow stays open the whole time,
// with one nested "iteration" workflow per round (Task -> Step -> Done).
// After each completed round it prints {"completed": i, "span_id": ...}; with
// flush_each, it then force_flushes and prints {"flushed": exported,
// "flushed_through": i}. seconds == 0 runs until killed.
int long_running(int seconds, bool flush_each, int sleep_ms) {
  {
    flockcpp::Flock flock;
    add_two_step_chain(flock, sleep_ms);
    auto outer = flock.traced_run("long_workflow");
    emit(Json{{"outer_trace_id", outer.trace_id()}, {"outer_span_id", outer.span_id()}});
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    for (int i = 0; seconds == 0 || std::chrono::steady_clock::now() < deadline; ++i) {
      std::string span_id;
      {
        auto it = flock.traced_run("iteration");
        it.set_attribute("iteration", i);
        span_id = it.span_id();
        flock.publish(Task{i, "long"});
        flock.run_until_idle();
      }
      emit(Json{{"completed", i}, {"span_id", span_id}});
      if (flush_each) {
        bool ok = flockcpp::tracing::force_flush(std::chrono::seconds(30));
        if (ok) emit(Json{{"flushed", flockcpp::tracing::stats().spans_exported}, {"flushed_through", i}});
      }
    }
    outer.end();
  }
  final_flush();
  return 0;
}

// Truncation of huge values and invalid UTF-8.
int huge() {
  {
    flockcpp::Flock flock;
    flock.agent("echo").consumes<Note>().publishes<Summary>().with_engine(
        flockcpp::function_engine([](const Note& n) { return Summary{static_cast<std::int64_t>(n.text.size())}; }));
    std::string bad_name = std::string("bad") + "\xff" + "name";
    auto run = flock.traced_run(bad_name);
    run.set_attribute("big.text", std::string(100000, 'x'));
    run.set_attribute("bad.utf8", std::string("ok") + "\xff\xfe" + "end");
    run.set_attribute("agent", "value-and-prefix");
    run.set_attribute("agent.name", "child-of-prefix");
    run.set_attribute("list.values", std::vector<std::string>{"a", std::string(20000, 'z')});
    run.set_attribute("flag", true);
    run.set_attribute("ratio", 0.25);
    run.set_attribute("counts", std::vector<int>{1, 2, 3});
    run.add_event("checkpoint", {{"stage", std::string("one")}, {"bytes", std::int64_t{7}}});
    flock.publish(Note{std::string(50000, 'y')});
    flock.publish(Note{std::string("caf") + "\xc3" + "(" + "\xed\xa0\x80" + "!"});  // invalid UTF-8 in a payload
    flock.run_until_idle();
    emit(Json{{"trace_id", run.trace_id()}, {"span_id", run.span_id()}});
    run.end();
  }
  final_flush();
  return 0;
}

// Agents triggering each other forever, stopped by max_agent_iterations.
int cascade(int limit) {
  {
    flockcpp::Flock flock("", flockcpp::FlockOptions{.workers = 2, .max_agent_iterations = limit});
    flock.agent("ping").consumes<Ping>().publishes<Pong>().with_engine(
        flockcpp::function_engine([](const Ping& p) { return Pong{p.n + 1}; }));
    flock.agent("pong").consumes<Pong>().publishes<Ping>().with_engine(
        flockcpp::function_engine([](const Pong& p) { return Ping{p.n + 1}; }));
    auto run = flock.traced_run("cascade_workflow");
    flock.publish(Ping{0});
    auto report = flock.run_until_idle();
    emit(Json{{"trace_id", run.trace_id()}, {"report", report_json(report)}});
    run.end();
  }
  final_flush();
  return 0;
}

// Many spans with sizeable attributes (to grow the file for clear_traces).
// Traces for `seconds` (a disk may fill meanwhile), flushes briefly, shuts
// the pipeline down and reports the counters after it: every span ended is
// exported, lost or dropped by then.
int trace_then_shutdown(int seconds) {
  {
    flockcpp::Flock flock;
    add_two_step_chain(flock, 0);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    for (int i = 0; std::chrono::steady_clock::now() < deadline; ++i) {
      auto it = flock.traced_run("iteration");
      it.set_attribute("iteration", i);
      it.set_attribute("padding", std::string(512, 'p'));
      flock.publish(Task{i, "disk"});
      flock.run_until_idle();
    }
  }
  bool flushed = flockcpp::tracing::force_flush(std::chrono::seconds(2));
  emit(Json{{"flushed", flushed}, {"before_shutdown", stats_json()}});
  flockcpp::tracing::shutdown(std::chrono::seconds(3));
  Json j = stats_json();
  j["after_shutdown"] = true;
  emit(j);
  return 0;
}

int bulk(int n) {
  {
    flockcpp::Flock flock;
    add_two_step_chain(flock, 0);
    for (int i = 0; i < n; ++i) {
      auto run = flock.traced_run("bulk_workflow");
      run.set_attribute("padding", std::string(2000, static_cast<char>('a' + i % 26)));
      flock.publish(Task{i, std::string(1000, 'p')});
      flock.run_until_idle();
    }
  }
  final_flush();
  return 0;
}

int clear(const std::string& path) {
  flockcpp::ClearResult r = path.empty() ? flockcpp::Flock::clear_traces() : flockcpp::Flock::clear_traces(path);
  emit(Json{{"success", r.success}, {"deleted_count", r.deleted_count}, {"error", r.error}});
  return 0;
}

// Prints the configuration the library read from the environment.
int config() {
  flockcpp::TraceConfig c = flockcpp::tracing::current_config();
  emit(Json{{"auto_trace", c.auto_trace},
            {"trace_file", c.trace_file},
            {"trace_file_path", c.trace_file_path},
            {"services", c.services},
            {"ignore", c.ignore},
            {"ttl_days", c.ttl_days ? Json(*c.ttl_days) : Json()},
            {"auto_workflow_trace", c.auto_workflow_trace},
            {"sdk_disabled", c.sdk_disabled},
            {"flush_ms", c.flush_interval.count()}});
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: flock_scenarios <scenario> [args...]\n");
    return 2;
  }
  std::string s = argv[1];
  try {
    if (s == "pizza") return pizza();
    if (s == "chain") return chain();
    if (s == "nested") return nested();
    if (s == "untraced") return untraced(arg_int(argc, argv, 2, 1));
    if (s == "agent_error") return agent_error();
    if (s == "fn_exception") return fn_exception();
    if (s == "raii_exception") return raii_exception();
    if (s == "components") return components();
    if (s == "threads") return threads(arg_int(argc, argv, 2, 8), arg_int(argc, argv, 3, 5), argc > 4 && std::string(argv[4]) == "shared");
    if (s == "long_running") return long_running(arg_int(argc, argv, 2, 5), arg_int(argc, argv, 3, 1) != 0, arg_int(argc, argv, 4, 2));
    if (s == "huge") return huge();
    if (s == "cascade") return cascade(arg_int(argc, argv, 2, 25));
    if (s == "bulk") return bulk(arg_int(argc, argv, 2, 200));
    if (s == "trace_then_shutdown") return trace_then_shutdown(arg_int(argc, argv, 2, 3));
    if (s == "clear") return clear(argc > 2 ? argv[2] : "");
    if (s == "config") return config();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "flock_scenarios %s: uncaught exception: %s\n", s.c_str(), e.what());
    return 3;
  }
  std::fprintf(stderr, "flock_scenarios: unknown scenario '%s'\n", s.c_str());
  return 2;
}

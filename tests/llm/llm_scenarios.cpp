// flock_llm_scenarios: real programs for the LLM engine tests. Each scenario
// builds agents that use the LLM engine (the default one a Flock with a model
// gives, or flockcpp::llm_engine(LlmOptions) when options are passed), publishes,
// waits, and prints one JSON summary line on stdout:
//
//   {"scenario": ..., "ok": bool, "executions": n, "elapsed_ms": n,
//    "artifacts": [{type, produced_by, correlation_id, payload}],
//    "errors": [{agent, exception_type, message, trace_id, span_id}], ...}
//
// The model server is the environment's OPENAI_BASE_URL / OPENAI_API_KEY
// (the Node tests run a fake one); spans go to the DuckDB file configured by
// FLOCK_TRACE_FILE / FLOCK_TRACE_PATH. Public API only. Exits 0 whatever the
// agents did (their failures are in "errors").
//
//   flock_llm_scenarios <scenario> [key=value ...]
//
// scenarios:
//   single        pizza_master: Idea -> Pizza
//   fanout        pizza_master: Idea -> Pizza, fan_out (one artifact per item)
//   two_types     caterer: Idea -> Pizza and Drink
//   meal          planner: Idea -> Meal (nested Pizza, Drinks, optional Review)
//   prices        pricer: Idea -> PriceList (a map: no strict schema)
//   context       chef: Idea -> Pizza; then an Order of the same correlation
//                 id -> waiter: Order -> Receipt (sees Idea and Pizza as context)
//   chain3        chef: Idea -> Pizza, critic: Pizza -> Review, editor:
//                 Review -> Summary, all under traced_run("llm_chain")
//   destroy       publishes, sleeps wait_ms (default 1500), then destroys the
//                 Flock without waiting: the call in flight must be aborted
//   sigterm       publishes, prints {"published": true}, waits in
//                 run_until_idle (the test sends SIGTERM)
//   tools         chef: Idea -> Pizza with the tools price_of (Topping ->
//                 Price), forecast (Place, an optional field -> Forecast),
//                 oven (Oven -> Price; throws "oven on fire: <reason>"), nap
//                 (Nap{ms} -> Napped; sleeps, counts calls running at once),
//                 basket (Basket, a map: no strict schema -> Price); the
//                 summary adds "tool_log" (the calls the tools got, in the
//                 order they started), "max_concurrent" and "tool_schemas"
//                 (each tool's In schema as registered). price_of opens a
//                 span of its own, "PriceBook.lookup".
//   tool_api      no model call: what tool() and with_tool() refuse, as
//                 "refused": {case: message}
//
// keys (LlmOptions; any of them makes the agents use llm_engine(options)
// instead of the default engine):
//   model temperature max_tokens timeout_ms max_retries max_invalid_retries
//   stream record_content use_context max_context_artifacts base_url api_key
//   max_tool_rounds max_parallel_tool_calls
// other keys:
//   engine=default|explicit   explicit: llm_engine(options) even with no option
//   fan_out=true              LlmOptions::fan_out for the scenario's agents
//   flock_model=...           the Flock's model ("" or "none": no model; the
//                             default is openai/gpt-4o)
//   traced=<name>             run inside traced_run(name)
//   corr=<id>                 the correlation id of the published Idea
//   idea=<text>               the Idea's description
//   description=<text>        the first agent's description
//   wait_ms=<n>               (destroy) how long to wait before destroying
//   count=<n>                 publish n Ideas ("<idea> #i", correlation id
//                             "<corr>-i") instead of one
//   max_concurrency=<n>       (single) the agent's parallelism
//   crumbs=<n>                first publish n Crumb{i} (consumed by no agent)
//                             with the same correlation id
//   serve=true                serve the HTTP API on a free port first, print
//                             {"serving": url}, and publish only once a file
//                             named "go" exists in the working directory
#include <flock/flock.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace llmscen {
struct Idea { std::string description; };
struct Pizza {
  std::string name;
  std::vector<std::string> toppings;
  int size_cm = 30;
  std::optional<std::string> crust;
};
struct Drink { std::string name; bool alcoholic = false; };
struct Review { std::string verdict; int score = 0; };
struct Summary { std::string text; };
struct Order { std::string request; };
struct Receipt { std::string summary; double total = 0; };
FLOCK_TYPE(Idea, description)
FLOCK_TYPE(Pizza, name, toppings, size_cm, crust)
FLOCK_TYPE(Drink, name, alcoholic)
FLOCK_TYPE(Review, verdict, score)
FLOCK_TYPE(Summary, text)
FLOCK_TYPE(Order, request)
FLOCK_TYPE(Receipt, summary, total)
// A nested output (strict all the way down) and one with a map (no strict form).
struct Meal { Pizza pizza; std::vector<Drink> drinks; std::optional<Review> review; };
struct PriceList { std::map<std::string, double> prices; std::optional<std::string> note; };
FLOCK_TYPE(Meal, pizza, drinks, review)
// Consumed by no agent: earlier artifacts of a correlation id (context).
struct Crumb { int n = 0; };
FLOCK_TYPE(Crumb, n)
FLOCK_TYPE(PriceList, prices, note)
// Tools' arguments and results.
struct Topping { std::string name; };
struct Price { std::string item; double eur = 0; };
struct Place { std::string city; std::optional<std::string> country; };
struct Forecast { std::string city; std::string sky; };
struct Oven { std::string reason; };
struct Nap { int ms = 0; std::string tag; };
struct Napped { std::string tag; };
struct Basket { std::map<std::string, int> items; };
FLOCK_TYPE(Topping, name)
FLOCK_TYPE(Price, item, eur)
FLOCK_TYPE(Place, city, country)
FLOCK_TYPE(Forecast, city, sky)
FLOCK_TYPE(Oven, reason)
FLOCK_TYPE(Nap, ms, tag)
FLOCK_TYPE(Napped, tag)
FLOCK_TYPE(Basket, items)
}  // namespace llmscen

using flockcpp::Json;
using namespace llmscen;

namespace {

std::mutex g_out_mu;
void emit(const Json& j) {
  std::lock_guard lock(g_out_mu);
  std::cout << j.dump(-1, ' ', false, Json::error_handler_t::replace) << std::endl;
}

struct Args {
  std::map<std::string, std::string> kv;
  bool has(const std::string& k) const { return kv.count(k) != 0; }
  std::string get(const std::string& k, const std::string& def = "") const {
    auto it = kv.find(k);
    return it == kv.end() ? def : it->second;
  }
  bool flag(const std::string& k) const {
    std::string v = get(k);
    return v == "1" || v == "true" || v == "yes" || v == "on";
  }
};

const char* const kLlmKeys[] = {"model",       "temperature", "max_tokens", "timeout_ms",
                                "max_retries", "max_invalid_retries", "stream", "record_content",
                                "use_context", "max_context_artifacts", "base_url", "api_key",
                                "max_tool_rounds", "max_parallel_tool_calls"};

bool explicit_engine(const Args& a) {
  if (a.get("engine") == "explicit") return true;
  for (const char* k : kLlmKeys) {
    if (a.has(k)) return true;
  }
  return false;
}

flockcpp::LlmOptions options_from(const Args& a, bool fan_out) {
  flockcpp::LlmOptions o;
  o.fan_out = fan_out;
  if (a.has("model")) o.model = a.get("model");
  if (a.has("temperature")) o.temperature = std::stod(a.get("temperature"));
  if (a.has("max_tokens")) o.max_tokens = std::stoi(a.get("max_tokens"));
  if (a.has("timeout_ms")) o.timeout = std::chrono::milliseconds(std::stoll(a.get("timeout_ms")));
  if (a.has("max_retries")) o.max_retries = std::stoi(a.get("max_retries"));
  if (a.has("max_invalid_retries")) o.max_invalid_retries = std::stoi(a.get("max_invalid_retries"));
  if (a.has("stream")) o.stream = a.flag("stream");
  if (a.has("record_content")) o.record_content = a.flag("record_content");
  if (a.has("use_context")) o.use_context = a.flag("use_context");
  if (a.has("max_context_artifacts")) o.max_context_artifacts = std::stoul(a.get("max_context_artifacts"));
  if (a.has("base_url")) o.base_url = a.get("base_url");
  if (a.has("api_key")) o.api_key = a.get("api_key");
  if (a.has("max_tool_rounds")) o.max_tool_rounds = std::stoi(a.get("max_tool_rounds"));
  if (a.has("max_parallel_tool_calls")) o.max_parallel_tool_calls = std::stoi(a.get("max_parallel_tool_calls"));
  return o;
}

// The LLM engine for an agent: none (the Flock's default) unless options
// were given.
template <class Builder>
void use_llm(Builder& b, const Args& a, bool fan_out = false) {
  fan_out = fan_out || a.flag("fan_out");
  if (fan_out || explicit_engine(a)) b.with_engine(flockcpp::llm_engine(options_from(a, fan_out)));
}

Json artifacts_json(flockcpp::Flock& flock) {
  Json out = Json::array();
  for (const auto& art : flock.store().all()) {
    out.push_back(Json{{"id", art->id},
                       {"type", art->type},
                       {"produced_by", art->produced_by},
                       {"correlation_id", art->correlation_id},
                       {"payload", *art->payload}});
  }
  return out;
}

Json errors_json(const std::vector<flockcpp::AgentError>& errors) {
  Json out = Json::array();
  for (const auto& e : errors) {
    out.push_back(Json{{"agent", e.agent},
                       {"exception_type", e.exception_type},
                       {"message", e.message},
                       {"correlation_id", e.correlation_id},
                       {"trace_id", e.trace_id},
                       {"span_id", e.span_id}});
  }
  return out;
}

std::string flock_model(const Args& a) {
  std::string m = a.get("flock_model", "openai/gpt-4o");
  return m == "none" ? std::string() : m;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What the tools of the "tools" scenario saw.
struct ToolLog {
  std::mutex mu;
  Json calls = Json::array();
  int running = 0;
  int max_running = 0;
  void called(const std::string& tool, const Json& args) {
    std::lock_guard lock(mu);
    calls.push_back(Json{{"tool", tool}, {"args", args}});
  }
};
ToolLog g_tools;

// Price of a topping: a function (not a lambda), with a span of its own.
Price price_of(const Topping& t) {
  g_tools.called("price_of", Json(t));
  flockcpp::Span span = flockcpp::start_span("PriceBook.lookup");
  span.set_attribute("topping", t.name);
  span.set_status(flockcpp::StatusCode::Ok);
  return Price{t.name, t.name == "truffle" ? 4.5 : 1.25};
}

void add_tools(flockcpp::AgentBuilder& b) {
  b.with_tool(flockcpp::tool("price_of", "The price of one topping in EUR", &price_of));
  b.with_tool(flockcpp::tool("forecast", "Tomorrow's sky over a city", [](const Place& p) {
    g_tools.called("forecast", Json(p));
    return Forecast{p.city, p.country.value_or("?") == "IT" ? "sunny" : "cloudy"};
  }));
  std::function<Price(const Oven&)> oven = [](const Oven& o) -> Price {
    g_tools.called("oven", Json(o));
    throw std::runtime_error("oven on fire: " + o.reason);
  };
  b.with_tool(flockcpp::tool("oven", "Bakes; fails when asked to", oven));
  b.with_tool(flockcpp::tool("nap", "Sleeps ms milliseconds", [](const Nap& n) {
    {
      std::lock_guard lock(g_tools.mu);
      g_tools.calls.push_back(Json{{"tool", "nap"}, {"args", Json(n)}});
      g_tools.max_running = std::max(g_tools.max_running, ++g_tools.running);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(n.ms));
    std::lock_guard lock(g_tools.mu);
    --g_tools.running;
    return Napped{n.tag};
  }));
  b.with_tool(flockcpp::tool("basket", "Prices a basket of toppings", [](const Basket& basket) {
    g_tools.called("basket", Json(basket));
    double total = 0;
    for (const auto& [k, n] : basket.items) total += n * 1.25;
    return Price{"basket", total};
  }));
}

// What the tool API refuses: {case: message}.
Json tool_api_refusals() {
  Json out = Json::object();
  auto expect_throw = [&](const char* what, const std::function<void()>& fn) {
    try {
      fn();
      out[what] = nullptr;
    } catch (const std::exception& e) {
      out[what] = e.what();
    }
  };
  auto noop = [](const Topping& t) { return Price{t.name, 0}; };
  expect_throw("bad_name", [&] { flockcpp::tool("price of", "spaces are not allowed", noop); });
  expect_throw("empty_name", [&] { flockcpp::tool("", "", noop); });
  expect_throw("long_name", [&] { flockcpp::tool(std::string(65, 'a'), "", noop); });
  flockcpp::Flock flock("openai/gpt-4o");
  auto& b = flock.agent("chef").consumes<Idea>().publishes<Pizza>();
  b.with_tool(flockcpp::tool("price_of", "", noop));
  expect_throw("duplicate", [&] { b.with_tool(flockcpp::tool("price_of", "again", noop)); });
  out["ok_name"] = flockcpp::tool("a-Z_09", "", noop).name();
  out["input_type"] = flockcpp::tool("x", "", noop).input_type();
  return out;
}

// Builds the agents of a scenario.
void build(flockcpp::Flock& flock, const std::string& scenario, const Args& a) {
  const std::string desc = a.get("description", "Turns an idea into a pizza");
  if (scenario == "single" || scenario == "destroy" || scenario == "sigterm") {
    auto& b = flock.agent("pizza_master").description(desc).consumes<Idea>().publishes<Pizza>();
    if (a.has("max_concurrency")) b.max_concurrency(std::stoi(a.get("max_concurrency")));
    use_llm(b, a);
  } else if (scenario == "fanout") {
    auto& b = flock.agent("pizza_master").description("Turns an idea into several pizzas").consumes<Idea>().publishes<Pizza>();
    use_llm(b, a, true);
  } else if (scenario == "two_types") {
    auto& b = flock.agent("caterer").description("Plans a pizza and a drink to go with it").consumes<Idea>().publishes<Pizza, Drink>();
    use_llm(b, a);
  } else if (scenario == "meal") {
    auto& b = flock.agent("planner").description("Plans a meal").consumes<Idea>().publishes<Meal>();
    use_llm(b, a);
  } else if (scenario == "prices") {
    auto& b = flock.agent("pricer").description("Prices the toppings").consumes<Idea>().publishes<PriceList>();
    use_llm(b, a);
  } else if (scenario == "context") {
    auto& chef = flock.agent("chef").description(desc).consumes<Idea>().publishes<Pizza>();
    use_llm(chef, a);
    auto& waiter = flock.agent("waiter").description("Writes the receipt of an order").consumes<Order>().publishes<Receipt>();
    use_llm(waiter, a);
  } else if (scenario == "tools") {
    auto& b = flock.agent("chef").description(desc).consumes<Idea>().publishes<Pizza>();
    add_tools(b);
    use_llm(b, a);
  } else if (scenario == "chain3") {
    auto& chef = flock.agent("chef").description(desc).consumes<Idea>().publishes<Pizza>();
    use_llm(chef, a);
    auto& critic = flock.agent("critic").description("Reviews a pizza").consumes<Pizza>().publishes<Review>();
    use_llm(critic, a);
    auto& editor = flock.agent("editor").description("Summarises a review").consumes<Review>().publishes<Summary>();
    use_llm(editor, a);
  } else {
    throw std::invalid_argument("unknown scenario '" + scenario + "'");
  }
}

int run(const std::string& scenario, const Args& a) {
  Json out{{"scenario", scenario}};
  auto t0 = std::chrono::steady_clock::now();
  if (scenario == "tool_api") {
    out["refused"] = tool_api_refusals();
    emit(out);
    return 0;
  }
  flockcpp::PublishOptions popts;
  popts.correlation_id = a.get("corr", "corr-" + scenario);
  const Idea idea{a.get("idea", "something with truffles")};

  if (scenario == "destroy") {
    std::int64_t destroy_started = 0;
    {
      auto flock = std::make_unique<flockcpp::Flock>(flock_model(a));
      build(*flock, scenario, a);
      flock->publish(idea, popts);
      std::this_thread::sleep_for(std::chrono::milliseconds(std::stoll(a.get("wait_ms", "1500"))));
      destroy_started = now_ms();
      auto d0 = std::chrono::steady_clock::now();
      out["artifacts_before_destroy"] = artifacts_json(*flock);
      flock.reset();
      out["destroy_ms"] = ms_since(d0);
    }
    out["destroy_started_at_ms"] = destroy_started;
    out["elapsed_ms"] = ms_since(t0);
    flockcpp::tracing::force_flush();
    emit(out);
    return 0;
  }

  flockcpp::Flock flock(flock_model(a));
  build(flock, scenario, a);
  out["model"] = flock.model();
  std::optional<flockcpp::DashboardServer> server;
  if (a.get("serve", "false") == "true") {
    flockcpp::ServeOptions so;
    so.port = 0;
    so.dashboard = false;
    so.print_url = false;
    server.emplace(flock, so);
    server->start();
    emit(Json{{"serving", server->url()}});
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!std::filesystem::exists("go") && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }

  auto work = [&](std::optional<flockcpp::TracedRun>& run) {
    if (a.has("traced") || scenario == "chain3") {
      run.emplace(flock.traced_run(a.get("traced", "llm_chain")));
      out["trace_id"] = run->trace_id();
      out["workflow_span_id"] = run->span_id();
    }
    const int crumbs = std::stoi(a.get("crumbs", "0"));
    for (int i = 0; i < crumbs; ++i) flock.publish(Crumb{i}, popts);
    const int count = std::stoi(a.get("count", "1"));
    if (count == 1) {
      flock.publish(idea, popts);
    } else {
      for (int i = 0; i < count; ++i) {
        flockcpp::PublishOptions each = popts;
        each.correlation_id = popts.correlation_id + "-" + std::to_string(i);
        flock.publish(Idea{idea.description + " #" + std::to_string(i)}, each);
      }
    }
    if (scenario == "sigterm") emit(Json{{"published", true}});
    flockcpp::RunReport report = flock.run_until_idle();
    std::uint64_t executions = report.executions;
    Json errors = errors_json(report.errors);
    if (scenario == "context") {
      flock.publish(Order{"one truffle pizza to go"}, popts);
      flockcpp::RunReport second = flock.run_until_idle();
      executions += second.executions;
      for (auto& e : errors_json(second.errors)) errors.push_back(e);
    }
    out["executions"] = executions;
    out["errors"] = errors;
    out["ok"] = errors.empty();
  };
  {
    std::optional<flockcpp::TracedRun> run;
    work(run);
  }
  out["artifacts"] = artifacts_json(flock);
  out["elapsed_ms"] = ms_since(t0);
  if (scenario == "tools") {
    std::lock_guard lock(g_tools.mu);
    out["tool_log"] = g_tools.calls;
    out["max_concurrent"] = g_tools.max_running;
    out["tool_schemas"] = Json{{"price_of", flockcpp::schema_of<Topping>()}, {"forecast", flockcpp::schema_of<Place>()},
                               {"oven", flockcpp::schema_of<Oven>()},        {"nap", flockcpp::schema_of<Nap>()},
                               {"basket", flockcpp::schema_of<Basket>()}};
  }
  flockcpp::tracing::force_flush();
  emit(out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: flock_llm_scenarios <scenario> [key=value ...]\n");
    return 2;
  }
  std::string scenario = argv[1];
  Args args;
  for (int i = 2; i < argc; ++i) {
    std::string s = argv[i];
    auto eq = s.find('=');
    if (eq == std::string::npos) {
      std::fprintf(stderr, "flock_llm_scenarios: argument '%s' is not key=value\n", s.c_str());
      return 2;
    }
    args.kv[s.substr(0, eq)] = s.substr(eq + 1);
  }
  try {
    return run(scenario, args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "flock_llm_scenarios %s: uncaught exception: %s\n", scenario.c_str(), e.what());
    return 3;
  }
}

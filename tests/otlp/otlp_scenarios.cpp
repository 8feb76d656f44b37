// flock_otlp_scenarios: real programs for the OTLP and W3C Trace Context
// tests. Everything is configured through the environment, as a user would
// (OTEL_EXPORTER_OTLP_*, OTEL_BSP_*, OTEL_SERVICE_NAME, ...; FLOCK_TRACE_FILE
// and FLOCK_TRACE_PATH for the DuckDB file). Public API only. Facts the tests
// need are printed to stdout as one JSON object per line; the last line is
// {"final": true, "stats": ..., "otlp": ...} with the pipeline counters.
//
//   flock_otlp_scenarios workflow
//   flock_otlp_scenarios remote            (FLOCK_TEST_TRACEPARENT / FLOCK_TEST_TRACESTATE)
//   flock_otlp_scenarios parse <cases.json>
//   flock_otlp_scenarios long <stop-file> [max-seconds] [sleep-ms]
//   flock_otlp_scenarios bulk <workflows>
//   flock_otlp_scenarios config
#include <flock/flock.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace otlpscen {
struct Idea { std::string text; int n = 0; };
struct Draft { std::string text; int n = 0; };
struct Review { std::string text; int n = 0; };
struct Task { int n = 0; };
struct Step { int n = 0; };
struct Done { int n = 0; };
FLOCK_TYPE(Idea, text, n)
FLOCK_TYPE(Draft, text, n)
FLOCK_TYPE(Review, text, n)
FLOCK_TYPE(Task, n)
FLOCK_TYPE(Step, n)
FLOCK_TYPE(Done, n)
}  // namespace otlpscen

using flockcpp::Json;
using namespace otlpscen;

namespace {

std::mutex g_out_mu;
void emit(const Json& j) {
  std::lock_guard lock(g_out_mu);
  std::cout << j.dump(-1, ' ', false, Json::error_handler_t::replace) << std::endl;
}

const char* env_or(const char* name, const char* def) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : def;
}

Json otlp_stats_json(const std::optional<flockcpp::OtlpExporterStats>& o) {
  if (!o) return Json();
  return Json{{"spans_sent", o->spans_sent},
              {"spans_rejected", o->spans_rejected},
              {"spans_dropped", o->spans_dropped},
              {"requests", o->requests},
              {"retries", o->retries}};
}

// Flushes (bounded by FLOCK_TEST_FLUSH_MS, default 60 s) and prints the
// counters of the pipeline and of the OTLP exporter.
void final_stats() {
  auto timeout = std::chrono::milliseconds(std::atoll(env_or("FLOCK_TEST_FLUSH_MS", "60000")));
  bool ok = flockcpp::tracing::force_flush(timeout);
  flockcpp::TraceStats s = flockcpp::tracing::stats();
  emit(Json{{"final", true},
            {"flush_ok", ok},
            {"stats",
             Json{{"ended", s.spans_ended},
                  {"exported", s.spans_exported},
                  {"dropped", s.spans_dropped},
                  {"lost", s.spans_lost},
                  {"retries", s.export_retries},
                  {"pending", s.spans_pending}}},
            {"otlp", otlp_stats_json(s.otlp)}});
}

Json context_json(const flockcpp::SpanContext& c) {
  return Json{{"trace_id", flockcpp::to_hex(c.trace_id)},
              {"span_id", flockcpp::to_hex(c.span_id)},
              {"sampled", c.sampled},
              {"remote", c.remote},
              {"valid", c.valid()},
              {"tracestate", c.trace_state != nullptr ? Json(*c.trace_state) : Json()},
              {"traceparent_out", flockcpp::format_traceparent(c)},
              {"tracestate_out", flockcpp::format_tracestate(c)}};
}

Json headers_json(const flockcpp::HttpHeaders& h) {
  Json j = Json::object();
  for (const auto& [k, v] : h) j[k] = v;
  return j;
}

void add_chain(flockcpp::Flock& flock, bool with_failure) {
  flock.agent("writer").consumes<Idea>().publishes<Draft>().with_engine(
      flockcpp::function_engine([](const Idea& i) { return Draft{"draft of " + i.text, i.n}; }));
  flock.agent("editor").consumes<Draft>().publishes<Review>().with_engine(
      flockcpp::function_engine([](const Draft& d) { return Review{"review of " + d.text, d.n}; }));
  if (with_failure) {
    flock.agent("saboteur").consumes<Draft>().publishes<Review>().with_engine(
        flockcpp::function_engine([](const Draft&) -> Review { throw std::runtime_error("saboteur refuses the draft"); }));
  }
}

// A traced workflow: a chain of agents plus one that fails; the workflow
// span carries attributes of every type, events and an ERROR status; a
// CLIENT and a PRODUCER span sit under it.
int workflow() {
  Json out;
  {
    flockcpp::Flock flock;
    add_chain(flock, true);
    auto run = flock.traced_run("otlp_workflow");
    run.set_attribute("attr.bool", true);
    run.set_attribute("attr.int", 10000);
    run.set_attribute("attr.int_negative", -42);
    run.set_attribute("attr.int_big", std::int64_t{9007199254740993});  // 2^53 + 1: not a JS double
    run.set_attribute("attr.double", 3.25);
    run.set_attribute("attr.string", "h\xC3\xA9llo \xE2\x9C\x93");  // "héllo ✓"
    run.set_attribute("attr.bool_array", std::vector<bool>{true, false, true});
    run.set_attribute("attr.int_array", std::vector<std::int64_t>{1, -2, 3000000000});
    run.set_attribute("attr.double_array", std::vector<double>{0.5, -1.25});
    run.set_attribute("attr.string_array", std::vector<std::string>{"a", "b c"});
    run.add_event("checkpoint", {{"stage", std::string("one")},
                                 {"bytes", std::int64_t{7}},
                                 {"ok", true},
                                 {"ratio", 0.5},
                                 {"tags", std::vector<std::string>{"x", "y"}}});
    run.add_event("no_attributes");
    std::string client_id, producer_id;
    {
      auto client = flockcpp::start_span("Http.call", flockcpp::SpanKind::Client);
      client.set_attribute("http.request.method", "POST");
      client.set_status(flockcpp::StatusCode::Ok);
      client_id = client.span_id();
      auto producer = flockcpp::start_span("Queue.send", flockcpp::SpanKind::Producer);
      producer_id = producer.span_id();
    }
    flock.publish(Idea{"blackboards", 1}, {.correlation_id = "corr-otlp-1"});
    auto report = flock.run_until_idle();
    run.set_status(flockcpp::StatusCode::Error, "workflow failed on purpose");
    out = Json{{"trace_id", run.trace_id()},
               {"span_id", run.span_id()},
               {"client_span_id", client_id},
               {"producer_span_id", producer_id},
               {"executions", report.executions},
               {"errors", report.errors.size()},
               {"reviews", flock.store().get_by_type<Review>().size()}};
    run.end();
  }
  emit(out);
  final_stats();
  return 0;
}

// Continues a trace from FLOCK_TEST_TRACEPARENT / FLOCK_TEST_TRACESTATE (as
// an incoming request's headers) and prints the headers it would send out:
// from the workflow and from inside an agent.
int remote() {
  flockcpp::HttpHeaders incoming;
  if (const char* tp = std::getenv("FLOCK_TEST_TRACEPARENT")) incoming["TraceParent"] = tp;  // any case
  if (const char* ts = std::getenv("FLOCK_TEST_TRACESTATE")) incoming["TRACESTATE"] = ts;
  std::optional<flockcpp::SpanContext> parent = flockcpp::extract_trace_context(incoming);
  Json out{{"extracted", parent ? context_json(*parent) : Json()}};
  {
    flockcpp::Flock flock;
    std::mutex mu;
    Json from_agent = Json::array();
    flock.agent("caller").consumes<Idea>().publishes<Draft>().with_engine(flockcpp::function_engine([&](const Idea& i) {
      flockcpp::HttpHeaders h;
      flockcpp::inject_trace_context(h);
      std::lock_guard lock(mu);
      from_agent.push_back(headers_json(h));
      return Draft{i.text, i.n};
    }));
    auto run = parent ? flock.traced_run("remote_workflow", *parent) : flock.traced_run("remote_workflow");
    flockcpp::HttpHeaders outgoing;
    flockcpp::inject_trace_context(outgoing);
    flockcpp::HttpHeaders explicit_ctx;
    flockcpp::inject_trace_context(explicit_ctx, run.context());
    flock.publish(Idea{"remote", 1});
    flock.run_until_idle();
    out["trace_id"] = run.trace_id();
    out["span_id"] = run.span_id();
    out["outgoing"] = headers_json(outgoing);
    out["outgoing_explicit"] = headers_json(explicit_ctx);
    run.end();
    std::lock_guard lock(mu);
    out["from_agent"] = from_agent;
  }
  flockcpp::HttpHeaders after;
  flockcpp::inject_trace_context(after);
  out["after_run"] = headers_json(after);
  emit(out);
  final_stats();
  return 0;
}

// parse_traceparent on every case of a JSON file:
// [{"traceparent": "...", "tracestate": "..."}, ...]
int parse(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream buf;
  buf << in.rdbuf();
  Json cases = Json::parse(buf.str());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Json& c = cases[i];
    std::string tp = c.value("traceparent", "");
    std::string ts = c.value("tracestate", "");
    auto parsed = flockcpp::parse_traceparent(tp, ts);
    flockcpp::HttpHeaders h{{"traceparent", tp}};
    if (!ts.empty()) h["tracestate"] = ts;
    auto extracted = flockcpp::extract_trace_context(h);
    emit(Json{{"case", i},
              {"parsed", parsed ? context_json(*parsed) : Json()},
              {"extracted", extracted ? context_json(*extracted) : Json()}});
  }
  emit(Json{{"parsed_all", cases.size()}});
  return 0;
}

// Workflows (Task -> Step -> Done) until the stop file exists or
// max_seconds pass; prints {"completed": i, "span_id": ...} after each.
int long_running(const std::string& stop_file, int max_seconds, int sleep_ms) {
  {
    flockcpp::Flock flock;
    flock.agent("stepper").consumes<Task>().publishes<Step>().with_engine(
        flockcpp::function_engine([](const Task& t) { return Step{t.n}; }));
    flock.agent("finisher").consumes<Step>().publishes<Done>().with_engine(
        flockcpp::function_engine([](const Step& s) { return Done{s.n}; }));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(max_seconds);
    int i = 0;
    for (; std::chrono::steady_clock::now() < deadline && !std::filesystem::exists(stop_file); ++i) {
      std::string trace_id, span_id;
      {
        auto it = flock.traced_run("iteration");
        it.set_attribute("iteration", i);
        trace_id = it.trace_id();
        span_id = it.span_id();
        flock.publish(Task{i});
        flock.run_until_idle();
      }
      emit(Json{{"completed", i}, {"trace_id", trace_id}, {"span_id", span_id}});
      if (sleep_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
    }
    emit(Json{{"stopped", true}, {"iterations", i}});
  }
  final_stats();
  return 0;
}

// n small workflows, one after the other.
int bulk(int n) {
  {
    flockcpp::Flock flock;
    flock.agent("stepper").consumes<Task>().publishes<Step>().with_engine(
        flockcpp::function_engine([](const Task& t) { return Step{t.n}; }));
    for (int i = 0; i < n; ++i) {
      auto run = flock.traced_run("bulk_workflow");
      run.set_attribute("index", i);
      flock.publish(Task{i});
      flock.run_until_idle();
    }
    emit(Json{{"workflows", n}});
  }
  final_stats();
  return 0;
}

// The OTLP settings the library read from the environment.
int config() {
  flockcpp::TraceConfig c = flockcpp::tracing::current_config();
  Json j{{"sdk_disabled", c.sdk_disabled}, {"service_name", c.service_name}, {"trace_file", c.trace_file}};
  if (c.otlp) {
    Json headers = Json::array();
    for (const auto& [k, v] : c.otlp->headers) headers.push_back(Json::array({k, v}));
    j["otlp"] = Json{{"endpoint", c.otlp->endpoint},
                     {"protocol", c.otlp->protocol == flockcpp::OtlpProtocol::HttpJson ? "http/json" : "http/protobuf"},
                     {"headers", headers},
                     {"timeout_ms", c.otlp->timeout.count()},
                     {"gzip", c.otlp->gzip},
                     {"max_queue_size", c.otlp->max_queue_size},
                     {"max_export_batch_size", c.otlp->max_export_batch_size},
                     {"schedule_delay_ms", c.otlp->schedule_delay.count()}};
  } else {
    j["otlp"] = Json();
  }
  emit(j);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: flock_otlp_scenarios <scenario> [args...]\n");
    return 2;
  }
  std::string s = argv[1];
  auto arg = [&](int i, const char* def) { return std::string(argc > i ? argv[i] : def); };
  try {
    if (s == "workflow") return workflow();
    if (s == "remote") return remote();
    if (s == "parse") return parse(arg(2, ""));
    if (s == "long") return long_running(arg(2, ""), std::atoi(arg(3, "60").c_str()), std::atoi(arg(4, "20").c_str()));
    if (s == "bulk") return bulk(std::atoi(arg(2, "20").c_str()));
    if (s == "config") return config();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "flock_otlp_scenarios %s: uncaught exception: %s\n", s.c_str(), e.what());
    return 3;
  }
  std::fprintf(stderr, "flock_otlp_scenarios: unknown scenario '%s'\n", s.c_str());
  return 2;
}

#include <atomic>
#include <mutex>
#include <thread>

#include "test_support.hpp"

using namespace flockcpp;
using flockcpp::testing_support::TracedTest;

struct Idea {
  std::string text;
};
struct Draft {
  std::string text;
  int round = 0;
};
struct Review {
  std::string verdict;
};
struct Summary {
  std::string text;
};
FLOCK_TYPE(Idea, text)
FLOCK_TYPE(Draft, text, round)
FLOCK_TYPE(Review, verdict)
FLOCK_TYPE(Summary, text)

namespace {
class Orchestration : public TracedTest {};

// Records the hooks it sees; overrides all but on_pre_consume.
class Recorder : public Component {
 public:
  explicit Recorder(std::vector<std::string>& log, std::mutex& mu) : log_(log), mu_(mu) {}
  void on_initialize(AgentContext&) override { add("on_initialize"); }
  void on_pre_evaluate(AgentContext&, EvalInputs&) override { add("on_pre_evaluate"); }
  void on_post_evaluate(AgentContext&, EvalResult&) override { add("on_post_evaluate"); }
  void on_post_publish(AgentContext&, const Artifact& a) override { add("on_post_publish:" + a.type); }
  void on_error(AgentContext&, std::exception_ptr) override { add("on_error"); }
  void on_terminate(AgentContext&) override { add("on_terminate"); }

 private:
  void add(std::string s) {
    std::lock_guard lock(mu_);
    log_.push_back(std::move(s));
  }
  std::vector<std::string>& log_;
  std::mutex& mu_;
};
}  // namespace

TEST_F(Orchestration, ChainAndFanOutFormOneTrace) {
  Flock flock;
  flock.agent("writer").consumes<Idea>().publishes<Draft>().with_engine(
      function_engine([](const Idea& i) { return Draft{"draft of " + i.text, 1}; }));
  flock.agent("critic").consumes<Draft>().publishes<Review>().with_engine(
      function_engine([](const Draft&) { return Review{"good"}; }));
  flock.agent("summarizer").consumes<Draft>().publishes<Summary>().with_engine(
      function_engine([](const Draft& d) { return Summary{d.text.substr(0, 5)}; }));
  flock.agent("archivist").consumes<Review>().publishes<Summary>().with_engine(
      function_engine([](const Review& r) { return Summary{"archived " + r.verdict}; }));
  std::string trace;
  RunReport report;
  {
    auto run = flock.traced_run("pipeline");
    trace = run.trace_id();
    flock.publish(Idea{"pizza"});
    report = flock.run_until_idle();
  }
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.executions, 4u);
  EXPECT_EQ(flock.store().get_by_type<Summary>().size(), 2u);
  EXPECT_EQ(flock.store().get_by_type<Draft>().at(0).text, "draft of pizza");

  auto all = spans();
  for (const auto& s : all) EXPECT_EQ(to_hex(s.trace_id), trace) << s.name;
  const SpanData* workflow = find(all, "pipeline");
  const SpanData* publish = find(all, "Flock.publish");
  const SpanData* idle = find(all, "Flock.run_until_idle");
  const SpanData* shutdown = find(all, "Flock.shutdown");
  ASSERT_TRUE(workflow && publish && idle && shutdown);
  EXPECT_EQ(publish->parent_span_id, workflow->span_id);
  EXPECT_EQ(idle->parent_span_id, workflow->span_id);
  EXPECT_EQ(shutdown->parent_span_id, idle->span_id);

  auto executes = all_named(all, "Agent.execute");
  ASSERT_EQ(executes.size(), 4u);
  std::map<std::string, const SpanData*> by_agent;
  for (auto* e : executes) by_agent[std::get<std::string>(*attr(*e, "agent.name"))] = e;
  EXPECT_EQ(by_agent["writer"]->parent_span_id, publish->span_id);
  EXPECT_EQ(by_agent["critic"]->parent_span_id, by_agent["writer"]->span_id);
  EXPECT_EQ(by_agent["summarizer"]->parent_span_id, by_agent["writer"]->span_id);
  EXPECT_EQ(by_agent["archivist"]->parent_span_id, by_agent["critic"]->span_id);
  EXPECT_EQ(std::get<std::string>(*attr(*by_agent["writer"], "output.type")), "Draft");
  auto value = Json::parse(std::get<std::string>(*attr(*by_agent["writer"], "output.value")));
  EXPECT_EQ(value["text"], "draft of pizza");

  // Hook spans under each execution: the built-in component and the engine.
  for (auto* e : executes) {
    std::vector<std::string> kids;
    for (const auto& s : all)
      if (s.parent_span_id == e->span_id && s.name.find("Agent.execute") == std::string::npos) kids.push_back(s.name);
    std::sort(kids.begin(), kids.end());
    EXPECT_EQ(kids, (std::vector<std::string>{"FunctionEngine.evaluate", "OutputUtilityComponent.on_initialize",
                                              "OutputUtilityComponent.on_post_evaluate"}));
  }
}

TEST_F(Orchestration, WithoutTracedRunEachTopLevelCallIsItsOwnRoot) {
  Flock flock;
  flock.agent("writer").consumes<Idea>().publishes<Draft>().with_engine(
      function_engine([](const Idea& i) { return Draft{i.text, 0}; }));
  flock.publish(Idea{"a"});
  flock.run_until_idle();
  auto all = spans();
  const SpanData* publish = find(all, "Flock.publish");
  const SpanData* idle = find(all, "Flock.run_until_idle");
  ASSERT_TRUE(publish && idle);
  EXPECT_TRUE(is_zero(publish->parent_span_id));
  EXPECT_TRUE(is_zero(idle->parent_span_id));
  EXPECT_NE(publish->trace_id, idle->trace_id);
  EXPECT_EQ(find(all, "Agent.execute")->trace_id, publish->trace_id);
}

TEST_F(Orchestration, AutoWorkflowGroupsPublishAndRunUntilIdle) {
  TraceConfig config;
  config.auto_workflow_trace = true;
  configure(config);
  Flock flock;
  flock.agent("writer").consumes<Idea>().publishes<Draft>().with_engine(
      function_engine([](const Idea& i) { return Draft{i.text, 0}; }));
  flock.publish(Idea{"a"});
  flock.publish(Idea{"b"});
  flock.run_until_idle();
  EXPECT_FALSE(current_span_context().valid());
  flock.publish(Idea{"c"});  // a second workflow
  flock.run_until_idle();
  auto all = spans();
  auto workflows = all_named(all, "workflow");
  ASSERT_EQ(workflows.size(), 2u);
  auto publishes = all_named(all, "Flock.publish");
  ASSERT_EQ(publishes.size(), 3u);
  EXPECT_EQ(publishes[0]->parent_span_id, publishes[1]->parent_span_id);
  const SpanData* first = parent_of(all, *publishes[0]);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->name, "workflow");
  EXPECT_EQ(std::get<bool>(*attr(*first, "flock.workflow")), true);
  EXPECT_NE(publishes[2]->trace_id, publishes[0]->trace_id);
  for (auto* idle : all_named(all, "Flock.run_until_idle")) EXPECT_EQ(parent_of(all, *idle)->name, "workflow");
}

TEST_F(Orchestration, FailingAgentIsRecordedAndOthersGoOn) {
  Flock flock;
  std::vector<std::string> log;
  std::mutex mu;
  flock.agent("oven").consumes<Draft>().publishes<Review>().with_component(std::make_shared<Recorder>(log, mu))
      .with_engine(function_engine([](const Draft&) -> Review { throw std::runtime_error("oven on fire"); }));
  flock.agent("critic").consumes<Draft>().publishes<Review>().with_engine(
      function_engine([](const Draft&) { return Review{"fine"}; }));
  RunReport report;
  {
    auto run = flock.traced_run("bake");
    flock.publish(Draft{"d", 0});
    report = flock.run_until_idle();
  }
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_EQ(report.errors[0].agent, "oven");
  EXPECT_EQ(report.errors[0].message, "oven on fire");
  EXPECT_EQ(report.errors[0].exception_type, "std::runtime_error");
  EXPECT_EQ(flock.store().get_by_type<Review>().size(), 1u);
  EXPECT_NE(std::find(log.begin(), log.end(), "on_error"), log.end());
  EXPECT_EQ(log.back(), "on_terminate");

  auto all = spans();
  const SpanData* failed = nullptr;
  for (auto* e : all_named(all, "Agent.execute"))
    if (std::get<std::string>(*attr(*e, "agent.name")) == "oven") failed = e;
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->status, StatusCode::Error);
  EXPECT_EQ(failed->status_description, "oven on fire");
  ASSERT_FALSE(failed->events.empty());
  EXPECT_EQ(failed->events[0].name, "exception");
  EXPECT_EQ(to_hex(failed->span_id), report.errors[0].span_id);
  const SpanData* eval = find(all, "FunctionEngine.evaluate");
  EXPECT_TRUE(eval != nullptr);
  bool eval_error = false;
  for (auto* e : all_named(all, "FunctionEngine.evaluate"))
    if (e->parent_span_id == failed->span_id) eval_error = e->status == StatusCode::Error;
  EXPECT_TRUE(eval_error);
}

TEST_F(Orchestration, HooksRunInOrderAndOnlyOverriddenOnesGetSpans) {
  Flock flock;
  std::vector<std::string> log;
  std::mutex mu;
  flock.agent("writer").consumes<Idea>().publishes<Draft>().with_component(std::make_shared<Recorder>(log, mu))
      .with_engine(function_engine([](const Idea& i) { return Draft{i.text, 0}; }));
  flock.publish(Idea{"x"});
  flock.run_until_idle();
  EXPECT_EQ(log, (std::vector<std::string>{"on_initialize", "on_pre_evaluate", "on_post_evaluate",
                                           "on_post_publish:Draft", "on_terminate"}));
  auto all = spans();
  EXPECT_NE(find(all, "Recorder.on_initialize"), nullptr);
  EXPECT_NE(find(all, "Recorder.on_post_publish"), nullptr);
  EXPECT_NE(find(all, "Recorder.on_terminate"), nullptr);
  EXPECT_EQ(find(all, "Recorder.on_pre_consume"), nullptr);  // not overridden
  EXPECT_EQ(find(all, "Recorder.on_error"), nullptr);         // nothing failed
  // Hook spans start in lifecycle order under Agent.execute.
  const SpanData* exec = find(all, "Agent.execute");
  std::vector<std::pair<std::int64_t, std::string>> kids;
  for (const auto& s : all)
    if (s.parent_span_id == exec->span_id) kids.emplace_back(s.start_ns, s.name);
  std::sort(kids.begin(), kids.end());
  std::vector<std::string> names;
  for (auto& k : kids) names.push_back(k.second);
  EXPECT_EQ(names, (std::vector<std::string>{"OutputUtilityComponent.on_initialize", "Recorder.on_initialize",
                                             "Recorder.on_pre_evaluate", "FunctionEngine.evaluate",
                                             "OutputUtilityComponent.on_post_evaluate", "Recorder.on_post_evaluate",
                                             "Recorder.on_post_publish", "Recorder.on_terminate"}));
}

TEST_F(Orchestration, VectorAndOptionalOutputsAndPredicates) {
  Flock flock;
  flock.agent("splitter").consumes<Idea>().publishes<Draft>().with_engine(function_engine([](const Idea& i) {
    return std::vector<Draft>{{i.text, 1}, {i.text, 2}, {i.text, 3}};
  }));
  flock.agent("odd_only").consumes<Draft>([](const Draft& d) { return d.round % 2 == 1; }).publishes<Review>()
      .with_engine(function_engine([](const Draft& d) -> std::optional<Review> {
        if (d.round == 3) return std::nullopt;
        return Review{"round " + std::to_string(d.round)};
      }));
  flock.publish(Idea{"x"});
  auto report = flock.run_until_idle();
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(flock.store().get_by_type<Draft>().size(), 3u);
  auto reviews = flock.store().get_by_type<Review>();
  ASSERT_EQ(reviews.size(), 1u);
  EXPECT_EQ(reviews[0].verdict, "round 1");
  EXPECT_EQ(report.executions, 3u);  // splitter + odd_only twice
}

TEST_F(Orchestration, SelfTriggerPreventedByDefaultAndCascadesStopAtTheLimit) {
  Flock flock("", FlockOptions{.workers = 2, .max_agent_iterations = 50});
  flock.agent("reviser").consumes<Draft>().publishes<Draft>().with_engine(
      function_engine([](const Draft& d) { return Draft{d.text, d.round + 1}; }));
  flock.publish(Draft{"x", 0});
  auto report = flock.run_until_idle();
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.executions, 1u);

  Flock loop("", FlockOptions{.workers = 2, .max_agent_iterations = 50});
  loop.agent("forever").consumes<Draft>().publishes<Draft>().prevent_self_trigger(false).with_engine(
      function_engine([](const Draft& d) { return Draft{d.text, d.round + 1}; }));
  testing::internal::CaptureStderr();
  loop.publish(Draft{"x", 0});
  auto stopped = loop.run_until_idle();
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(stopped.iteration_limit_reached);
  EXPECT_EQ(stopped.executions, 50u);
  ASSERT_FALSE(stopped.errors.empty());
  EXPECT_NE(stopped.errors[0].message.find("max_agent_iterations"), std::string::npos);
  EXPECT_NE(err.find("cascade stopped"), std::string::npos);
  // The budget is per run: the next run works again.
  loop.publish(Draft{"y", 0});
  EXPECT_TRUE(loop.run_until_idle().iteration_limit_reached);
}

TEST_F(Orchestration, MaxConcurrencyBoundsParallelRuns) {
  Flock flock("", FlockOptions{.workers = 4});
  std::atomic<int> running{0}, peak{0};
  flock.agent("slow").consumes<Idea>().publishes<Review>().max_concurrency(2).with_engine(
      function_engine([&](const Idea&) {
        int now = ++running;
        int p = peak.load();
        while (now > p && !peak.compare_exchange_weak(p, now)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        --running;
        return Review{"ok"};
      }));
  for (int i = 0; i < 8; ++i) flock.publish(Idea{std::to_string(i)});
  flock.run_until_idle();
  EXPECT_EQ(flock.store().get_by_type<Review>().size(), 8u);
  EXPECT_EQ(peak.load(), 2);
}

TEST_F(Orchestration, BadInputIsAClearError) {
  Flock flock;
  flock.agent("a");
  EXPECT_THROW(flock.agent("a"), flockcpp::Error);
  try {
    flock.publish_json("Nope", Json::object());
    FAIL();
  } catch (const flockcpp::Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown artifact type 'Nope'"), std::string::npos);
    EXPECT_EQ(e.code(), flockcpp::ErrorCode::InvalidArgument);
  }
  try {
    flock.publish_json("Draft", Json{{"text", 1}, {"round", 0}});
    FAIL();
  } catch (const flockcpp::Error& e) {
    EXPECT_NE(std::string(e.what()).find("$.text: expected a string"), std::string::npos) << e.what();
  }
  EXPECT_THROW(flock.agent("b").max_concurrency(0), flockcpp::Error);
  EXPECT_EQ(flock.store().size(), 0u);
}

TEST_F(Orchestration, AgentWithoutEngineFailsClearly) {
  Flock flock;
  flock.agent("idle").consumes<Idea>();
  flock.publish(Idea{"x"});
  auto report = flock.run_until_idle();
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_NE(report.errors[0].message.find("has no engine"), std::string::npos);
}

TEST_F(Orchestration, ConcurrentWorkflowsDoNotCrossTalk) {
  Flock flock("", FlockOptions{.workers = 4});
  flock.agent("writer").consumes<Idea>().publishes<Draft>().max_concurrency(4).with_engine(
      function_engine([](const Idea& i) { return Draft{i.text, 0}; }));
  flock.agent("critic").consumes<Draft>().publishes<Review>().max_concurrency(4).with_engine(
      function_engine([](const Draft& d) { return Review{d.text}; }));
  constexpr int kThreads = 6;
  std::vector<std::thread> threads;
  std::vector<std::string> traces(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto run = flock.traced_run("wf" + std::to_string(t));
      traces[t] = run.trace_id();
      flock.publish(Idea{"t" + std::to_string(t)}, PublishOptions{.correlation_id = "c" + std::to_string(t)});
    });
  }
  for (auto& th : threads) th.join();
  flock.run_until_idle();
  auto all = spans();
  // Each execution sits in the trace of the workflow that published its input.
  int checked = 0;
  for (const auto& s : all) {
    if (s.name != "Agent.execute") continue;
    std::string corr = std::get<std::string>(*attr(s, "correlation_id"));
    int t = std::stoi(corr.substr(1));
    EXPECT_EQ(to_hex(s.trace_id), traces[t]);
    ++checked;
  }
  EXPECT_EQ(checked, 2 * kThreads);
}

TEST_F(Orchestration, RunUntilIdleInsideAnAgentIsRefused) {
  Flock flock;
  flock.agent("nested").consumes<Idea>().publishes<Review>().with_engine(
      function_engine([&flock](const Idea&) {
        flock.run_until_idle();
        return Review{"never"};
      }));
  flock.publish(Idea{"x"});
  auto report = flock.run_until_idle();
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_NE(report.errors[0].message.find("would wait for itself"), std::string::npos);
}

TEST_F(Orchestration, AutoTraceOffKeepsWorkflowSpansOnly) {
  TraceConfig config;
  config.auto_trace = false;
  configure(config);
  Flock flock;
  flock.agent("writer").consumes<Idea>().publishes<Draft>().with_engine(
      function_engine([](const Idea& i) { return Draft{i.text, 0}; }));
  {
    auto run = flock.traced_run("only_me");
    flock.publish(Idea{"x"});
    flock.run_until_idle();
  }
  auto all = spans();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].name, "only_me");
}

TEST_F(Orchestration, IgnoredAndServiceFilteredSpansAreSkippedButChildrenStillJoin) {
  TraceConfig config;
  config.ignore = {"Flock.publish"};
  config.services = {"agent", "flock"};
  configure(config);
  Flock flock;
  flock.agent("writer").consumes<Idea>().publishes<Draft>().with_engine(
      function_engine([](const Idea& i) { return Draft{i.text, 0}; }));
  std::string trace;
  {
    auto run = flock.traced_run("filtered");
    trace = run.trace_id();
    flock.publish(Idea{"x"});
    flock.run_until_idle();
  }
  auto all = spans();
  EXPECT_EQ(find(all, "Flock.publish"), nullptr);
  EXPECT_EQ(find(all, "FunctionEngine.evaluate"), nullptr);  // service not listed
  const SpanData* exec = find(all, "Agent.execute");
  ASSERT_NE(exec, nullptr);
  EXPECT_EQ(to_hex(exec->trace_id), trace);
  EXPECT_EQ(parent_of(all, *exec)->name, "filtered");  // the ignored publish is skipped over
  EXPECT_NE(find(all, "Flock.run_until_idle"), nullptr);
}

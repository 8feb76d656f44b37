#include "realistic.hpp"

#include "tracing/ids.hpp"
#include "tracing/span_control.hpp"

struct BenchIdea {
  std::string text;
  int n = 0;
};
struct BenchDraft {
  std::string text;
  int n = 0;
};
struct BenchDish {
  std::string text;
  int n = 0;
};
FLOCK_TYPE(BenchIdea, text, n)
FLOCK_TYPE(BenchDraft, text, n)
FLOCK_TYPE(BenchDish, text, n)

namespace flock_bench {

const Realistic& realistic() {
  static const Realistic r;
  return r;
}

void fill(flockcpp::Span& span, const Realistic& r) {
  span.set_attribute("agent.name", r.agent_name);
  span.set_attribute("correlation_id", r.correlation_id);
  span.set_attribute("input.type", r.input_type);
  span.set_attribute("input.artifact_id", r.artifact_id);
  span.set_attribute("input.produced_by", r.produced_by);
  flockcpp::detail::set_json_attribute(span, "input.value", r.input_value);
  span.set_attribute("output.count", 1);
  span.set_attribute("output.type", r.output_type);
  span.set_status(flockcpp::StatusCode::Ok);
}

flockcpp::SpanData make_span_data(const Realistic& r) {
  flockcpp::SpanData s;
  s.trace_id = flockcpp::detail::new_trace_id();
  s.span_id = flockcpp::detail::new_span_id();
  s.name = "Agent.execute";
  s.start_ns = flockcpp::detail::now_ns();
  s.end_ns = s.start_ns + 1500;
  s.status = flockcpp::StatusCode::Ok;
  s.attributes = {{"agent.name", r.agent_name},
                  {"correlation_id", r.correlation_id},
                  {"input.type", r.input_type},
                  {"input.artifact_id", r.artifact_id},
                  {"input.produced_by", r.produced_by},
                  {"input.value", r.input_value},
                  {"output.count", std::int64_t{1}},
                  {"output.type", r.output_type}};
  return s;
}

void traced_trace(const Realistic& r) {
  flockcpp::Span root = flockcpp::start_span("Agent.execute");
  {
    flockcpp::ContextScope scope(root.context());
    for (int k = 1; k < kSpansPerTrace; ++k) {
      flockcpp::Span child = flockcpp::start_span("Agent.execute");
      fill(child, r);
    }
  }
  fill(root, r);
}

void append_trace_data(const Realistic& r, std::vector<flockcpp::SpanData>& out) {
  flockcpp::SpanData root = make_span_data(r);
  for (int k = 1; k < kSpansPerTrace; ++k) {
    flockcpp::SpanData child = make_span_data(r);
    child.trace_id = root.trace_id;
    child.parent_span_id = root.span_id;
    out.push_back(std::move(child));
  }
  out.push_back(std::move(root));
}

std::unique_ptr<flockcpp::Flock> make_two_agent_flock() {
  auto f = std::make_unique<flockcpp::Flock>("");
  f->agent("drafter")
      .description("turns an idea into a draft")
      .consumes<BenchIdea>()
      .publishes<BenchDraft>()
      .with_engine(flockcpp::function_engine([](const BenchIdea& i) { return BenchDraft{i.text + " (draft)", i.n}; }));
  f->agent("finisher")
      .description("turns a draft into a dish")
      .consumes<BenchDraft>()
      .publishes<BenchDish>()
      .with_engine(flockcpp::function_engine([](const BenchDraft& d) { return BenchDish{d.text + " (done)", d.n}; }));
  return f;
}

void one_workflow(flockcpp::Flock& f, int n) {
  auto run = f.traced_run("bench_workflow");
  run.set_attribute("bench.n", n);
  f.publish(BenchIdea{"truffle pizza", n});
  f.run_until_idle();
}

std::size_t dishes(flockcpp::Flock& f) { return f.store().get_by_type<BenchDish>().size(); }

}  // namespace flock_bench

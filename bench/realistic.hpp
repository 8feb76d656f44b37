// What the benchmarks trace: an Agent.execute span as the orchestrator
// records it (src/core/agent_run.cpp), and a two-agent workflow.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <flock/flock.hpp>

#include "common.hpp"  // kSpansPerTrace: a workflow's shape in the file

namespace flock_bench {

struct Realistic {
  std::string agent_name = "pizza_master";
  std::string correlation_id = "3f2c9a4e-7b1d-4c8e-9a5f-2d6b8e1c0a47";
  std::string input_type = "PizzaIdea";
  std::string artifact_id = "a81bc81b-dead-4e5d-abff-90865d1e13b1";
  std::string produced_by = "external";
  std::shared_ptr<const flockcpp::Json> input_value = std::make_shared<const flockcpp::Json>(flockcpp::Json{
      {"description", "something with truffles, wild mushrooms and a little too much parmesan"},
      {"budget", 24.5},
      {"toppings", {"truffle", "mozzarella", "porcini"}},
      {"size_cm", 30}});
  std::string output_type = "Pizza";
};

const Realistic& realistic();
// Sets the span's attributes as an agent execution does.
void fill(flockcpp::Span& span, const Realistic& r);
// The same span as the exporter receives it (a new trace and span id).
flockcpp::SpanData make_span_data(const Realistic& r);

// One trace of kSpansPerTrace realistic spans through the tracing API.
void traced_trace(const Realistic& r);
// The same trace as the exporter receives it, appended to `out`.
void append_trace_data(const Realistic& r, std::vector<flockcpp::SpanData>& out);

// Two agents: an idea becomes a draft, the draft a dish.
std::unique_ptr<flockcpp::Flock> make_two_agent_flock();
// One workflow under traced_run: publish, run until idle.
void one_workflow(flockcpp::Flock& f, int n);
// Dishes on the blackboard (one per finished workflow).
std::size_t dishes(flockcpp::Flock& f);

}  // namespace flock_bench

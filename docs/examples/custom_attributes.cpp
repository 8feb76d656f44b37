// docs/examples/custom_attributes.cpp
#include <flock/flock.hpp>

#include <cstdint>
#include <iostream>

struct TrainingData {
  std::vector<double> samples;
};
struct Model {
  double score = 0;
};
FLOCK_TYPE(TrainingData, samples)
FLOCK_TYPE(Model, score)

int main() {
  flockcpp::Flock flock;
  flock.agent("trainer").consumes<TrainingData>().publishes<Model>().with_engine(
      flockcpp::function_engine([](const TrainingData& d) { return Model{d.samples.empty() ? 0.0 : 0.93}; }));

  auto span = flock.traced_run("ml_pipeline");
  // Add custom attributes to the workflow span: bool, integer, double,
  // string, or a vector of one of them.
  span.set_attribute("pipeline.version", "2.0");
  span.set_attribute("dataset.size", 10000);
  span.set_attribute("model.learning_rate", 0.001);
  span.set_attribute("model.early_stopping", true);
  span.set_attribute("dataset.splits", std::vector<std::string>{"train", "validation", "test"});

  flock.publish(TrainingData{{0.1, 0.2, 0.3}});
  flock.run_until_idle();

  // Events mark a moment inside the span, with attributes of their own.
  span.add_event("checkpoint_saved", {{"epoch", std::int64_t{3}}, {"path", std::string("/tmp/model.ckpt")}});
  std::cout << "ml_pipeline " << span.trace_id() << " span " << span.span_id() << "\n";
}

// flockcpp::Flock: the public facade over the orchestrator.
#include "core/orchestrator.hpp"
#include "flock/orchestrator.hpp"

namespace flockcpp {

Flock::Flock(std::string model, FlockOptions options)
    : impl_(std::make_unique<detail::Orchestrator>(*this, std::move(model), options)) {}

Flock::~Flock() = default;

AgentBuilder& Flock::agent(std::string name) { return impl_->add_agent(std::move(name)); }

ArtifactPtr Flock::publish_json(const std::string& type, Json payload, PublishOptions options) {
  return impl_->publish_external(type, std::move(payload), std::move(options));
}

RunReport Flock::run_until_idle() { return impl_->run_until_idle(); }

BlackboardStore& Flock::store() { return impl_->store(); }
const std::string& Flock::model() const { return impl_->model(); }
std::vector<std::string> Flock::agent_names() const { return impl_->agent_names(); }

TracedRun Flock::traced_run(std::string_view name) { return TracedRun(name, nullptr); }

TracedRun Flock::traced_run(std::string_view name, const SpanContext& remote_parent) {
  return TracedRun(name, &remote_parent);
}

}  // namespace flockcpp

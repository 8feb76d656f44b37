#include "core/orchestrator.hpp"

#include <algorithm>

#include <chrono>
#include <cstdio>
#include <stdexcept>

#include "core/agent_run.hpp"
#include "core/output_utility_component.hpp"
#include "flock/llm.hpp"
#include "tracing/ids.hpp"
#include "tracing/pipeline.hpp"
#include "tracing/signals.hpp"
#include "tracing/span_control.hpp"
#include "common/log.hpp"
#include "flock/error.hpp"

namespace flockcpp::detail {
namespace {

std::string new_uuid() {
  SpanId a = new_span_id();
  SpanId b = new_span_id();
  TraceId t;
  std::copy(a.begin(), a.end(), t.begin());
  std::copy(b.begin(), b.end(), t.begin() + 8);
  t[6] = static_cast<std::uint8_t>((t[6] & 0x0F) | 0x40);  // version 4
  t[8] = static_cast<std::uint8_t>((t[8] & 0x3F) | 0x80);  // RFC 4122 variant
  std::string h = to_hex(t);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

}  // namespace

Orchestrator::Orchestrator(Flock& owner, std::string model, FlockOptions options)
    : owner_(owner), model_(std::move(model)), options_(options), scheduler_(options.workers) {
  if (model_.empty()) {
    if (const char* m = std::getenv("DEFAULT_MODEL")) model_ = m;
  }
  ensure_pipeline();
  signal_hook_ = add_signal_hook([this](int) { on_signal(); });
}

Orchestrator::~Orchestrator() {
  remove_signal_hook(signal_hook_);
  cancelled_.store(true);
  {
    std::unique_lock lock(mu_);
    idle_cv_.wait(lock, [this] { return outstanding_ == 0; });
  }
  scheduler_.stop();
  {
    std::lock_guard lock(workflow_mu_);
    auto_workflow_.reset();  // ends it
  }
  flush_while_writing();
}

// Waits for this Flock's spans while the exporters keep writing them; a
// writer that makes no progress for the exit grace (a full disk, a file held
// elsewhere) is not waited for longer: the spans stay queued for the exit
// flush, which has its own bound.
void Orchestrator::flush_while_writing() {
  const auto grace = tracing::current_config().exit_grace;
  for (;;) {
    TraceStats before = tracing::stats();
    if (tracing::force_flush(grace)) return;
    TraceStats after = tracing::stats();
    if (after.spans_exported == before.spans_exported && after.spans_lost == before.spans_lost) return;
  }
}

AgentBuilder& Orchestrator::add_agent(std::string name) {
  std::lock_guard lock(mu_);
  if (name.empty()) throw Error(ErrorCode::InvalidArgument, "agent name must not be empty");
  for (const auto& a : agents_) {
    if (a->name == name) throw Error(ErrorCode::InvalidArgument, "an agent named '" + name + "' already exists");
  }
  auto& spec = agents_.emplace_back(std::make_unique<AgentSpec>());
  spec->name = std::move(name);
  return *builders_.emplace_back(std::make_unique<AgentBuilder>(*this, *spec));
}

void Orchestrator::modify(AgentSpec& spec, const std::function<void(AgentSpec&)>& fn) {
  std::lock_guard lock(mu_);
  if (spec.frozen) throw Error(ErrorCode::FailedPrecondition, "agent '" + spec.name + "' cannot change after it has run");
  fn(spec);
}

std::vector<std::string> Orchestrator::agent_names() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& a : agents_) out.push_back(a->name);
  return out;
}

std::vector<Orchestrator::AgentInfo> Orchestrator::agents() const {
  std::lock_guard lock(mu_);
  std::vector<AgentInfo> out;
  for (const auto& a : agents_) {
    AgentInfo info{a->name, a->description, {}, a->publishes, a->max_concurrency, a->prevent_self_trigger};
    for (const auto& s : a->subscriptions) {
      if (std::find(info.consumes.begin(), info.consumes.end(), s.type) == info.consumes.end())
        info.consumes.push_back(s.type);
    }
    out.push_back(std::move(info));
  }
  return out;
}

void Orchestrator::add_to_blackboard(const ArtifactPtr& artifact) {
  store_.add(artifact);
  if (events_.active()) events_.emit(FlockEvent{FlockEvent::Kind::ArtifactPublished, artifact, {}, {}, {}, {}, {}});
}

ArtifactPtr Orchestrator::make_artifact(const std::string& type, Json payload, std::string produced_by,
                                        std::string correlation_id, std::vector<std::string> tags) {
  auto a = std::make_shared<Artifact>();
  a->id = new_uuid();
  a->type = type;
  a->payload = std::make_shared<const Json>(std::move(payload));
  a->produced_by = std::move(produced_by);
  a->correlation_id = correlation_id.empty() ? new_uuid() : std::move(correlation_id);
  a->tags = std::move(tags);
  a->created_at_ns = now_ns();
  return a;
}

SpanContext Orchestrator::workflow_parent() {
  SpanContext current = current_span_context();
  if (current.valid()) return current;
  std::lock_guard lock(workflow_mu_);
  if (auto_workflow_) return auto_workflow_->context();
  return current;
}

ArtifactPtr Orchestrator::publish_external(const std::string& type, Json payload, PublishOptions options) {
  const TypeInfo* info = TypeRegistry::global().find(type);
  if (info == nullptr) throw Error(ErrorCode::InvalidArgument, "unknown artifact type '" + type + "'");
  if (auto err = validate_against_schema(info->schema, payload)) {
    throw Error(ErrorCode::InvalidArgument, "payload does not fit type " + type + ": " + *err);
  }
  // FLOCK_AUTO_WORKFLOW_TRACE: a top-level publish opens a workflow span
  // that the next run_until_idle() closes.
  if (!current_span_context().valid() && tracing::current_config().auto_workflow_trace) {
    std::lock_guard lock(workflow_mu_);
    if (!auto_workflow_) {
      SpanContext none;
      auto_workflow_.emplace("workflow", &none);
      exchange_current(none);  // held by the Flock, not current on this thread
      auto_workflow_->set_attribute("flock.auto_workflow", true);
    }
  }
  Span span = start_auto_span("Flock.publish", workflow_parent());
  ContextScope scope(span.context());
  ArtifactPtr artifact = make_artifact(type, std::move(payload), "external", std::move(options.correlation_id),
                                       std::move(options.tags));
  span.set_attribute("artifact.type", artifact->type);
  span.set_attribute("artifact.id", artifact->id);
  span.set_attribute("correlation_id", artifact->correlation_id);
  if (!artifact->tags.empty()) span.set_attribute("artifact.tags", artifact->tags);
  add_to_blackboard(artifact);
  schedule(artifact, span.context(), nullptr);
  span.set_status(StatusCode::Ok);
  return artifact;
}

ArtifactPtr Orchestrator::publish_output(const AgentSpec& producer, const Output& out,
                                         const std::string& correlation_id, const SpanContext& parent) {
  ArtifactPtr artifact = make_artifact(out.type, out.payload, producer.name, correlation_id, {});
  add_to_blackboard(artifact);
  schedule(artifact, parent, &producer);
  return artifact;
}

void Orchestrator::freeze(AgentSpec& spec) {
  if (spec.frozen) return;
  spec.frozen = true;
  spec.pipeline.clear();
  spec.pipeline.push_back(std::make_shared<OutputUtilityComponent>());
  for (auto& c : spec.components) spec.pipeline.push_back(c);
  // An agent without an engine asks the Flock's model (docs/api-reference.md).
  if (!spec.engine && !model_.empty()) spec.engine = llm_engine();
  if (spec.engine) spec.pipeline.push_back(spec.engine);
  for (auto& c : spec.pipeline) {
    std::string prefix = c->name() + ".";
    auto& names = spec.span_names.emplace_back();
    for (std::size_t h = 0; h < kHookCount; ++h) names[h] = prefix + kHookNames[h];
  }
}

void Orchestrator::schedule(const ArtifactPtr& artifact, const SpanContext& parent, const AgentSpec* producer) {
  // Subscriptions are matched outside the lock: predicates are user code.
  std::vector<AgentSpec*> matched;
  {
    std::vector<AgentSpec*> candidates;
    {
      std::lock_guard lock(mu_);
      for (auto& a : agents_) candidates.push_back(a.get());
    }
    for (AgentSpec* a : candidates) {
      if (producer == a && a->prevent_self_trigger) continue;
      for (const auto& sub : a->subscriptions) {
        if (sub.type != artifact->type) continue;
        bool ok = true;
        if (sub.predicate) {
          try {
            ok = sub.predicate(*artifact);
          } catch (const std::exception& e) {
            ok = false;
            record_error(AgentError{a->name, "predicate", std::string("consumes() predicate threw: ") + e.what(),
                                    artifact->correlation_id, to_hex(parent.trace_id), to_hex(parent.span_id)});
          }
        }
        if (ok) {
          matched.push_back(a);
          break;
        }
      }
    }
  }
  std::lock_guard lock(mu_);
  for (AgentSpec* a : matched) {
    if (stopping_) return;
    if (executions_ >= static_cast<std::uint64_t>(options_.max_agent_iterations)) {
      if (!limit_reached_) {
        limit_reached_ = true;
        std::string msg = "cascade stopped: " + std::to_string(options_.max_agent_iterations) +
                          " agent executions in one run (FlockOptions::max_agent_iterations); agent '" + a->name +
                          "' and later ones were not run";
        detail::logf(LogLevel::Warning, "%s", msg.c_str());
        errors_.push_back(AgentError{a->name, "IterationLimit", msg, artifact->correlation_id,
                                     to_hex(parent.trace_id), to_hex(parent.span_id)});
      }
      return;
    }
    ++executions_;
    freeze(*a);
    ++outstanding_;
    start_locked(*a, AgentTask{a, artifact, parent});
  }
}

void Orchestrator::start_locked(AgentSpec& spec, AgentTask task) {
  if (spec.running >= std::max(1, spec.max_concurrency)) {
    spec.backlog.push_back(std::move(task));
    return;
  }
  ++spec.running;
  scheduler_.post([this, task = std::move(task)]() mutable { run_task(std::move(task)); });
}

void Orchestrator::run_task(AgentTask task) {
  bool skip;
  {
    std::lock_guard lock(mu_);
    skip = stopping_;
  }
  if (!skip) AgentRun(*this, *task.agent, task.artifact, task.parent).execute();
  std::lock_guard lock(mu_);
  AgentSpec& spec = *task.agent;
  --spec.running;
  if (!spec.backlog.empty() && !stopping_) {
    AgentTask next = std::move(spec.backlog.front());
    spec.backlog.pop_front();
    start_locked(spec, std::move(next));
  } else if (stopping_) {
    outstanding_ -= spec.backlog.size();
    spec.backlog.clear();
  }
  if (--outstanding_ == 0) idle_cv_.notify_all();
}

void Orchestrator::record_error(AgentError error) {
  std::lock_guard lock(mu_);
  errors_.push_back(std::move(error));
}

RunReport Orchestrator::run_until_idle() {
  if (Scheduler::on_worker_thread()) {
    throw Error(ErrorCode::FailedPrecondition, "run_until_idle() called from inside an agent would wait for itself");
  }
  Span span = start_auto_span("Flock.run_until_idle", workflow_parent());
  RunReport report;
  {
    ContextScope scope(span.context());
    // While work is queued, this thread runs it rather than sleeping while a
    // worker is woken for it: a short workflow then costs no hand-off.
    for (;;) {
      {
        std::lock_guard lock(mu_);
        if (outstanding_ == 0) break;
      }
      if (scheduler_.run_one()) continue;
      std::unique_lock lock(mu_);
      idle_cv_.wait(lock, [this] { return outstanding_ == 0; });
      break;
    }
    close_run(report);
  }
  span.set_attribute("flock.executions", static_cast<std::int64_t>(report.executions));
  span.set_attribute("flock.agent_errors", static_cast<std::int64_t>(report.errors.size()));
  if (report.iteration_limit_reached) {
    span.set_status(StatusCode::Error, "cascade stopped at max_agent_iterations");
  } else {
    span.set_status(StatusCode::Ok);
  }
  span.end();
  std::lock_guard lock(workflow_mu_);
  if (auto_workflow_) {
    if (!report.errors.empty()) {
      auto_workflow_->set_status(StatusCode::Error, std::to_string(report.errors.size()) + " agent error(s)");
    }
    auto_workflow_.reset();
  }
  return report;
}

void Orchestrator::close_run(RunReport& report) {
  // Named Flock.shutdown in traces, as in Python Flock's hierarchy: the run's
  // end, where its errors and counters are collected and reset.
  Span span = start_auto_span("Flock.shutdown");
  std::lock_guard lock(mu_);
  report.executions = executions_;
  report.errors = std::move(errors_);
  report.iteration_limit_reached = limit_reached_;
  errors_.clear();
  executions_ = 0;
  limit_reached_ = false;
  span.set_status(StatusCode::Ok);
}

void Orchestrator::on_signal() {
  // Stop scheduling, give running agents a moment to end their spans.
  cancelled_.store(true);
  std::unique_lock lock(mu_);
  stopping_ = true;
  idle_cv_.wait_for(lock, std::chrono::seconds(2), [this] { return outstanding_ == 0; });
}

}  // namespace flockcpp::detail

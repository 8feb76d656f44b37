#include "core/agent_run.hpp"

#include <stdexcept>

#include "core/hook_tracking.hpp"
#include "tracing/demangle.hpp"
#include "tracing/span_control.hpp"
#include "flock/error.hpp"

namespace flockcpp::detail {

template <class Fn>
void AgentRun::hook(std::size_t component, Hook h, Fn&& fn) {
  Span span = start_auto_span(spec_.span_names[component][h]);
  ContextScope scope(span.context());
  begin_hook();
  try {
    fn();
  } catch (...) {
    span.record_exception(std::current_exception());
    throw;
  }
  if (hook_was_default()) {
    discard_span(span);
  } else {
    span.set_status(StatusCode::Ok);
  }
}

void AgentRun::execute() {
  ContextScope outer(parent_);
  Span exec = start_auto_span("Agent.execute", parent_);
  ContextScope scope(exec.context());
  exec.set_attribute("agent.name", spec_.name);
  exec.set_attribute("correlation_id", input_->correlation_id);
  exec.set_attribute("input.type", input_->type);
  exec.set_attribute("input.artifact_id", input_->id);
  exec.set_attribute("input.produced_by", input_->produced_by);
  set_json_attribute(exec, "input.value", input_->payload);
  FlockEvents& events = orch_.events();
  auto notify = [&](FlockEvent::Kind kind, std::string error) {
    if (!events.active()) return;
    events.emit(FlockEvent{kind, input_, spec_.name, to_hex(exec.context().trace_id), to_hex(exec.context().span_id),
                           std::move(error), {}});
  };
  notify(FlockEvent::Kind::AgentStarted, {});
  bool failed = false;

  // Streamed text reaches live listeners while there are some.
  AgentContext::TokenSink tokens = [&events, agent = spec_.name](std::string_view text, const SpanContext& span) {
    if (!events.active()) return;
    events.emit(FlockEvent{FlockEvent::Kind::LlmToken, nullptr, agent, to_hex(span.trace_id), to_hex(span.span_id),
                           {}, std::string(text)});
  };
  AgentContext ctx(orch_.owner(), spec_.name, spec_.description, spec_.publishes, input_->correlation_id,
                   &orch_.cancelled(), std::move(tokens));
  const std::size_t n = spec_.pipeline.size();
  const bool has_engine = static_cast<bool>(spec_.engine);
  const std::size_t engine_index = n - 1;
  const std::size_t components_end = has_engine ? n - 1 : n;

  try {
    if (!has_engine) {
      throw Error(ErrorCode::FailedPrecondition, "agent '" + spec_.name + "' has no engine: call .with_engine(...)");
    }
    for (std::size_t i = 0; i < n; ++i) hook(i, kOnInitialize, [&] { spec_.pipeline[i]->on_initialize(ctx); });

    std::vector<ArtifactPtr> inputs{input_};
    for (std::size_t i = 0; i < components_end; ++i) {
      hook(i, kOnPreConsume, [&] { spec_.pipeline[i]->on_pre_consume(ctx, inputs); });
    }
    if (!inputs.empty()) {
      EvalInputs eval_inputs{std::move(inputs)};
      for (std::size_t i = 0; i < components_end; ++i) {
        hook(i, kOnPreEvaluate, [&] { spec_.pipeline[i]->on_pre_evaluate(ctx, eval_inputs); });
      }
      EvalResult result;
      auto& engine = static_cast<Engine&>(*spec_.pipeline[engine_index]);
      hook(engine_index, kEvaluate, [&] { result = engine.evaluate(ctx, eval_inputs); });
      for (std::size_t i = 0; i < components_end; ++i) {
        hook(i, kOnPostEvaluate, [&] { spec_.pipeline[i]->on_post_evaluate(ctx, result); });
      }

      // Outputs are children of this execution: a chain of agents is a chain of spans.
      for (const Output& out : result.outputs) {
        ArtifactPtr published = orch_.publish_output(spec_, out, input_->correlation_id, exec.context());
        for (std::size_t i = 0; i < components_end; ++i) {
          hook(i, kOnPostPublish, [&] { spec_.pipeline[i]->on_post_publish(ctx, *published); });
        }
      }
      exec.set_attribute("output.count", static_cast<std::int64_t>(result.outputs.size()));
      if (result.outputs.size() == 1) {
        exec.set_attribute("output.type", result.outputs[0].type);
        set_json_attribute(exec, "output.value", std::make_shared<const Json>(std::move(result.outputs[0].payload)));
      } else if (!result.outputs.empty()) {
        std::vector<std::string> types;
        auto all = std::make_shared<Json>(Json::array());
        for (auto& o : result.outputs) {
          types.push_back(o.type);
          all->push_back(std::move(o.payload));
        }
        exec.set_attribute("output.type", types);
        set_json_attribute(exec, "output.value", std::move(all));
      }
    }
    exec.set_status(StatusCode::Ok);
  } catch (...) {
    std::exception_ptr error = std::current_exception();
    exec.record_exception(error);
    for (std::size_t i = 0; i < n; ++i) {
      try {
        hook(i, kOnError, [&] { spec_.pipeline[i]->on_error(ctx, error); });
      } catch (...) {
        // Recorded on the on_error span; the original error is what counts.
      }
    }
    AgentError e{spec_.name, "unknown", "non-standard exception", input_->correlation_id,
                 to_hex(exec.context().trace_id), to_hex(exec.context().span_id)};
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& ex) {
      e.exception_type = exception_type_name(ex);
      e.message = ex.what();
    } catch (...) {
    }
    failed = true;
    notify(FlockEvent::Kind::AgentFailed, e.exception_type + ": " + e.message);
    orch_.record_error(std::move(e));
  }
  for (std::size_t i = 0; i < n; ++i) {
    try {
      hook(i, kOnTerminate, [&] { spec_.pipeline[i]->on_terminate(ctx); });
    } catch (const std::exception& ex) {
      orch_.record_error(AgentError{spec_.name, exception_type_name(ex), std::string("on_terminate: ") + ex.what(),
                                    input_->correlation_id, to_hex(exec.context().trace_id),
                                    to_hex(exec.context().span_id)});
    }
  }
  if (!failed) notify(FlockEvent::Kind::AgentFinished, {});
}

}  // namespace flockcpp::detail

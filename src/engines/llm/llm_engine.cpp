// LLMEngine: prompt from the agent's description, its input artifact(s) and
// earlier artifacts of the same correlation id; the output types' JSON
// Schema as a structured-output request; the answer validated into outputs,
// asked again with the validation error when it does not fit.
#include <cstdlib>
#include <mutex>

#include "engines/llm/chat_client.hpp"
#include "engines/llm/output_shape.hpp"
#include "flock/llm.hpp"
#include "flock/orchestrator.hpp"
#include "tracing/env_util.hpp"
#include "tracing/span_control.hpp"

namespace flockcpp {

namespace {

using detail::AnswerFormat;
using detail::ChatAnswer;
using detail::ChatClient;
using detail::ChatError;
using detail::ChatRequest;
using detail::OutputShape;

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

Json artifact_for_prompt(const Artifact& a, bool with_producer) {
  Json j{{"type", a.type}, {"payload", *a.payload}};
  if (with_producer) j["produced_by"] = a.produced_by;
  return j;
}

// OpenTelemetry GenAI message form: {role, parts: [{type: "text", content}]}.
Json genai_messages(const Json& chat_messages) {
  Json out = Json::array();
  for (const Json& m : chat_messages) {
    out.push_back(Json{{"role", m.value("role", "user")},
                       {"parts", Json::array({Json{{"type", "text"}, {"content", m.value("content", "")}}})}});
  }
  return out;
}

// What is fed back of an unusable answer: enough to correct, bounded.
std::string bounded(const std::string& text, std::size_t max = 4000) {
  return text.size() <= max ? text : text.substr(0, max) + "...[cut, " + std::to_string(text.size()) + " bytes]";
}

class LLMEngine : public Engine {
 public:
  explicit LLMEngine(LlmOptions options) : options_(std::move(options)) {
    bool from_env = false;
    detail::read_env_bool("FLOCK_LLM_RECORD_CONTENT", from_env);
    record_content_ = options_.record_content.value_or(from_env);
  }

  std::string name() const override { return "LLMEngine"; }

  EvalResult evaluate(AgentContext& ctx, const EvalInputs& inputs) override {
    const std::string model_text = !options_.model.empty() ? options_.model : ctx.flock().model();
    if (model_text.empty()) {
      throw std::invalid_argument("agent '" + ctx.agent_name() +
                                  "' uses the LLM engine but no model is set: Flock(\"openai/gpt-4o\"), DEFAULT_MODEL "
                                  "or LlmOptions::model");
    }
    detail::ModelRef model = detail::parse_model(model_text);
    std::string base = !options_.base_url.empty() ? options_.base_url
                                                  : env_or("OPENAI_BASE_URL", detail::default_base_url(model.provider));
    if (base.empty()) {
      throw std::invalid_argument("provider '" + model.provider +
                                  "' has no default address: set OPENAI_BASE_URL to its OpenAI-compatible endpoint");
    }
    ChatClient client(base, !options_.api_key.empty() ? options_.api_key : env_or("OPENAI_API_KEY", ""), options_);
    OutputShape shape(ctx.publishes(), options_.fan_out);

    Json context = fetch_context(ctx, inputs);
    AnswerFormat format = format_.load();
    Json messages = prompt(ctx, inputs, context, shape, format);

    const int tries = std::max(1, options_.max_invalid_retries + 1);
    std::string last_problem;
    int format_fallbacks = 0;
    for (int attempt = 1; attempt <= tries; ++attempt) {
      Span call = detail::start_auto_span("LLMEngine.call_model", SpanKind::Client);
      ContextScope scope(call.context());
      detail::UrlParts server = detail::parse_url(client.base_url());
      call.set_attribute("gen_ai.operation.name", "chat");
      call.set_attribute("gen_ai.provider.name", model.provider);
      call.set_attribute("gen_ai.request.model", model.model);
      call.set_attribute("gen_ai.output.type", "json");
      call.set_attribute("server.address", server.host);
      call.set_attribute("server.port", server.port);
      call.set_attribute("agent.name", ctx.agent_name());
      call.set_attribute("flock.llm.attempt", static_cast<std::int64_t>(attempt));
      if (options_.temperature) call.set_attribute("gen_ai.request.temperature", *options_.temperature);
      if (options_.max_tokens) call.set_attribute("gen_ai.request.max_tokens", static_cast<std::int64_t>(*options_.max_tokens));
      ChatRequest req{model.model, messages, format, shape.name(), shape.schema(), shape.strict()};
      call.set_attribute("flock.llm.response_format", format == AnswerFormat::JsonSchema   ? "json_schema"
                                                      : format == AnswerFormat::JsonObject ? "json_object"
                                                                                           : "none");
      if (record_content_) call.set_attribute("gen_ai.input.messages", client.scrub(genai_messages(messages).dump()));
      ChatAnswer answer;
      try {
        answer = client.complete(req, call, ctx.cancelled(), token_sink(ctx, call));
      } catch (const ChatError& e) {
        if (e.format_unsupported() && format != AnswerFormat::Instructions) {
          // The server has no (strict) structured output: fall back for good.
          format = format == AnswerFormat::JsonSchema ? AnswerFormat::JsonObject : AnswerFormat::Instructions;
          format_.store(format);
          call.add_event("response_format refused", {{"error", std::string(e.what())}});
          call.set_status(StatusCode::Error, "response_format refused; asking again without it");
          messages = prompt(ctx, inputs, context, shape, format);
          if (++format_fallbacks <= 2) --attempt;  // not the model's fault
          continue;
        }
        call.record_exception(e);
        throw std::runtime_error(std::string("LLM engine (") + model_text + "): " + client.scrub(e.what()));
      }
      if (!answer.id.empty()) call.set_attribute("gen_ai.response.id", answer.id);
      call.set_attribute("gen_ai.response.model", answer.model.empty() ? model.model : answer.model);
      if (!answer.finish_reasons.empty()) call.set_attribute("gen_ai.response.finish_reasons", answer.finish_reasons);
      if (answer.input_tokens) call.set_attribute("gen_ai.usage.input_tokens", *answer.input_tokens);
      if (answer.output_tokens) call.set_attribute("gen_ai.usage.output_tokens", *answer.output_tokens);
      call.set_attribute("flock.llm.http_attempts", static_cast<std::int64_t>(answer.attempts));
      if (record_content_) {
        Json out = genai_messages(Json::array({Json{{"role", "assistant"}, {"content", answer.content}}}));
        if (!answer.finish_reasons.empty()) out[0]["finish_reason"] = answer.finish_reasons[0];
        call.set_attribute("gen_ai.output.messages", client.scrub(out.dump()));
      }

      std::string problem;
      std::vector<Output> outputs;
      if (!answer.refusal.empty()) {
        problem = "the model refused: " + answer.refusal;
      } else {
        Json parsed = Json::parse(detail::json_text_of(answer.content), nullptr, false);
        if (parsed.is_discarded()) {
          problem = answer.content.empty() ? "the answer is empty" : "the answer is not valid JSON";
          if (!answer.finish_reasons.empty() && answer.finish_reasons[0] == "length") {
            problem += " (cut off at the token limit)";
          }
        } else if (auto err = shape.extract(parsed, outputs)) {
          problem = *err;
        }
      }
      if (problem.empty()) {
        call.set_status(StatusCode::Ok);
        return EvalResult{std::move(outputs)};
      }
      // Kept on the span: what the model said and why it was refused.
      call.set_attribute("flock.llm.invalid_answer", client.scrub(answer.content));
      call.set_status(StatusCode::Error, problem);
      last_problem = problem;
      messages.push_back(Json{{"role", "assistant"}, {"content", bounded(answer.content)}});
      messages.push_back(Json{{"role", "user"},
                              {"content", "That answer cannot be used: " + problem +
                                              ". Answer again with only the JSON the schema describes."}});
    }
    throw std::runtime_error("agent '" + ctx.agent_name() + "': the model's answer does not fit " +
                             shape.name() + " after " + std::to_string(tries) + " attempts: " + last_problem);
  }

 private:
  Json fetch_context(AgentContext& ctx, const EvalInputs& inputs) {
    Span span = detail::start_auto_span("LLMEngine.fetch_conversation_context");
    Json context = Json::array();
    if (options_.use_context && options_.max_context_artifacts > 0) {
      // The newest artifacts of the conversation: count first, then read the tail.
      ArtifactQuery q;
      q.correlation_id = ctx.correlation_id();
      q.limit = 1;
      std::size_t total = ctx.flock().store().query(q).total;
      q.limit = options_.max_context_artifacts + inputs.artifacts.size();
      q.offset = total > q.limit ? total - q.limit : 0;
      ArtifactPage page = ctx.flock().store().query(q);
      std::vector<ArtifactPtr> earlier;
      for (const auto& a : page.items) {
        bool is_input = std::any_of(inputs.artifacts.begin(), inputs.artifacts.end(),
                                    [&](const ArtifactPtr& in) { return in->id == a->id; });
        if (!is_input) earlier.push_back(a);
      }
      std::size_t from = earlier.size() > options_.max_context_artifacts ? earlier.size() - options_.max_context_artifacts : 0;
      for (std::size_t i = from; i < earlier.size(); ++i) context.push_back(artifact_for_prompt(*earlier[i], true));
    }
    span.set_attribute("correlation_id", ctx.correlation_id());
    span.set_attribute("context.artifact_count", static_cast<std::int64_t>(context.size()));
    span.set_status(StatusCode::Ok);
    return context;
  }

  Json prompt(AgentContext& ctx, const EvalInputs& inputs, const Json& context, const OutputShape& shape,
              AnswerFormat format) const {
    std::string system = "You are the agent \"" + ctx.agent_name() + "\" in a multi-agent workflow.";
    if (!ctx.description().empty()) system += "\n" + ctx.description();
    system += "\nRead the input artifact";
    system += inputs.artifacts.size() == 1 ? "" : "s";
    system += " and produce the output as JSON";
    if (shape.types().size() == 1) system += " of type " + shape.types()[0];
    system += ".";
    if (format != AnswerFormat::JsonSchema) {
      system += "\nThe answer must be one JSON value that matches this JSON Schema:\n" + shape.schema().dump();
    }
    system += "\nAnswer with the JSON only: no prose, no code fences.";
    Json input = Json::array();
    for (const auto& a : inputs.artifacts) input.push_back(artifact_for_prompt(*a, false));
    Json user{{"input", input}};
    if (!context.empty()) user["context"] = context;
    return Json::array({Json{{"role", "system"}, {"content", system}}, Json{{"role", "user"}, {"content", user.dump()}}});
  }

  // Streamed tokens go to the live event stream when someone listens.
  std::function<void(std::string_view)> token_sink(AgentContext& ctx, const Span& call) const {
    if (!options_.stream || !ctx.wants_tokens()) return {};
    return [&ctx, span = call.context()](std::string_view text) { ctx.emit_token(text, span); };
  }

  LlmOptions options_;
  bool record_content_ = false;
  std::atomic<AnswerFormat> format_{AnswerFormat::JsonSchema};  // lowered once a server refuses a format
};

}  // namespace

EnginePtr llm_engine(LlmOptions options) { return std::make_shared<LLMEngine>(std::move(options)); }

}  // namespace flockcpp

// LLMEngine: prompt from the agent's description, its input artifact(s) and
// earlier artifacts of the same correlation id; the output types' JSON
// Schema as a structured-output request; the answer validated into outputs,
// asked again with the validation error when it does not fit. The agent's
// tools are offered to the model; the calls it asks for run (a few at once)
// and their results, or their errors, go back to it, for a bounded number of
// rounds.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <set>
#include <system_error>
#include <thread>

#include "common/json_parse.hpp"
#include "core/agent_spec.hpp"
#include "engines/llm/chat_client.hpp"
#include "engines/llm/output_shape.hpp"
#include "flock/error.hpp"
#include "flock/llm.hpp"
#include "flock/orchestrator.hpp"
#include "tracing/demangle.hpp"
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
using detail::ToolCall;

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

Json artifact_for_prompt(const Artifact& a, bool with_producer) {
  Json j{{"type", a.type}, {"payload", *a.payload}};
  if (with_producer) j["produced_by"] = a.produced_by;
  return j;
}

std::string string_member(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// OpenTelemetry GenAI message form: {role, parts: [...]}, parts of type
// "text", "tool_call" (id, name, arguments) and "tool_call_response" (id,
// response).
Json genai_messages(const Json& chat_messages) {
  Json out = Json::array();
  for (const Json& m : chat_messages) {
    std::string role = string_member(m, "role");
    if (role.empty()) role = "user";
    const bool has_calls = m.contains("tool_calls") && m["tool_calls"].is_array();
    std::string text = string_member(m, "content");
    Json parts = Json::array();
    if (role == "tool") {
      parts.push_back(Json{{"type", "tool_call_response"}, {"id", string_member(m, "tool_call_id")}, {"response", text}});
    } else if (!text.empty() || !has_calls) {
      parts.push_back(Json{{"type", "text"}, {"content", text}});
    }
    if (has_calls) {
      for (const Json& c : m["tool_calls"]) {
        const Json fn = c.value("function", Json::object());
        std::string args = string_member(fn, "arguments");
        Json parsed = detail::parse_json_bounded(args);
        parts.push_back(Json{{"type", "tool_call"},
                             {"id", string_member(c, "id")},
                             {"name", string_member(fn, "name")},
                             {"arguments", parsed.is_discarded() ? Json(args) : parsed}});
      }
    }
    out.push_back(Json{{"role", role}, {"parts", parts}});
  }
  return out;
}

// What is fed back of an unusable answer: enough to correct, bounded.
std::string bounded(const std::string& text, std::size_t max = 4000) {
  return text.size() <= max ? text : text.substr(0, max) + "...[cut, " + std::to_string(text.size()) + " bytes]";
}

std::string dump_safe(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

// The agent's tools as the request offers them, by name.
class ToolBox {
 public:
  explicit ToolBox(std::shared_ptr<const detail::ToolList> tools) : tools_(std::move(tools)) {
    for (const Tool& t : *tools_) {
      bool strict = true;
      Json parameters = detail::request_schema(t.parameters(), strict);
      Json fn{{"name", t.name()}, {"parameters", std::move(parameters)}, {"strict", strict}};
      if (!t.description().empty()) fn["description"] = t.description();
      definitions_.push_back(Json{{"type", "function"}, {"function", std::move(fn)}});
    }
  }
  bool empty() const { return tools_->empty(); }
  const Json& definitions() const { return definitions_; }
  const Tool* find(const std::string& name) const {
    for (const Tool& t : *tools_) {
      if (t.name() == name) return &t;
    }
    return nullptr;
  }
  std::string names() const {
    std::string out;
    for (const Tool& t : *tools_) out += (out.empty() ? "" : ", ") + t.name();
    return out;
  }

 private:
  std::shared_ptr<const detail::ToolList> tools_;
  Json definitions_ = Json::array();
};

// One call of an answer, checked before anything runs: the tool it names,
// or why it cannot run (fed back to the model as the call's error).
struct PlannedCall {
  const ToolCall* call = nullptr;
  std::string id;  // the model's, or made up when it sent none
  const Tool* tool = nullptr;
  std::string error_type;
  std::string error;
  std::string result;  // the tool message's content
};

// Runs fn(0..n-1) on at most `limit` threads (this one included).
void run_bounded(std::size_t n, int limit, const std::function<void(std::size_t)>& fn) {
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < n; i = next++) fn(i);
  };
  std::vector<std::thread> helpers;
  const std::size_t want = std::min<std::size_t>(n, static_cast<std::size_t>(std::max(1, limit)));
  for (std::size_t k = 1; k < want; ++k) {
    try {
      helpers.emplace_back(worker);
    } catch (const std::system_error&) {
      break;  // no thread to be had: fewer at once
    }
  }
  worker();
  for (auto& t : helpers) t.join();
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
      throw Error(ErrorCode::InvalidArgument,
                  "agent '" + ctx.agent_name() +
                      "' uses the LLM engine but no model is set: Flock(\"openai/gpt-4o\"), DEFAULT_MODEL "
                      "or LlmOptions::model");
    }
    detail::ModelRef model = detail::parse_model(model_text);
    std::string base = !options_.base_url.empty() ? options_.base_url
                                                  : env_or("OPENAI_BASE_URL", detail::default_base_url(model.provider));
    if (base.empty()) {
      throw Error(ErrorCode::InvalidArgument,
                  "provider '" + model.provider +
                      "' has no default address: set OPENAI_BASE_URL to its OpenAI-compatible endpoint");
    }
    ChatClient client(base, !options_.api_key.empty() ? options_.api_key : env_or("OPENAI_API_KEY", ""), options_);
    OutputShape shape(ctx.publishes(), options_.fan_out);
    // max_tool_rounds 0: the tools are not offered at all.
    ToolBox tools(options_.max_tool_rounds > 0 ? detail::tools_of(ctx) : std::make_shared<const detail::ToolList>());
    const SpanContext engine_span = current_span_context();

    Json context = fetch_context(ctx, inputs);
    AnswerFormat format = format_.load();
    Json messages = prompt(ctx, inputs, context, shape, format, tools);

    const int tries = std::max(1, options_.max_invalid_retries + 1);
    std::string last_problem;
    int format_fallbacks = 0;
    int tool_rounds = 0;
    for (int attempt = 1; attempt <= tries;) {
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
      if (!tools.empty()) call.set_attribute("flock.llm.tool_round", static_cast<std::int64_t>(tool_rounds));
      if (options_.temperature) call.set_attribute("gen_ai.request.temperature", *options_.temperature);
      if (options_.max_tokens) call.set_attribute("gen_ai.request.max_tokens", static_cast<std::int64_t>(*options_.max_tokens));
      ChatRequest req{model.model, messages, format, shape.name(), shape.schema(), shape.strict(), tools.definitions()};
      call.set_attribute("flock.llm.response_format", format == AnswerFormat::JsonSchema   ? "json_schema"
                                                      : format == AnswerFormat::JsonObject ? "json_object"
                                                                                           : "none");
      if (record_content_) call.set_attribute("gen_ai.input.messages", client.scrub(dump_safe(genai_messages(messages))));
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
          // Only the instructions change: tool rounds so far stay in the conversation.
          messages[0] = prompt(ctx, inputs, context, shape, format, tools)[0];
          if (++format_fallbacks > 2) ++attempt;  // up to two are not the model's fault
          continue;
        }
        call.record_exception(e);
        throw Error(e.code(), std::string("LLM engine (") + model_text + "): " + client.scrub(e.what()));
      }
      if (!answer.id.empty()) call.set_attribute("gen_ai.response.id", answer.id);
      call.set_attribute("gen_ai.response.model", answer.model.empty() ? model.model : answer.model);
      if (!answer.finish_reasons.empty()) call.set_attribute("gen_ai.response.finish_reasons", answer.finish_reasons);
      if (answer.input_tokens) call.set_attribute("gen_ai.usage.input_tokens", *answer.input_tokens);
      if (answer.output_tokens) call.set_attribute("gen_ai.usage.output_tokens", *answer.output_tokens);
      call.set_attribute("flock.llm.http_attempts", static_cast<std::int64_t>(answer.attempts));

      // Tool calls are answered only when tools were offered.
      if (!tools.empty() && !answer.tool_calls.empty()) {
        std::vector<PlannedCall> plan = plan_calls(answer, tools, tool_rounds);
        Json assistant = assistant_message(answer, plan);
        call.set_attribute("flock.llm.tool_calls", static_cast<std::int64_t>(plan.size()));
        if (answer.dropped_tool_calls > 0) {
          call.set_attribute("flock.llm.tool_calls_dropped", static_cast<std::int64_t>(answer.dropped_tool_calls));
        }
        if (record_content_) record_output(call, client, assistant, answer);
        if (tool_rounds >= options_.max_tool_rounds) {
          std::string what = "agent '" + ctx.agent_name() + "': the model still asks for tools after " +
                             std::to_string(tool_rounds) + " rounds (LlmOptions::max_tool_rounds = " +
                             std::to_string(options_.max_tool_rounds) + ")";
          call.set_status(StatusCode::Error, what);
          throw Error(ErrorCode::FailedPrecondition, what);
        }
        ++tool_rounds;
        call.set_status(StatusCode::Ok);
        call.end();  // the model's time only; the tools get their own spans
        run_tools(ctx, client, plan, tool_rounds, engine_span);
        messages.push_back(std::move(assistant));
        for (const PlannedCall& p : plan) {
          messages.push_back(Json{{"role", "tool"}, {"tool_call_id", p.id}, {"content", p.result}});
        }
        continue;
      }
      if (record_content_) {
        record_output(call, client, Json{{"role", "assistant"}, {"content", answer.content}}, answer);
      }

      std::string problem;
      std::vector<Output> outputs;
      if (!answer.refusal.empty()) {
        problem = "the model refused: " + answer.refusal;
      } else {
        Json parsed = detail::parse_json_bounded(detail::json_text_of(answer.content));
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
      ++attempt;
      messages.push_back(Json{{"role", "assistant"}, {"content", bounded(answer.content)}});
      messages.push_back(Json{{"role", "user"},
                              {"content", "That answer cannot be used: " + problem +
                                              ". Answer again with only the JSON the schema describes."}});
    }
    throw Error(ErrorCode::FailedPrecondition, "agent '" + ctx.agent_name() + "': the model's answer does not fit " +
                                                   shape.name() + " after " + std::to_string(tries) +
                                                   " attempts: " + last_problem);
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

  // Checks every call of an answer before any runs: what cannot run gets its
  // error now (unknown tool, duplicate id, oversized arguments).
  static std::vector<PlannedCall> plan_calls(const ChatAnswer& answer, const ToolBox& tools, int round) {
    std::vector<PlannedCall> plan(answer.tool_calls.size());
    std::set<std::string> ids;
    for (std::size_t i = 0; i < plan.size(); ++i) {
      PlannedCall& p = plan[i];
      p.call = &answer.tool_calls[i];
      p.id = p.call->id.empty() ? "call_flock_" + std::to_string(round) + "_" + std::to_string(i) : bounded(p.call->id, 200);
      if (!ids.insert(p.id).second) {
        p.error_type = "duplicate_call_id";
        p.error = "another call of this answer has the id '" + p.id + "'; this one was not run";
      } else if (p.call->name.empty()) {
        p.error_type = "unknown_tool";
        p.error = "the call names no function; the tools are: " + tools.names();
      } else if ((p.tool = tools.find(p.call->name)) == nullptr) {
        p.error_type = "unknown_tool";
        p.error = "there is no tool named '" + bounded(p.call->name, 100) + "'; the tools are: " + tools.names();
      } else if (p.call->arguments_bytes > detail::kMaxToolArgumentBytes) {
        p.error_type = "invalid_arguments";
        p.error = "the arguments are too large (" + std::to_string(p.call->arguments_bytes) + " bytes; at most " +
                  std::to_string(detail::kMaxToolArgumentBytes) + ")";
      }
    }
    return plan;
  }

  // The answer as it goes back into the conversation (ids as planned; what
  // was refused for its size goes back cut).
  static Json assistant_message(const ChatAnswer& answer, const std::vector<PlannedCall>& plan) {
    Json calls = Json::array();
    for (const PlannedCall& p : plan) {
      const bool fits = p.call->arguments_bytes <= detail::kMaxToolArgumentBytes;
      calls.push_back(Json{{"id", p.id},
                           {"type", "function"},
                           {"function", Json{{"name", bounded(p.call->name, 256)},
                                             {"arguments", fits ? p.call->arguments : bounded(p.call->arguments)}}}});
    }
    return Json{{"role", "assistant"},
                {"content", answer.content.empty() ? Json(nullptr) : Json(answer.content)},
                {"tool_calls", std::move(calls)}};
  }

  static void record_output(Span& call, const ChatClient& client, const Json& message, const ChatAnswer& answer) {
    Json out = genai_messages(Json::array({message}));
    if (!answer.finish_reasons.empty()) out[0]["finish_reason"] = answer.finish_reasons[0];
    call.set_attribute("gen_ai.output.messages", client.scrub(dump_safe(out)));
  }

  // The calls of one answer, at most max_parallel_tool_calls at once; each
  // result lands in its own slot, so the messages keep the calls' order.
  void run_tools(AgentContext& ctx, const ChatClient& client, std::vector<PlannedCall>& plan, int round,
                 const SpanContext& parent) const {
    run_bounded(plan.size(), options_.max_parallel_tool_calls, [&](std::size_t i) {
      try {
        plan[i].result = execute_tool(ctx, client, plan[i], round, parent);
      } catch (...) {
        plan[i].result = "error: the call could not be run";  // tracing itself failed (out of memory)
      }
    });
  }

  // One call under its Tool.execute span; returns the tool message's
  // content: the result's JSON, or "error: ..." for the model to act on.
  std::string execute_tool(AgentContext& ctx, const ChatClient& client, const PlannedCall& p, int round,
                           const SpanContext& parent) const {
    Span span = detail::start_auto_span("Tool.execute", parent);
    ContextScope scope(span.context());  // the tool's own spans go under this one
    span.set_attribute("gen_ai.operation.name", "execute_tool");
    span.set_attribute("gen_ai.tool.name", bounded(p.call->name, 256));
    span.set_attribute("gen_ai.tool.call.id", p.id);
    span.set_attribute("gen_ai.tool.type", "function");
    if (p.tool != nullptr && !p.tool->description().empty()) {
      span.set_attribute("gen_ai.tool.description", p.tool->description());
    }
    span.set_attribute("agent.name", ctx.agent_name());
    span.set_attribute("flock.llm.tool_round", static_cast<std::int64_t>(round));
    if (record_content_) span.set_attribute("gen_ai.tool.call.arguments", bounded(client.scrub(p.call->arguments), 16384));
    auto fail = [&](const std::string& type, const std::string& why) {
      span.set_attribute("error.type", type);
      span.set_status(StatusCode::Error, bounded(why));
      return "error: " + bounded(why);
    };
    if (!p.error.empty()) return fail(p.error_type, p.error);
    if (ctx.cancelled().load()) return fail("cancelled", "not run: the Flock is shutting down");
    std::string text = p.call->arguments;
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) text = "{}";  // "no arguments", as some models say it
    Json args = detail::parse_json_bounded(text);
    if (args.is_discarded()) return fail("invalid_arguments", "the arguments are not valid JSON");
    if (auto err = validate_against_schema(p.tool->parameters(), args)) {
      return fail("invalid_arguments", "the arguments do not fit " + p.tool->input_type() + ": " + *err);
    }
    Json result;
    try {
      result = p.tool->invoke(args);
    } catch (const std::exception& e) {
      span.record_exception(e);
      span.set_attribute("error.type", detail::exception_type_name(e));
      return "error: the tool failed: " + bounded(e.what());
    } catch (...) {
      return fail("unknown", "the tool failed: non-standard exception");
    }
    std::string out = dump_safe(result);
    if (record_content_) span.set_attribute("gen_ai.tool.call.result", client.scrub(out));
    span.set_status(StatusCode::Ok);
    return out;
  }

  Json prompt(AgentContext& ctx, const EvalInputs& inputs, const Json& context, const OutputShape& shape,
              AnswerFormat format, const ToolBox& tools) const {
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
    if (!tools.empty()) system += "\nCall the tools you are given when you need what they know; then answer.";
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

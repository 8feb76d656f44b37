// The LLM engine: turns an agent's input artifact(s) into its output
// artifact(s) by asking a model through an OpenAI-compatible
// /v1/chat/completions endpoint (OpenAI, vLLM, Ollama, llama.cpp server,
// LiteLLM). Its spans read LLMEngine.evaluate, with children
// LLMEngine.fetch_conversation_context, LLMEngine.call_model (OpenTelemetry
// GenAI attributes) and Tool.execute (one per tool call, see with_tool).
#pragma once
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "flock/component.hpp"

namespace flockcpp {

struct LlmOptions {
  std::string model{};                        // "provider/model"; empty: the Flock's model (or DEFAULT_MODEL)
  std::optional<double> temperature{};
  std::optional<int> max_tokens{};
  std::chrono::milliseconds timeout{120000};  // one HTTP exchange with the model
  int max_retries = 3;                        // 429, 5xx, cut or refused connections: retried with back-off
  int max_invalid_retries = 2;                // answers that do not fit the schema: asked again, with the error
  bool fan_out = false;                       // ask for a list: one artifact per item (std::vector<Out>)
  bool use_context = true;                    // earlier artifacts of the same correlation id go into the prompt
  std::size_t max_context_artifacts = 20;
  bool stream = false;                        // stream: true; tokens go to the dashboard's live events
  int max_tool_rounds = 8;                    // answers asking for tools; one more fails the agent (0: no tools offered)
  int max_parallel_tool_calls = 4;            // calls of one answer running at once
  std::optional<bool> record_content{};       // prompt, answer and tool arguments/results on spans; default FLOCK_LLM_RECORD_CONTENT (false)
  std::string base_url{};                     // empty: OPENAI_BASE_URL, else the provider's default
  std::string api_key{};                      // empty: OPENAI_API_KEY; never recorded anywhere
};

// An engine asking the model for the output type's JSON (its FLOCK_TYPE JSON
// Schema as a strict structured-output request, with a fallback for servers
// without one). An agent given no engine gets llm_engine() when the Flock has
// a model. The agent's tools (AgentBuilder::with_tool) are offered to the
// model; the engine runs the calls it asks for and answers with the results.
EnginePtr llm_engine(LlmOptions options = {});

}  // namespace flockcpp

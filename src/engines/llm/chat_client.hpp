// An OpenAI-compatible /chat/completions client: the request body, retries
// with back-off (429, 5xx, cut or refused connections; Retry-After honoured),
// streamed (SSE) and plain answers, cancellation, and error messages that
// never carry the API key.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "flock/error.hpp"
#include "flock/json.hpp"
#include "flock/llm.hpp"
#include "flock/tracing.hpp"

namespace flockcpp::detail {

// "openai/gpt-4o" -> {"openai", "gpt-4o"}; a name without a provider is OpenAI's.
struct ModelRef {
  std::string provider;
  std::string model;
};
ModelRef parse_model(const std::string& text);

// How the answer's shape is requested: a strict JSON Schema, plain JSON
// mode, or only the instructions (servers that support neither).
enum class AnswerFormat { JsonSchema, JsonObject, Instructions };

struct ChatRequest {
  std::string model;
  Json messages = Json::array();
  AnswerFormat format = AnswerFormat::JsonSchema;
  std::string schema_name;
  Json schema;
  bool strict = true;
  Json tools = Json::array();  // OpenAI `tools` entries; none: not sent
};

// What an answer may carry of tool calls: beyond these, calls are dropped
// and arguments cut (the engine feeds the size back as the call's error).
inline constexpr std::size_t kMaxToolCallsPerAnswer = 128;
inline constexpr std::size_t kMaxToolArgumentBytes = 1 << 20;

// One function call the model asked for, as it came (nothing checked).
struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments;             // JSON text, at most kMaxToolArgumentBytes kept
  std::size_t arguments_bytes = 0;   // as sent
};

struct ChatAnswer {
  std::string content;
  std::string refusal;
  std::string id;
  std::string model;
  std::vector<std::string> finish_reasons;
  std::optional<std::int64_t> input_tokens;
  std::optional<std::int64_t> output_tokens;
  int attempts = 0;
  std::vector<ToolCall> tool_calls;
  std::size_t dropped_tool_calls = 0;  // over kMaxToolCallsPerAnswer
};

// A model call that failed: an Error (Unavailable when the server could not
// be reached or refused for now, FailedPrecondition for an answer that is
// not a chat completion) with the HTTP status kept.
class ChatError : public Error {
 public:
  ChatError(const std::string& what, long status, bool format_unsupported = false)
      : Error(status == 0 || status == 408 || status == 429 || status >= 500 ? ErrorCode::Unavailable
                                                                              : ErrorCode::FailedPrecondition,
              what),
        status_(status),
        format_unsupported_(format_unsupported) {}
  long status() const { return status_; }  // 0: no HTTP answer
  // The server rejected response_format: ask again with a simpler one.
  bool format_unsupported() const { return format_unsupported_; }

 private:
  long status_;
  bool format_unsupported_;
};

class ChatClient {
 public:
  ChatClient(std::string base_url, std::string api_key, const LlmOptions& options);
  const std::string& base_url() const { return base_url_; }

  // One answer, retried as the options allow; retries are events on `span`.
  // on_token sees streamed text as it arrives. Throws ChatError.
  ChatAnswer complete(const ChatRequest& request, Span& span, const std::atomic<bool>& cancel,
                      const std::function<void(std::string_view)>& on_token) const;

  // The request body as sent (tests and content recording).
  Json body(const ChatRequest& request) const;
  // text with the API key, and any run of 8 or more of its characters,
  // replaced by "[redacted]" (key_redaction.hpp).
  std::string scrub(std::string text) const;

 private:
  std::string base_url_;
  std::string api_key_;
  LlmOptions options_;
};

// Where an OpenAI-compatible provider listens when OPENAI_BASE_URL is unset.
std::string default_base_url(const std::string& provider);

// A URL's parts as spans report them: host without brackets or credentials.
struct UrlParts {
  std::string host;
  std::int64_t port = 0;
  std::string display;  // the URL without user:password@
};
UrlParts parse_url(const std::string& url);

}  // namespace flockcpp::detail

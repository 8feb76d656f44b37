#include "common/json_parse.hpp"
#include "engines/llm/chat_client.hpp"

#include <algorithm>
#include <random>
#include <thread>

#include "engines/llm/key_redaction.hpp"
#include "net/http_client.hpp"

namespace flockcpp::detail {

namespace {

// What OpenAI's own clients retry: no answer, 408, 409, 429 and any 5xx.
bool retryable(long status) { return status == 0 || status == 408 || status == 409 || status == 429 || status >= 500; }

// Hostile input: only strings are taken, and arguments only up to the limit.
void append_arguments(ToolCall& call, const std::string& text) {
  call.arguments_bytes += text.size();
  if (call.arguments.size() < kMaxToolArgumentBytes) {
    call.arguments.append(text, 0, std::min(text.size(), kMaxToolArgumentBytes - call.arguments.size()));
  }
}

std::string string_member(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// One entry of message.tool_calls (a complete answer).
void read_tool_call(const Json& entry, ChatAnswer& answer) {
  if (!entry.is_object()) return;
  if (answer.tool_calls.size() >= kMaxToolCallsPerAnswer) {
    ++answer.dropped_tool_calls;
    return;
  }
  ToolCall call;
  call.id = string_member(entry, "id");
  auto fn = entry.find("function");
  if (fn != entry.end() && fn->is_object()) {
    call.name = string_member(*fn, "name");
    auto args = fn->find("arguments");
    // Some servers send the arguments as an object rather than its text.
    if (args != fn->end()) {
      append_arguments(call, args->is_string() ? args->get<std::string>()
                                                : args->dump(-1, ' ', false, Json::error_handler_t::replace));
    }
  }
  answer.tool_calls.push_back(std::move(call));
}

// Tool calls in stream deltas: fragments keyed by index (id and name come
// first, then pieces of the arguments).
class StreamedToolCalls {
 public:
  void feed(const Json& list, ChatAnswer& answer) {
    if (!list.is_array()) return;
    for (const Json& d : list) {
      if (!d.is_object()) continue;
      ToolCall* call = find(d, answer);
      if (call == nullptr) continue;
      std::string id = string_member(d, "id");
      if (!id.empty()) call->id = id;
      auto fn = d.find("function");
      if (fn == d.end() || !fn->is_object()) continue;
      std::string name = string_member(*fn, "name");
      // Sent once by OpenAI; some servers repeat it whole in every delta.
      if (call->name.empty()) {
        call->name = name.substr(0, 256);
      } else if (name != call->name && call->name.size() < 256) {
        call->name += name;
      }
      auto args = fn->find("arguments");
      if (args != fn->end() && args->is_string()) append_arguments(*call, args->get<std::string>());
    }
  }

 private:
  ToolCall* find(const Json& d, ChatAnswer& answer) {
    auto idx = d.find("index");
    std::int64_t key;
    if (idx != d.end() && idx->is_number_integer()) {
      key = idx->get<std::int64_t>();
    } else {
      // No index (some servers): a new id starts a call, else the last one goes on.
      std::string id = string_member(d, "id");
      bool fresh = last_ < 0 || (!id.empty() && id != answer.tool_calls[static_cast<std::size_t>(last_)].id);
      if (!fresh) return &answer.tool_calls[static_cast<std::size_t>(last_)];
      key = -1 - static_cast<std::int64_t>(keys_.size());  // never an index the server sends
    }
    for (std::size_t i = 0; i < keys_.size(); ++i) {
      if (keys_[i] == key) {
        last_ = static_cast<std::ptrdiff_t>(i);
        return &answer.tool_calls[i];
      }
    }
    if (answer.tool_calls.size() >= kMaxToolCallsPerAnswer) {
      ++answer.dropped_tool_calls;
      return nullptr;
    }
    keys_.push_back(key);
    answer.tool_calls.emplace_back();
    last_ = static_cast<std::ptrdiff_t>(keys_.size() - 1);
    return &answer.tool_calls.back();
  }

  std::vector<std::int64_t> keys_;  // parallel to answer.tool_calls
  std::ptrdiff_t last_ = -1;
};

// Parses the SSE lines of a streamed answer as they arrive.
class StreamParser {
 public:
  explicit StreamParser(ChatAnswer& answer, const std::function<void(std::string_view)>& on_token)
      : answer_(answer), on_token_(on_token) {}

  void feed(std::string_view bytes) {
    buffer_.append(bytes);
    std::size_t start = 0;
    for (;;) {
      std::size_t nl = buffer_.find('\n', start);
      if (nl == std::string::npos) break;
      std::string_view line(buffer_.data() + start, nl - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      handle(line);
      start = nl + 1;
    }
    buffer_.erase(0, start);
  }
  bool done() const { return done_; }
  bool saw_nothing() const { return !saw_data_; }
  const std::string& error() const { return error_; }

 private:
  void handle(std::string_view line) {
    if (line.rfind("data:", 0) != 0) return;
    saw_data_ = true;
    line.remove_prefix(5);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (line == "[DONE]") {
      done_ = true;
      return;
    }
    Json chunk = detail::parse_json_bounded(line);
    if (chunk.is_discarded() || !chunk.is_object()) {
      error_ = "a streamed chunk is not JSON";
      return;
    }
    if (chunk.contains("error")) {
      error_ = chunk["error"].is_object() ? chunk["error"].value("message", chunk["error"].dump()) : chunk["error"].dump();
      return;
    }
    if (chunk.contains("id") && chunk["id"].is_string()) answer_.id = chunk["id"];
    if (chunk.contains("model") && chunk["model"].is_string()) answer_.model = chunk["model"];
    if (chunk.contains("usage") && chunk["usage"].is_object()) read_usage(chunk["usage"]);
    if (!chunk.contains("choices") || !chunk["choices"].is_array() || chunk["choices"].empty()) return;
    const Json& choice = chunk["choices"][0];
    if (choice.contains("delta") && choice["delta"].is_object()) {
      const Json& delta = choice["delta"];
      if (delta.contains("content") && delta["content"].is_string()) {
        const std::string& text = delta["content"].get_ref<const std::string&>();
        answer_.content += text;
        if (on_token_ && !text.empty()) on_token_(text);
      }
      if (delta.contains("refusal") && delta["refusal"].is_string()) answer_.refusal += delta["refusal"].get<std::string>();
      if (delta.contains("tool_calls")) tool_calls_.feed(delta["tool_calls"], answer_);
    }
    if (choice.contains("finish_reason") && choice["finish_reason"].is_string()) {
      answer_.finish_reasons = {choice["finish_reason"].get<std::string>()};
    }
  }

  void read_usage(const Json& usage) {
    if (usage.contains("prompt_tokens") && usage["prompt_tokens"].is_number_integer())
      answer_.input_tokens = usage["prompt_tokens"].get<std::int64_t>();
    if (usage.contains("completion_tokens") && usage["completion_tokens"].is_number_integer())
      answer_.output_tokens = usage["completion_tokens"].get<std::int64_t>();
  }

  ChatAnswer& answer_;
  const std::function<void(std::string_view)>& on_token_;
  StreamedToolCalls tool_calls_;
  std::string buffer_;
  bool done_ = false;
  bool saw_data_ = false;
  std::string error_;
};

void read_plain(const Json& body, ChatAnswer& answer) {
  if (body.contains("id") && body["id"].is_string()) answer.id = body["id"];
  if (body.contains("model") && body["model"].is_string()) answer.model = body["model"];
  if (body.contains("usage") && body["usage"].is_object()) {
    const Json& u = body["usage"];
    if (u.contains("prompt_tokens") && u["prompt_tokens"].is_number_integer()) answer.input_tokens = u["prompt_tokens"].get<std::int64_t>();
    if (u.contains("completion_tokens") && u["completion_tokens"].is_number_integer())
      answer.output_tokens = u["completion_tokens"].get<std::int64_t>();
  }
  if (!body.contains("choices") || !body["choices"].is_array() || body["choices"].empty()) {
    throw ChatError("the server's answer has no choices", 200);
  }
  answer.finish_reasons.clear();
  for (const Json& c : body["choices"]) {
    if (c.contains("finish_reason") && c["finish_reason"].is_string()) answer.finish_reasons.push_back(c["finish_reason"]);
  }
  const Json& msg = body["choices"][0].value("message", Json::object());
  if (msg.contains("content") && msg["content"].is_string()) answer.content = msg["content"];
  if (msg.contains("refusal") && msg["refusal"].is_string()) answer.refusal = msg["refusal"];
  if (msg.contains("tool_calls") && msg["tool_calls"].is_array()) {
    for (const Json& entry : msg["tool_calls"]) read_tool_call(entry, answer);
  }
}

// The server's own words about a failed request, when it gave any, without
// the key: redacted before the cut, which could leave a piece of it too
// short to be recognised as the key but long enough to matter.
std::string server_message(const std::string& body, const ChatClient& client) {
  Json j = detail::parse_json_bounded(body);
  if (!j.is_discarded() && j.is_object() && j.contains("error")) {
    const Json& e = j["error"];
    if (e.is_object() && e.contains("message") && e["message"].is_string()) return client.scrub(e["message"]);
    if (e.is_string()) return client.scrub(e);
  }
  return client.scrub(body).substr(0, 300);
}

}  // namespace

ModelRef parse_model(const std::string& text) {
  auto slash = text.find('/');
  if (slash == std::string::npos) return {"openai", text};
  return {text.substr(0, slash), text.substr(slash + 1)};
}

UrlParts parse_url(const std::string& url) {
  UrlParts out;
  auto scheme_end = url.find("://");
  std::string scheme = scheme_end == std::string::npos ? "http" : url.substr(0, scheme_end);
  std::string rest = scheme_end == std::string::npos ? url : url.substr(scheme_end + 3);
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  std::string path = slash == std::string::npos ? "" : rest.substr(slash);
  if (auto at = authority.rfind('@'); at != std::string::npos) authority = authority.substr(at + 1);
  out.port = scheme == "https" ? 443 : 80;
  std::string port_text;
  if (!authority.empty() && authority[0] == '[') {
    auto close = authority.find(']');
    out.host = authority.substr(1, close == std::string::npos ? std::string::npos : close - 1);
    if (close != std::string::npos && close + 1 < authority.size() && authority[close + 1] == ':')
      port_text = authority.substr(close + 2);
  } else {
    auto colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) port_text = authority.substr(colon + 1);
  }
  if (!port_text.empty() && port_text.find_first_not_of("0123456789") == std::string::npos && port_text.size() < 6)
    out.port = std::stoll(port_text);
  out.display = (scheme_end == std::string::npos ? "" : scheme + "://") + authority + path;
  return out;
}

std::string default_base_url(const std::string& provider) {
  if (provider == "openai") return "https://api.openai.com/v1";
  if (provider == "ollama") return "http://127.0.0.1:11434/v1";
  return {};
}

ChatClient::ChatClient(std::string base_url, std::string api_key, const LlmOptions& options)
    : base_url_(std::move(base_url)), api_key_(std::move(api_key)), options_(options) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

std::string ChatClient::scrub(std::string text) const { return redact_key(std::move(text), api_key_); }

Json ChatClient::body(const ChatRequest& request) const {
  Json b{{"model", request.model}, {"messages", request.messages}};
  if (options_.temperature) b["temperature"] = *options_.temperature;
  if (options_.max_tokens) b["max_tokens"] = *options_.max_tokens;
  if (request.format == AnswerFormat::JsonSchema) {
    b["response_format"] = Json{{"type", "json_schema"},
                                {"json_schema", Json{{"name", request.schema_name},
                                                     {"schema", request.schema},
                                                     {"strict", request.strict}}}};
  } else if (request.format == AnswerFormat::JsonObject) {
    b["response_format"] = Json{{"type", "json_object"}};
  }
  if (!request.tools.empty()) b["tools"] = request.tools;
  if (options_.stream) {
    b["stream"] = true;
    b["stream_options"] = Json{{"include_usage", true}};
  }
  return b;
}

ChatAnswer ChatClient::complete(const ChatRequest& request, Span& span, const std::atomic<bool>& cancel,
                                const std::function<void(std::string_view)>& on_token) const {
  thread_local HttpClient http;
  HttpRequest req;
  req.url = base_url_ + "/chat/completions";
  req.body = body(request).dump(-1, ' ', false, Json::error_handler_t::replace);
  if (!api_key_.empty()) req.headers.emplace_back("Authorization", "Bearer " + api_key_);
  req.headers.emplace_back("Accept", options_.stream ? "text/event-stream" : "application/json");
  req.timeout = options_.timeout;
  req.abort = &cancel;
  req.max_response_bytes = 16 * 1024 * 1024;

  std::mt19937_64 rng(std::random_device{}());
  const int attempts = std::max(1, options_.max_retries + 1);
  for (int attempt = 1;; ++attempt) {
    ChatAnswer answer;
    answer.attempts = attempt;
    StreamParser parser(answer, on_token);
    if (options_.stream) {
      req.on_data = [&parser](std::string_view bytes) {
        parser.feed(bytes);
        return true;
      };
    }
    HttpResult res = http.post(req);
    if (cancel.load()) throw ChatError("cancelled: the Flock is shutting down", 0);
    std::string problem;
    if (res.status == 200) {
      Json plain;
      if (options_.stream && parser.saw_nothing()) {
        // A server that ignores stream: true answers with one plain completion.
        plain = detail::parse_json_bounded(res.body);
      }
      if (options_.stream && !(plain.is_object() && plain.contains("choices"))) {
        if (!parser.error().empty()) {
          problem = "the stream reported an error: " + parser.error();
        } else if (!parser.done() && answer.finish_reasons.empty()) {
          problem = "the stream ended before [DONE]";
          res.status = 0;  // a cut stream is retried like a cut connection
        } else {
          span.set_attribute("http.response.status_code", static_cast<std::int64_t>(200));
          return answer;
        }
      } else {
        Json parsed = plain.is_object() ? plain : detail::parse_json_bounded(res.body);
        if (parsed.is_discarded() || !parsed.is_object()) {
          throw ChatError("the server's answer is not a chat completion (not JSON)", 200);
        }
        read_plain(parsed, answer);
        span.set_attribute("http.response.status_code", static_cast<std::int64_t>(200));
        return answer;
      }
    } else if (res.status == 0) {
      problem = res.error.empty() ? "no answer" : res.error;
    } else {
      problem = "HTTP " + std::to_string(res.status) + ": " + server_message(res.body, *this);
    }
    problem = scrub(problem);
    if (res.status != 0) span.set_attribute("http.response.status_code", static_cast<std::int64_t>(res.status));
    bool format_refused = res.status == 400 && request.format != AnswerFormat::Instructions &&
                          (res.body.find("response_format") != std::string::npos ||
                           res.body.find("json_schema") != std::string::npos);
    if (!retryable(res.status) || res.too_large || attempt >= attempts) {
      std::string what = "model call to " + parse_url(req.url).display + " failed";
      if (attempt > 1) what += " after " + std::to_string(attempt) + " attempts";
      throw ChatError(what + ": " + problem, res.status, format_refused);
    }
    // Exponential back-off with full jitter, or what the server asked for.
    auto base = std::chrono::milliseconds(250) * (1 << std::min(attempt - 1, 6));
    std::chrono::milliseconds delay(std::uniform_int_distribution<long>(base.count() / 2, base.count())(rng));
    if (res.retry_after) delay = std::min<std::chrono::milliseconds>(*res.retry_after, std::chrono::seconds(60));
    span.add_event("retry", {{"attempt", static_cast<std::int64_t>(attempt)},
                             {"error", problem},
                             {"retry.delay_ms", static_cast<std::int64_t>(delay.count())}});
    auto until = std::chrono::steady_clock::now() + delay;
    while (std::chrono::steady_clock::now() < until) {
      if (cancel.load()) throw ChatError("cancelled: the Flock is shutting down", 0);
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
          std::chrono::milliseconds(20), until - std::chrono::steady_clock::now()));
    }
  }
}

}  // namespace flockcpp::detail

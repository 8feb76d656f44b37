// TraceConfig::from_env: API.md §3's variables, plus the OpenTelemetry span
// limits. A bad value is a warning naming the variable; the default stays.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "flock/json.hpp"
#include "flock/trace_config.hpp"

namespace flock {
namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return (v != nullptr && *v != '\0') ? v : nullptr;
}

std::string trim_lower(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

void warn(const char* name, const char* value, const char* expected) {
  std::fprintf(stderr, "flock: warning: ignoring %s=\"%s\": expected %s; using the default\n", name, value, expected);
}

void read_bool(const char* name, bool& out) {
  const char* v = env(name);
  if (v == nullptr) return;
  std::string s = trim_lower(v);
  if (s == "true" || s == "1" || s == "yes" || s == "on") {
    out = true;
  } else if (s == "false" || s == "0" || s == "no" || s == "off") {
    out = false;
  } else {
    warn(name, v, "true or false");
  }
}

template <class Int>
void read_uint(const char* name, Int& out, unsigned long long min_value = 0) {
  const char* v = env(name);
  if (v == nullptr) return;
  char* end = nullptr;
  errno = 0;
  unsigned long long n = std::strtoull(v, &end, 10);
  if (errno != 0 || end == v || *end != '\0' || v[0] == '-' || n < min_value) {
    warn(name, v, "a non-negative integer");
    return;
  }
  out = static_cast<Int>(n);
}

void read_list(const char* name, std::vector<std::string>& out, bool lower) {
  const char* v = env(name);
  if (v == nullptr) return;
  auto j = Json::parse(v, nullptr, false);
  if (j.is_discarded() || !j.is_array() || !std::all_of(j.begin(), j.end(), [](const Json& e) { return e.is_string(); })) {
    warn(name, v, "a JSON list of strings, e.g. [\"flock\", \"agent\"]");
    return;
  }
  out.clear();
  for (const auto& e : j) out.push_back(lower ? trim_lower(e.get<std::string>()) : e.get<std::string>());
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() + 0 && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

// OTEL_RESOURCE_ATTRIBUTES: key1=value1,key2=value2 (percent-encoded values).
void read_resource(const char* name, Attributes& out) {
  const char* v = env(name);
  if (v == nullptr) return;
  Attributes parsed;
  std::string_view rest(v);
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (trim(item).empty()) continue;
    auto eq = item.find('=');
    if (eq == std::string_view::npos || trim(item.substr(0, eq)).empty()) {
      warn(name, v, "key=value pairs separated by commas");
      return;  // the whole value is discarded, as the specification says
    }
    parsed.emplace_back(percent_decode(trim(item.substr(0, eq))), percent_decode(trim(item.substr(eq + 1))));
  }
  out = std::move(parsed);
}

}  // namespace

TraceConfig TraceConfig::from_env() {
  TraceConfig c;
  read_bool("FLOCK_AUTO_TRACE", c.auto_trace);
  read_bool("FLOCK_TRACE_FILE", c.trace_file);
  if (const char* p = env("FLOCK_TRACE_PATH")) c.trace_file_path = p;
  read_list("FLOCK_TRACE_SERVICES", c.services, true);
  read_list("FLOCK_TRACE_IGNORE", c.ignore, false);
  if (const char* v = env("FLOCK_TRACE_TTL_DAYS")) {
    char* end = nullptr;
    double d = std::strtod(v, &end);
    if (end == v || *end != '\0' || !(d >= 0) || d > 1e6) {
      warn("FLOCK_TRACE_TTL_DAYS", v, "a non-negative number of days");
    } else {
      c.ttl_days = d;
    }
  }
  read_bool("FLOCK_AUTO_WORKFLOW_TRACE", c.auto_workflow_trace);
  // The specification: only "true" (case-insensitive) disables the SDK.
  if (const char* v = env("OTEL_SDK_DISABLED")) {
    std::string s = trim_lower(v);
    if (s == "true") {
      c.sdk_disabled = true;
    } else if (s != "false") {
      warn("OTEL_SDK_DISABLED", v, "true or false");
    }
  }
  if (const char* v = env("OTEL_SERVICE_NAME")) c.service_name = v;
  read_resource("OTEL_RESOURCE_ATTRIBUTES", c.resource_attributes);

  std::uint32_t general_count = c.limits.attribute_count;
  read_uint("OTEL_ATTRIBUTE_COUNT_LIMIT", general_count);
  c.limits.attribute_count = general_count;
  read_uint("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", c.limits.attribute_count);
  std::uint32_t general_len = c.limits.attribute_value_length;
  read_uint("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", general_len);
  c.limits.attribute_value_length = general_len;
  read_uint("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", c.limits.attribute_value_length);
  read_uint("OTEL_SPAN_EVENT_COUNT_LIMIT", c.limits.event_count);
  read_uint("OTEL_SPAN_LINK_COUNT_LIMIT", c.limits.link_count);
  read_uint("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", c.limits.attribute_per_event_count);

  if (const char* v = env("FLOCK_TRACE_QUEUE_POLICY")) {
    std::string s = trim_lower(v);
    if (s == "wait") {
      c.queue_full_policy = QueueFullPolicy::Wait;
    } else if (s == "drop") {
      c.queue_full_policy = QueueFullPolicy::Drop;
    } else {
      warn("FLOCK_TRACE_QUEUE_POLICY", v, "wait or drop");
    }
  }
  unsigned long long ms = static_cast<unsigned long long>(c.flush_interval.count());
  read_uint("FLOCK_TRACE_FLUSH_MS", ms, 1);
  c.flush_interval = std::chrono::milliseconds(ms);
  read_uint("FLOCK_TRACE_QUEUE_SIZE", c.thread_queue_capacity, 16);
  read_bool("FLOCK_HANDLE_SIGNALS", c.handle_signals);
  return c;
}

}  // namespace flock

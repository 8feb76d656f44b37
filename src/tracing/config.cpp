// TraceConfig::from_env: the variables of docs/configuration.md, plus the OpenTelemetry span
// limits. A bad value is a warning naming the variable; the default stays.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/json_parse.hpp"
#include "common/log.hpp"
#include "common/store_locator.hpp"
#include "flock/json.hpp"
#include "flock/otlp_options.hpp"
#include "flock/trace_config.hpp"
#include "tracing/env_util.hpp"

namespace flockcpp {
namespace {

using detail::read_env_bool;
using detail::read_env_uint;
using detail::trim_lower;

const char* env(const char* name) { return detail::env_value(name); }
void warn(const char* name, const char* value, const char* expected) { detail::warn_env(name, value, expected); }
void read_bool(const char* name, bool& out) { read_env_bool(name, out); }
// OpenTelemetry's limits have no maximum of their own; these keep a span's
// size and the queues' memory finite whatever the environment says.
constexpr unsigned long long kMaxCountLimit = 1ULL << 16;
constexpr unsigned long long kMaxValueLength = 64ULL << 20;
template <class Int>
void read_count(const char* name, Int& out) {
  read_env_uint(name, out, 0, kMaxCountLimit);
}

void read_list(const char* name, std::vector<std::string>& out, bool lower) {
  const char* v = env(name);
  if (v == nullptr) return;
  auto j = detail::parse_json_bounded(v);
  if (j.is_discarded() || !j.is_array() || !std::all_of(j.begin(), j.end(), [](const Json& e) { return e.is_string(); })) {
    warn(name, v, "a JSON list of strings, e.g. [\"flock\", \"agent\"]");
    return;
  }
  out.clear();
  for (const auto& e : j) out.push_back(lower ? trim_lower(e.get<std::string>()) : e.get<std::string>());
}


// OTEL_RESOURCE_ATTRIBUTES: a malformed value is discarded whole, as the
// specification says.
void read_resource(const char* name, Attributes& out) {
  const char* v = env(name);
  if (v == nullptr) return;
  int malformed = 0;
  auto pairs = detail::parse_key_values(v, malformed);
  if (malformed > 0) {
    warn(name, v, "key=value pairs separated by commas");
    return;
  }
  out.clear();
  for (auto& [k, val] : pairs) out.emplace_back(std::move(k), std::move(val));
}

// FLOCK_TRACE_STORE wins over FLOCK_TRACE_FILE and FLOCK_TRACE_PATH, read
// before it: duckdb:PATH is exactly FLOCK_TRACE_FILE=true FLOCK_TRACE_PATH=PATH.
void read_store(TraceConfig& c) {
  const char* v = env("FLOCK_TRACE_STORE");
  if (v == nullptr) return;
  std::string why;
  auto loc = detail::try_parse_store_locator(v, &why);
  const std::string shown = detail::printable_locator(v);  // no password, no control bytes
  if (!loc) {
    detail::logf(LogLevel::Warning, "ignoring FLOCK_TRACE_STORE=\"%s\": %s; using the default (FLOCK_TRACE_FILE, FLOCK_TRACE_PATH)",
                 shown.c_str(), why.c_str());
    return;
  }
  if (loc->kind == detail::StoreKind::DuckDb) {
    c.trace_file = true;
    c.trace_file_path = loc->path;
    return;
  }
  // The user asked for ClickHouse: writing the DuckDB file instead would put
  // spans where nobody looks for them, so none is written.
  detail::logf(LogLevel::Warning,
               "ignoring FLOCK_TRACE_STORE=\"%s\": ClickHouse storage is not available in this build yet; spans are "
               "not stored (not in the DuckDB file either, whatever FLOCK_TRACE_FILE says)",
               shown.c_str());
  c.trace_file = false;
}

}  // namespace

TraceConfig TraceConfig::from_env() {
  TraceConfig c;
  read_bool("FLOCK_AUTO_TRACE", c.auto_trace);
  read_bool("FLOCK_TRACE_FILE", c.trace_file);
  if (const char* p = env("FLOCK_TRACE_PATH")) c.trace_file_path = p;
  read_store(c);
  read_list("FLOCK_TRACE_SERVICES", c.services, true);
  read_list("FLOCK_TRACE_IGNORE", c.ignore, false);
  // A hundred years at most: the cutoff in nanoseconds stays within int64.
  if (double days = 0; detail::read_env_double("FLOCK_TRACE_TTL_DAYS", days, 0, 36500)) c.ttl_days = days;
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
  read_count("OTEL_ATTRIBUTE_COUNT_LIMIT", general_count);
  c.limits.attribute_count = general_count;
  read_count("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", c.limits.attribute_count);
  std::uint32_t general_len = c.limits.attribute_value_length;
  read_env_uint("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", general_len, 0, kMaxValueLength);
  c.limits.attribute_value_length = general_len;
  read_env_uint("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", c.limits.attribute_value_length, 0, kMaxValueLength);
  read_count("OTEL_SPAN_EVENT_COUNT_LIMIT", c.limits.event_count);
  read_count("OTEL_SPAN_LINK_COUNT_LIMIT", c.limits.link_count);
  read_count("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", c.limits.attribute_per_event_count);

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
  read_env_uint("FLOCK_TRACE_FLUSH_MS", ms, 1, 60'000);
  c.flush_interval = std::chrono::milliseconds(ms);
  read_env_uint("FLOCK_TRACE_QUEUE_SIZE", c.thread_queue_capacity, 16, 1ULL << 20);
  // Bytes the processor may hold while an exporter cannot write (1 MiB..64 GiB).
  read_env_uint("FLOCK_TRACE_MAX_QUEUE_BYTES", c.max_pending_bytes, 1ULL << 20, 64ULL << 30);
  detail::read_env_ms("FLOCK_TRACE_EXIT_GRACE_MS", c.exit_grace, 0, 600'000);
  read_bool("FLOCK_HANDLE_SIGNALS", c.handle_signals);
  if (OtlpExporterOptions::enabled_by_env()) c.otlp = OtlpExporterOptions::from_env();
  return c;
}

}  // namespace flockcpp

// OtlpExporterOptions from the environment, as the OpenTelemetry
// specification defines the variables (traces-specific ones win).
#include <algorithm>
#include <cstdio>

#include "flock/otlp_options.hpp"
#include "tracing/env_util.hpp"
#include "common/log.hpp"

namespace flockcpp {
namespace {

using detail::env_value;
using detail::warn_env;

// Ranges of the numeric variables: a value past them is a warning and the
// default, never an overflow (ten minutes, a million spans).
constexpr unsigned long long kMaxMs = 600'000;
constexpr unsigned long long kMaxSpans = 1ULL << 20;

// The traces-specific variable if set, else the general one; name reports which.
const char* pick(const char* specific, const char* general, const char*& name) {
  if (const char* v = env_value(specific)) {
    name = specific;
    return v;
  }
  name = general;
  return env_value(general);
}

bool is_http_url(const std::string& url) { return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0; }

// Later variables override earlier ones key by key (case-insensitive).
void read_headers(const char* name, std::vector<std::pair<std::string, std::string>>& out) {
  const char* v = env_value(name);
  if (v == nullptr) return;
  int malformed = 0;
  for (auto& [key, value] : detail::parse_key_values(v, malformed)) {
    auto same = [&](const auto& kv) { return detail::trim_lower(kv.first) == detail::trim_lower(key); };
    if (auto it = std::find_if(out.begin(), out.end(), same); it != out.end()) {
      it->second = value;
    } else {
      out.emplace_back(key, value);
    }
  }
  if (malformed > 0) warn_env(name, v, "key=value pairs separated by commas (malformed entries were skipped)");
}

}  // namespace

bool OtlpExporterOptions::enabled_by_env() {
  if (const char* exporter = env_value("OTEL_TRACES_EXPORTER")) {
    std::string e = detail::trim_lower(exporter);
    if (e == "none") return false;
    if (e.find("otlp") != std::string::npos) return true;
  }
  return env_value("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != nullptr || env_value("OTEL_EXPORTER_OTLP_ENDPOINT") != nullptr;
}

OtlpExporterOptions OtlpExporterOptions::from_env() { return from_env(OtlpExporterOptions{}); }

OtlpExporterOptions OtlpExporterOptions::from_env(OtlpExporterOptions o) {
  if (const char* v = env_value("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) {
    std::string url = detail::trim_spaces(v);
    if (is_http_url(url)) {
      o.endpoint = url;  // used as is
    } else {
      warn_env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", v, "an http:// or https:// URL");
    }
  } else if (const char* base = env_value("OTEL_EXPORTER_OTLP_ENDPOINT")) {
    std::string url = detail::trim_spaces(base);
    if (is_http_url(url)) {
      o.endpoint = url + (url.back() == '/' ? "v1/traces" : "/v1/traces");
    } else {
      warn_env("OTEL_EXPORTER_OTLP_ENDPOINT", base, "an http:// or https:// URL");
    }
  }
  const char* name = nullptr;
  if (const char* v = pick("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL", name)) {
    std::string p = detail::trim_lower(v);
    if (p == "http/protobuf") {
      o.protocol = OtlpProtocol::HttpProtobuf;
    } else if (p == "http/json") {
      o.protocol = OtlpProtocol::HttpJson;
    } else if (p == "grpc") {
      detail::logf(LogLevel::Warning, "%s=grpc is not offered by this build; using http/protobuf", name);
    } else {
      warn_env(name, v, "http/protobuf or http/json");
    }
  }
  read_headers("OTEL_EXPORTER_OTLP_HEADERS", o.headers);
  read_headers("OTEL_EXPORTER_OTLP_TRACES_HEADERS", o.headers);
  if (env_value("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT")) {
    detail::read_env_ms("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", o.timeout, 1, kMaxMs);
  } else {
    detail::read_env_ms("OTEL_EXPORTER_OTLP_TIMEOUT", o.timeout, 1, kMaxMs);
  }
  if (const char* v = pick("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION", name)) {
    std::string c = detail::trim_lower(v);
    if (c == "gzip") {
      o.gzip = true;
    } else if (c == "none") {
      o.gzip = false;
    } else {
      warn_env(name, v, "gzip or none");
    }
  }
  detail::read_env_ms("OTEL_BSP_SCHEDULE_DELAY", o.schedule_delay, 0, kMaxMs);
  detail::read_env_ms("OTEL_BSP_EXPORT_TIMEOUT", o.export_timeout, 1, kMaxMs);
  detail::read_env_uint("OTEL_BSP_MAX_QUEUE_SIZE", o.max_queue_size, 1, kMaxSpans);
  detail::read_env_uint("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", o.max_export_batch_size, 1, kMaxSpans);
  if (o.max_export_batch_size > o.max_queue_size) {
    detail::logf(LogLevel::Warning,
                 "OTEL_BSP_MAX_EXPORT_BATCH_SIZE (%zu) exceeds OTEL_BSP_MAX_QUEUE_SIZE (%zu); using %zu",
                 o.max_export_batch_size, o.max_queue_size, o.max_queue_size);
    o.max_export_batch_size = o.max_queue_size;
  }
  return o;
}

}  // namespace flockcpp

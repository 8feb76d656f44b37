// Settings of the OTLP exporter, as the OpenTelemetry specification names
// them (OTEL_EXPORTER_OTLP_*, OTEL_BSP_*).
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace flockcpp {

enum class OtlpProtocol { HttpProtobuf, HttpJson };

struct OtlpExporterOptions {
  // The full traces URL. From OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, or
  // OTEL_EXPORTER_OTLP_ENDPOINT with "v1/traces" appended after one "/".
  std::string endpoint = "http://localhost:4318/v1/traces";
  OtlpProtocol protocol = OtlpProtocol::HttpProtobuf;
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout{10000};  // per request
  bool gzip = false;
  // Batching (OTEL_BSP_*).
  std::size_t max_queue_size = 2048;
  std::size_t max_export_batch_size = 512;
  std::chrono::milliseconds schedule_delay{5000};
  std::chrono::milliseconds export_timeout{30000};  // one batch, retries included
  // Retries on 429, 502, 503, 504 and connection errors.
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{5000};
  int max_attempts = 5;

  // Reads the OTEL_EXPORTER_OTLP_* and OTEL_BSP_* variables over base.
  // Unparsable values print a warning naming the variable and keep base's.
  static OtlpExporterOptions from_env();
  static OtlpExporterOptions from_env(OtlpExporterOptions base);
  // True when the environment asks for OTLP export (an endpoint variable, or
  // OTEL_TRACES_EXPORTER=otlp).
  static bool enabled_by_env();
};

struct OtlpExporterStats {
  std::uint64_t spans_sent = 0;      // accepted by the receiver
  std::uint64_t spans_rejected = 0;  // refused (4xx other than 429, or partial success)
  std::uint64_t spans_dropped = 0;   // queue full, or retries exhausted
  std::uint64_t requests = 0;
  std::uint64_t retries = 0;
};

}  // namespace flockcpp

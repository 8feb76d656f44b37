#include <gtest/gtest.h>

#include <cstdlib>

#include <flock/flock.hpp>

#include "exporters/otlp/otlp_encoding.hpp"
#include "src/exporters/otlp/proto/otlp_trace.pb.h"

using namespace flockcpp;

namespace {
struct Env {
  Env(std::initializer_list<std::pair<const char*, const char*>> vars) {
    for (auto [k, v] : vars) {
      setenv(k, v, 1);
      names.push_back(k);
    }
  }
  ~Env() {
    for (auto* k : names) unsetenv(k);
  }
  std::vector<const char*> names;
};
}  // namespace

TEST(OtlpOptions, EndpointGetsExactlyOneSlashBeforeV1Traces) {
  {
    Env env{{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"}};
    EXPECT_TRUE(OtlpExporterOptions::enabled_by_env());
    EXPECT_EQ(OtlpExporterOptions::from_env().endpoint, "http://collector:4318/v1/traces");
  }
  {
    Env env{{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/base/"}};
    EXPECT_EQ(OtlpExporterOptions::from_env().endpoint, "http://collector:4318/base/v1/traces");
  }
  {
    Env env{{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:1"}, {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://b:2/custom"}};
    EXPECT_EQ(OtlpExporterOptions::from_env().endpoint, "http://b:2/custom");
  }
  EXPECT_FALSE(OtlpExporterOptions::enabled_by_env());
}

TEST(OtlpOptions, ReadsProtocolHeadersTimeoutCompressionAndBatching) {
  Env env{{"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"},
          {"OTEL_EXPORTER_OTLP_HEADERS", "api-key=a%20b%3Dc,tenant=t1"},
          {"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "tenant=t2"},
          {"OTEL_EXPORTER_OTLP_TIMEOUT", "2500"},
          {"OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"},
          {"OTEL_BSP_SCHEDULE_DELAY", "100"},
          {"OTEL_BSP_MAX_QUEUE_SIZE", "50"},
          {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "10"}};
  auto o = OtlpExporterOptions::from_env();
  EXPECT_EQ(o.protocol, OtlpProtocol::HttpJson);
  ASSERT_EQ(o.headers.size(), 2u);
  EXPECT_EQ(o.headers[0], (std::pair<std::string, std::string>{"api-key", "a b=c"}));
  EXPECT_EQ(o.headers[1].second, "t2");
  EXPECT_EQ(o.timeout.count(), 2500);
  EXPECT_TRUE(o.gzip);
  EXPECT_EQ(o.schedule_delay.count(), 100);
  EXPECT_EQ(o.max_queue_size, 50u);
  EXPECT_EQ(o.max_export_batch_size, 10u);
}

TEST(OtlpOptions, BadValuesWarnAndKeepDefaults) {
  Env env{{"OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon"},
          {"OTEL_EXPORTER_OTLP_TIMEOUT", "soon"},
          {"OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"},
          {"OTEL_EXPORTER_OTLP_COMPRESSION", "zip"}};
  testing::internal::CaptureStderr();
  auto o = OtlpExporterOptions::from_env();
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(o.protocol, OtlpProtocol::HttpProtobuf);
  EXPECT_EQ(o.timeout.count(), 10000);
  EXPECT_EQ(o.endpoint, "http://localhost:4318/v1/traces");
  EXPECT_FALSE(o.gzip);
  for (const char* v : {"OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_ENDPOINT",
                        "OTEL_EXPORTER_OTLP_COMPRESSION"}) {
    EXPECT_NE(err.find(v), std::string::npos) << v;
  }
}

TEST(OtlpEncoding, ProtobufAndJsonCarryTheSpan) {
  SpanData s;
  s.trace_id[0] = 0xab;
  s.span_id[7] = 0x01;
  s.parent_span_id[7] = 0x02;
  s.name = "Agent.execute";
  s.start_ns = 1'700'000'000'000'000'001;
  s.end_ns = 1'700'000'000'000'000'999;
  s.status = StatusCode::Error;
  s.status_description = "boom";
  s.attributes = {{"n", std::int64_t{10000}}, {"v", std::vector<double>{0.5}}};
  detail::OtlpResource res{{{"service.name", std::string("svc")}}, "flock", "0.1.0"};
  std::vector<SpanData> spans{s};

  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest req;
  ASSERT_TRUE(req.ParseFromString(detail::encode_otlp_protobuf(spans, res)));
  const auto& span = req.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(span.name(), "Agent.execute");
  EXPECT_EQ(span.trace_id().size(), 16u);
  EXPECT_EQ(static_cast<unsigned char>(span.trace_id()[0]), 0xab);
  EXPECT_EQ(span.start_time_unix_nano(), 1'700'000'000'000'000'001ULL);
  EXPECT_EQ(span.status().code(), 2);
  EXPECT_EQ(span.attributes(0).value().int_value(), 10000);
  EXPECT_EQ(span.attributes(1).value().array_value().values(0).double_value(), 0.5);
  EXPECT_EQ(req.resource_spans(0).resource().attributes(0).value().string_value(), "svc");

  auto j = Json::parse(detail::encode_otlp_json(spans, res));
  const auto& js = j["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
  EXPECT_EQ(js["traceId"], "ab000000000000000000000000000000");
  EXPECT_EQ(js["parentSpanId"], "0000000000000002");
  EXPECT_EQ(js["startTimeUnixNano"], "1700000000000000001");
  EXPECT_EQ(js["kind"], 1);
  EXPECT_EQ(js["status"]["code"], 2);
  EXPECT_EQ(js["attributes"][0]["value"]["intValue"], "10000");
  EXPECT_EQ(js["attributes"][1]["value"]["arrayValue"]["values"][0]["doubleValue"], 0.5);
}

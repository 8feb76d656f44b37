// POST /v1/traces bodies: what the decoders keep, reject and refuse.
#include <gtest/gtest.h>

#include <string>

#include "exporters/otlp/otlp_decoding.hpp"
#include "flock/error.hpp"
#include "src/exporters/otlp/proto/otlp_trace.pb.h"

using namespace flockcpp;
using flockcpp::detail::decode_otlp_json;
using flockcpp::detail::decode_otlp_protobuf;
namespace pb = opentelemetry::proto::collector::trace::v1;

namespace {

const RecordedValue* attr(const SpanData& s, const std::string& key) {
  for (const auto& a : s.attributes)
    if (a.key == key) return &a.value;
  return nullptr;
}

std::string json_span(const std::string& fields) {
  return R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"shop"}}]},
             "scopeSpans":[{"scope":{"name":"lib","version":"2.0"},"spans":[)" +
         fields + "]}]}]}";
}

}  // namespace

TEST(OtlpDecoding, JsonSpansKeepTheirValuesResourceAndScope) {
  auto r = decode_otlp_json(json_span(R"({"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331",
      "name":"GET /cart","kind":2,"startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000000500000000",
      "status":{"code":2,"message":"boom"},
      "attributes":[{"key":"n","value":{"intValue":"9007199254740993"}},{"key":"d","value":{"doubleValue":1.5}},
                    {"key":"b","value":{"boolValue":true}},
                    {"key":"l","value":{"arrayValue":{"values":[{"stringValue":"x"},{"stringValue":"y"}]}}}]})"));
  ASSERT_EQ(r.spans.size(), 1u);
  EXPECT_EQ(r.rejected, 0);
  const SpanData& s = r.spans[0];
  EXPECT_EQ(s.name, "GET /cart");
  EXPECT_EQ(s.kind, SpanKind::Server);
  EXPECT_EQ(s.end_ns - s.start_ns, 500'000'000);
  EXPECT_EQ(s.status, StatusCode::Error);
  EXPECT_EQ(s.status_description, "boom");
  EXPECT_EQ(std::get<std::int64_t>(*attr(s, "n")), 9007199254740993) << "int64 as a JSON string, exactly";
  EXPECT_EQ(std::get<double>(*attr(s, "d")), 1.5);
  EXPECT_TRUE(std::get<bool>(*attr(s, "b")));
  EXPECT_EQ(std::get<std::vector<std::string>>(*attr(s, "l")), (std::vector<std::string>{"x", "y"}));
  ASSERT_TRUE(s.origin);
  EXPECT_EQ(s.origin->service_name, "shop");
  EXPECT_EQ(s.origin->scope_name, "lib");
  EXPECT_EQ(s.origin->scope_version, "2.0");
  EXPECT_FALSE(s.origin->flock);
}

TEST(OtlpDecoding, BadSpansAreRejectedOneByOneWithTheFirstReason) {
  auto r = decode_otlp_json(json_span(
      R"({"traceId":"00000000000000000000000000000000","spanId":"b7ad6b7169203331","startTimeUnixNano":"1","endTimeUnixNano":"2"},
         {"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad","startTimeUnixNano":"1","endTimeUnixNano":"2"},
         {"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","startTimeUnixNano":"5","endTimeUnixNano":"2"},
         {"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203332","startTimeUnixNano":"1","endTimeUnixNano":"2"})"));
  EXPECT_EQ(r.spans.size(), 1u);
  EXPECT_EQ(r.rejected, 3);
  EXPECT_NE(r.first_rejection.find("trace id"), std::string::npos) << r.first_rejection;
}

TEST(OtlpDecoding, WhatIsNoRequestAtAllIsAnError) {
  for (const char* body : {"", "not json", "[]", R"({"resourceSpans":7})", R"({"resourceSpans":[{"scopeSpans":3}]})"}) {
    EXPECT_THROW(decode_otlp_json(body), Error) << body;
  }
  EXPECT_THROW(decode_otlp_protobuf(std::string("\x0a\xff\xff\xff\xff\x0f", 6)), Error);
  EXPECT_EQ(decode_otlp_json("{}").spans.size(), 0u) << "an empty request is a valid one";
  EXPECT_EQ(decode_otlp_protobuf("").spans.size(), 0u);
}

TEST(OtlpDecoding, DeepValuesAndHugeValuesAreBounded) {
  auto nest = [](int levels) {
    std::string v;
    for (int i = 0; i < levels; ++i) v += R"({"arrayValue":{"values":[)";
    v += R"({"stringValue":"leaf"})";
    for (int i = 0; i < levels; ++i) v += "]}}";
    return v;
  };
  auto body = [](const std::string& value, const std::string& big) {
    return json_span(R"({"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331",
      "startTimeUnixNano":"1","endTimeUnixNano":"2","attributes":[{"key":"deep","value":)" + value +
                     R"(},{"key":"big","value":{"stringValue":")" + big + R"("}}]})");
  };
  // Nesting is refused while parsing, before any recursive walk (a stack
  // overflow in a server thread otherwise).
  try {
    decode_otlp_json(body(nest(100'000), "x"));
    FAIL() << "a 100,000-deep value was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("deeper than 64"), std::string::npos) << e.what();
  }
  std::string big(100'000, 'x');
  auto r = decode_otlp_json(body(nest(12), big));
  ASSERT_EQ(r.spans.size(), 1u);
  EXPECT_LT(std::get<std::string>(*attr(r.spans[0], "big")).size(), big.size());
  EXPECT_GT(r.spans[0].truncated_values, 0u);
}

TEST(OtlpDecoding, ProtobufCarriesTheSameSpan) {
  pb::ExportTraceServiceRequest req;
  auto* rs = req.add_resource_spans();
  auto* kv = rs->mutable_resource()->add_attributes();
  kv->set_key("service.name");
  kv->mutable_value()->set_string_value("billing");
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("grpc");
  auto* sp = ss->add_spans();
  sp->set_trace_id(std::string(16, '\x01'));
  sp->set_span_id(std::string(8, '\x02'));
  sp->set_parent_span_id(std::string(8, '\x03'));
  sp->set_name("charge");
  sp->set_start_time_unix_nano(1000);
  sp->set_end_time_unix_nano(3000);
  auto* a = sp->add_attributes();
  a->set_key("gen_ai.usage.input_tokens");
  a->mutable_value()->set_int_value(42);
  auto* bad = ss->add_spans();
  bad->set_trace_id(std::string(15, '\x01'));
  bad->set_span_id(std::string(8, '\x02'));
  auto r = decode_otlp_protobuf(req.SerializeAsString());
  ASSERT_EQ(r.spans.size(), 1u);
  EXPECT_EQ(r.rejected, 1);
  EXPECT_EQ(r.spans[0].name, "charge");
  EXPECT_EQ(r.spans[0].parent_span_id[0], 3);
  EXPECT_EQ(std::get<std::int64_t>(*attr(r.spans[0], "gen_ai.usage.input_tokens")), 42);
  EXPECT_EQ(r.spans[0].origin->service_name, "billing");
}

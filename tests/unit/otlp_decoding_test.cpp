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

namespace {

// A length-delimited field on the wire: its tag byte, the length, the bytes.
std::string field(char tag, const std::string& payload) {
  std::string out(1, tag);
  for (std::uint64_t v = payload.size();; v >>= 7) {
    if (v < 0x80) {
      out += static_cast<char>(v);
      break;
    }
    out += static_cast<char>((v & 0x7F) | 0x80);
  }
  return out + payload;
}

// resource_spans { scope_spans { scope, spans: n copies of `span` } }.
std::string protobuf_with_spans(std::size_t n, const std::string& span) {
  std::string one = field('\x12', span);  // ScopeSpans.spans = 2
  std::string scope_spans = field('\x0a', std::string("\x0a\x03lib"));  // ScopeSpans.scope = 1, its name
  scope_spans.reserve(scope_spans.size() + n * one.size());
  for (std::size_t i = 0; i < n; ++i) scope_spans += one;
  return field('\x0a', field('\x12', scope_spans));  // request.resource_spans = 1, ResourceSpans.scope_spans = 2
}

std::string valid_span(int i) {
  pb::Span sp;
  sp.set_trace_id(std::string(16, '\x01'));
  std::string id(8, '\x02');
  id[0] = static_cast<char>(i & 0xFF);
  id[1] = static_cast<char>((i >> 8) & 0xFF);
  sp.set_span_id(id);
  sp.set_start_time_unix_nano(1000);
  sp.set_end_time_unix_nano(2000);
  sp.set_name("s");
  return sp.SerializeAsString();
}

}  // namespace

// 8 MiB of empty Span messages (4.19 M of them) used to be built whole, 800 MB
// a request, to be rejected one by one. They are counted on the wire first:
// a request the trace queue could never take is refused before a span is built.
TEST(OtlpDecoding, ARequestOverTheQueuesSpanBoundIsRefusedBeforeDecoding) {
  std::string body = protobuf_with_spans(4'194'304, "");
  try {
    decode_otlp_protobuf(body);
    FAIL() << "4 M spans were decoded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::TooLarge);
    EXPECT_NE(std::string(e.what()).find("holds 4194304 spans; at most 262144 fit"), std::string::npos) << e.what();
  }
  detail::OtlpRequestBounds three{3, 1u << 20};
  EXPECT_EQ(decode_otlp_protobuf(protobuf_with_spans(3, valid_span(1)), three).spans.size(), 3u);
  EXPECT_THROW(decode_otlp_protobuf(protobuf_with_spans(4, valid_span(1)), three), Error);
  std::string four_json = json_span(R"({},{},{},{})");
  try {
    decode_otlp_json(four_json, three);
    FAIL() << "4 JSON spans were decoded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::TooLarge);
    EXPECT_NE(std::string(e.what()).find("at most 3 fit"), std::string::npos) << e.what();
  }
}

TEST(OtlpDecoding, ARequestOverTheQueuesByteBoundIsRefused) {
  detail::OtlpRequestBounds small{1000, 4096};
  auto r = decode_otlp_protobuf(protobuf_with_spans(2, valid_span(1)), small);
  EXPECT_EQ(r.spans.size(), 2u);
  EXPECT_GT(r.bytes, 0u);
  try {
    decode_otlp_protobuf(protobuf_with_spans(200, valid_span(1)), small);
    FAIL() << "spans over the byte bound were kept";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::TooLarge);
    EXPECT_NE(std::string(e.what()).find("more than 4096 bytes once decoded"), std::string::npos) << e.what();
  }
}

// 2 bytes on the wire are an empty attribute of some 50 bytes once built: a
// span (or resource) holding millions of them is not built at all.
TEST(OtlpDecoding, MessagesNestedPastTheBoundAreNotBuilt) {
  std::string attrs;
  for (int i = 0; i < 100'000; ++i) attrs += std::string("\x4a\x00", 2);  // Span.attributes = 9, empty
  std::string span = valid_span(7) + attrs;
  auto r = decode_otlp_protobuf(protobuf_with_spans(1, span) + protobuf_with_spans(1, valid_span(8)));
  EXPECT_EQ(r.spans.size(), 1u) << "the other span of the request is kept";
  EXPECT_EQ(r.rejected, 1);
  EXPECT_NE(r.first_rejection.find("more than 65536 attributes"), std::string::npos) << r.first_rejection;

  std::string resource_attrs;
  for (int i = 0; i < 100'000; ++i) resource_attrs += std::string("\x0a\x00", 2);  // Resource.attributes = 1
  std::string request = field('\x0a', field('\x0a', resource_attrs));  // resource_spans, ResourceSpans.resource = 1
  try {
    decode_otlp_protobuf(request);
    FAIL() << "a resource of 100,000 attributes was built";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::TooLarge);
    EXPECT_NE(std::string(e.what()).find("a resource with more than 65536"), std::string::npos) << e.what();
  }
}

// OTLP/JSON is read as a stream: only one span (or resource, or scope) is
// built at a time, and what lies outside the request's structure is skipped
// unbuilt, so the body's size alone costs no memory.
TEST(OtlpDecoding, OtlpJsonIsBuiltOneSpanAtATime) {
  const std::string ok_span = R"({"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331",
      "name":"kept","startTimeUnixNano":"1","endTimeUnixNano":"2"})";
  std::string many = R"({"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203332",
      "startTimeUnixNano":"1","endTimeUnixNano":"2","attributes":[)";
  for (int i = 0; i < 70'000; ++i) many += i == 0 ? "{}" : ",{}";
  many += "]}";
  auto r = decode_otlp_json(json_span(ok_span + "," + many));
  ASSERT_EQ(r.spans.size(), 1u);
  EXPECT_EQ(r.spans[0].name, "kept");
  EXPECT_EQ(r.rejected, 1);
  EXPECT_NE(r.first_rejection.find("a span with more than 65536"), std::string::npos) << r.first_rejection;

  // Three million values beside the structure: skipped, never built.
  std::string pad = R"({"pad":[)";
  for (int i = 0; i < 3'000'000; ++i) pad += i == 0 ? "0" : ",0";
  pad += R"(],"resourceSpans":[{"scopeSpans":[{"spans":[)" + ok_span + "]}]}]}";
  EXPECT_EQ(decode_otlp_json(pad).spans.size(), 1u);

  // The resource may come after the spans; they still carry it.
  r = decode_otlp_json(R"({"resourceSpans":[{"scopeSpans":[{"spans":[)" + ok_span +
                       R"(],"scope":{"name":"late-lib"}}],
      "resource":{"attributes":[{"key":"service.name","value":{"stringValue":"late"}}]}}]})");
  ASSERT_EQ(r.spans.size(), 1u);
  EXPECT_EQ(r.spans[0].origin->service_name, "late");
  EXPECT_EQ(r.spans[0].origin->scope_name, "late-lib");

  std::string resource = R"({"resourceSpans":[{"resource":{"attributes":[)";
  for (int i = 0; i < 70'000; ++i) resource += i == 0 ? "{}" : ",{}";
  resource += "]}}]}";
  try {
    decode_otlp_json(resource);
    FAIL() << "a resource of 70,000 values was built";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::TooLarge);
    EXPECT_NE(std::string(e.what()).find("a resource of more than 65536 JSON values"), std::string::npos) << e.what();
  }
  for (const char* bad : {R"({"resourceSpans":[7]})", R"({"resourceSpans":[{"scopeSpans":{}}]})",
                          R"({"resourceSpans":[{"scopeSpans":[{"spans":[[]]}]}]})", R"({"resourceSpans":[]} x)"}) {
    EXPECT_THROW(decode_otlp_json(bad), Error) << bad;
  }
  EXPECT_EQ(decode_otlp_json(R"({"resourceSpans":null,"other":{"resourceSpans":7}})").spans.size(), 0u);
}

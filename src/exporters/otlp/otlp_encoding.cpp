#include "common/json_parse.hpp"
#include "exporters/otlp/otlp_encoding.hpp"

#include <cmath>

#include "flock/json.hpp"
#include "src/exporters/otlp/proto/otlp_trace.pb.h"  // generated under the build tree

namespace flockcpp::detail {
namespace {

namespace pb = opentelemetry::proto::collector::trace::v1;

template <std::size_t N>
std::string bytes(const std::array<std::uint8_t, N>& id) {
  return std::string(reinterpret_cast<const char*>(id.data()), N);
}

int kind_number(SpanKind k) { return static_cast<int>(k) + 1; }  // INTERNAL = 1 ... CONSUMER = 5
int status_number(StatusCode c) { return c == StatusCode::Ok ? 1 : c == StatusCode::Error ? 2 : 0; }

// ---- protobuf ----

void to_pb(pb::AnyValue* out, const RecordedValue& v) {
  std::visit(
      [out](const auto& x) {
        using X = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<X, bool>) {
          out->set_bool_value(x);
        } else if constexpr (std::is_same_v<X, std::int64_t>) {
          out->set_int_value(x);
        } else if constexpr (std::is_same_v<X, double>) {
          out->set_double_value(x);
        } else if constexpr (std::is_same_v<X, std::string>) {
          out->set_string_value(x);
        } else if constexpr (std::is_same_v<X, std::shared_ptr<const Json>>) {
          out->set_string_value(x ? x->dump(-1, ' ', false, Json::error_handler_t::replace) : "null");
        } else {
          auto* arr = out->mutable_array_value();
          for (const auto& e : x) to_pb(arr->add_values(), RecordedValue(typename X::value_type(e)));
        }
      },
      v);
}

template <class Msg>
void add_attributes(Msg* msg, const std::vector<SpanAttribute>& attrs) {
  for (const auto& a : attrs) {
    auto* kv = msg->add_attributes();
    kv->set_key(a.key);
    to_pb(kv->mutable_value(), a.value);
  }
}

// ---- JSON ----

Json any_value_json(const RecordedValue& v) {
  return std::visit(
      [](const auto& x) -> Json {
        using X = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<X, bool>) {
          return Json{{"boolValue", x}};
        } else if constexpr (std::is_same_v<X, std::int64_t>) {
          return Json{{"intValue", std::to_string(x)}};
        } else if constexpr (std::is_same_v<X, double>) {
          if (std::isnan(x)) return Json{{"doubleValue", "NaN"}};
          if (std::isinf(x)) return Json{{"doubleValue", x > 0 ? "Infinity" : "-Infinity"}};
          return Json{{"doubleValue", x}};
        } else if constexpr (std::is_same_v<X, std::string>) {
          return Json{{"stringValue", x}};
        } else if constexpr (std::is_same_v<X, std::shared_ptr<const Json>>) {
          return Json{{"stringValue", x ? x->dump(-1, ' ', false, Json::error_handler_t::replace) : "null"}};
        } else {
          Json values = Json::array();
          for (const auto& e : x) values.push_back(any_value_json(RecordedValue(typename X::value_type(e))));
          return Json{{"arrayValue", Json{{"values", std::move(values)}}}};
        }
      },
      v);
}

Json attributes_json(const std::vector<SpanAttribute>& attrs) {
  Json out = Json::array();
  for (const auto& a : attrs) out.push_back(Json{{"key", a.key}, {"value", any_value_json(a.value)}});
  return out;
}

}  // namespace

std::string encode_otlp_protobuf(std::span<const SpanData> spans, const OtlpResource& resource) {
  pb::ExportTraceServiceRequest req;
  auto* rs = req.add_resource_spans();
  add_attributes(rs->mutable_resource(), resource.attributes);
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name(resource.scope_name);
  ss->mutable_scope()->set_version(resource.scope_version);
  for (const SpanData& s : spans) {
    auto* span = ss->add_spans();
    span->set_trace_id(bytes(s.trace_id));
    span->set_span_id(bytes(s.span_id));
    if (!is_zero(s.parent_span_id)) span->set_parent_span_id(bytes(s.parent_span_id));
    if (!s.trace_state.empty()) span->set_trace_state(s.trace_state);
    span->set_flags(1);  // sampled
    span->set_name(s.name);
    span->set_kind(static_cast<pb::Span_SpanKind>(kind_number(s.kind)));
    span->set_start_time_unix_nano(static_cast<std::uint64_t>(s.start_ns));
    span->set_end_time_unix_nano(static_cast<std::uint64_t>(s.end_ns));
    add_attributes(span, s.attributes);
    span->set_dropped_attributes_count(s.dropped_attributes);
    for (const auto& ev : s.events) {
      auto* e = span->add_events();
      e->set_time_unix_nano(static_cast<std::uint64_t>(ev.time_ns));
      e->set_name(ev.name);
      add_attributes(e, ev.attributes);
    }
    span->set_dropped_events_count(s.dropped_events);
    for (const auto& l : s.links) {
      auto* link = span->add_links();
      link->set_trace_id(bytes(l.trace_id));
      link->set_span_id(bytes(l.span_id));
      add_attributes(link, l.attributes);
    }
    span->set_dropped_links_count(s.dropped_links);
    auto* st = span->mutable_status();
    st->set_code(static_cast<pb::Status_StatusCode>(status_number(s.status)));
    if (s.status == StatusCode::Error) st->set_message(s.status_description);
  }
  return req.SerializeAsString();
}

std::string encode_otlp_json(std::span<const SpanData> spans, const OtlpResource& resource) {
  Json out_spans = Json::array();
  for (const SpanData& s : spans) {
    Json span = {{"traceId", to_hex(s.trace_id)},
                 {"spanId", to_hex(s.span_id)},
                 {"flags", 1},
                 {"name", s.name},
                 {"kind", kind_number(s.kind)},
                 {"startTimeUnixNano", std::to_string(s.start_ns)},
                 {"endTimeUnixNano", std::to_string(s.end_ns)},
                 {"attributes", attributes_json(s.attributes)},
                 {"droppedAttributesCount", s.dropped_attributes},
                 {"droppedEventsCount", s.dropped_events},
                 {"droppedLinksCount", s.dropped_links}};
    if (!is_zero(s.parent_span_id)) span["parentSpanId"] = to_hex(s.parent_span_id);
    if (!s.trace_state.empty()) span["traceState"] = s.trace_state;
    Json events = Json::array();
    for (const auto& ev : s.events) {
      events.push_back(Json{{"timeUnixNano", std::to_string(ev.time_ns)},
                            {"name", ev.name},
                            {"attributes", attributes_json(ev.attributes)}});
    }
    span["events"] = std::move(events);
    Json links = Json::array();
    for (const auto& l : s.links) {
      links.push_back(
          Json{{"traceId", to_hex(l.trace_id)}, {"spanId", to_hex(l.span_id)}, {"attributes", attributes_json(l.attributes)}});
    }
    span["links"] = std::move(links);
    Json status = {{"code", status_number(s.status)}};
    if (s.status == StatusCode::Error) status["message"] = s.status_description;
    span["status"] = std::move(status);
    out_spans.push_back(std::move(span));
  }
  Json body = {
      {"resourceSpans",
       Json::array({Json{{"resource", Json{{"attributes", attributes_json(resource.attributes)}}},
                         {"scopeSpans", Json::array({Json{{"scope", Json{{"name", resource.scope_name},
                                                                         {"version", resource.scope_version}}},
                                                          {"spans", std::move(out_spans)}}})}}})}};
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::int64_t rejected_spans_protobuf(const std::string& body, std::string& message) {
  pb::ExportTraceServiceResponse resp;
  if (body.empty() || !resp.ParseFromString(body) || !resp.has_partial_success()) return 0;
  message = resp.partial_success().error_message();
  return resp.partial_success().rejected_spans();
}

std::int64_t rejected_spans_json(const std::string& body, std::string& message) {
  Json j = detail::parse_json_bounded(body);
  if (j.is_discarded() || !j.is_object() || !j.contains("partialSuccess")) return 0;
  const Json& ps = j["partialSuccess"];
  message = ps.value("errorMessage", "");
  if (!ps.contains("rejectedSpans")) return 0;
  const Json& r = ps["rejectedSpans"];
  if (r.is_number_integer()) return r.get<std::int64_t>();
  if (r.is_string()) {
    try {
      return std::stoll(r.get<std::string>());
    } catch (...) {
      return 0;
    }
  }
  return 0;
}

}  // namespace flockcpp::detail

#include "common/json_parse.hpp"
#include "exporters/otlp/otlp_decoding.hpp"

#include <charconv>
#include <cmath>
#include <cstring>
#include <algorithm>
#include <limits>
#include <memory>

#include "common/hex.hpp"
#include "exporters/otlp/otlp_json_walk.hpp"
#include "exporters/otlp/protobuf_wire.hpp"
#include "flock/error.hpp"
#include "flock/json.hpp"
#include "tracing/batch_span_processor.hpp"
#include "src/exporters/otlp/proto/otlp_trace.pb.h"  // generated under the build tree

namespace flockcpp::detail {
namespace {

namespace pb = opentelemetry::proto::collector::trace::v1;

// Bounds on what one sender's span may hold (OpenTelemetry's default span
// limits); what is over is dropped and counted, as a local span's would be.
constexpr std::size_t kMaxAttributes = 128;
constexpr std::size_t kMaxEvents = 128;
constexpr std::size_t kMaxLinks = 128;
constexpr std::size_t kMaxValueBytes = 16 * 1024;
constexpr std::size_t kMaxNameBytes = 1024;
constexpr int kMaxDepth = 8;  // nested arrays and key-value lists
constexpr int kMaxJsonBodyDepth = 64;  // of an OTLP/JSON body as a whole
// Attributes, events, links and values nested in one span (or resource or
// scope), as protobuf messages or as JSON values: far over what is kept (128
// of each, values cut at 16 KiB), small enough that building them costs a
// few MiB at most.
constexpr std::size_t kMaxNestedMessages = 65536;

void cut(std::string& s, std::size_t limit, std::uint32_t& truncated) {
  if (s.size() <= limit) return;
  std::size_t total = s.size();
  std::size_t at = limit;
  while (at > 0 && (static_cast<unsigned char>(s[at]) & 0xC0) == 0x80) --at;
  s.resize(at);
  s += "...[truncated, " + std::to_string(total) + " bytes]";
  ++truncated;
}

template <std::size_t N>
bool id_from_bytes(const std::string& b, std::array<std::uint8_t, N>& out) {
  if (b.size() != N) return false;
  std::memcpy(out.data(), b.data(), N);
  return true;
}

template <std::size_t N>
bool id_from_hex(const std::string& h, std::array<std::uint8_t, N>& out) {
  if (h.size() != 2 * N) return false;
  for (std::size_t i = 0; i < N; ++i) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(h.data() + 2 * i, h.data() + 2 * i + 2, v, 16);
    if (ec != std::errc() || p != h.data() + 2 * i + 2) return false;
    out[i] = static_cast<std::uint8_t>(v);
  }
  return true;
}

SpanKind kind_of(int k) {
  switch (k) {
    case 2: return SpanKind::Server;
    case 3: return SpanKind::Client;
    case 4: return SpanKind::Producer;
    case 5: return SpanKind::Consumer;
    default: return SpanKind::Internal;  // 0 (unspecified) and 1
  }
}

StatusCode status_of(int c) { return c == 1 ? StatusCode::Ok : c == 2 ? StatusCode::Error : StatusCode::Unset; }

// A span is kept only when its ids and times make sense; why not, in `why`.
bool acceptable(const SpanData& s, std::string& why) {
  if (is_zero(s.trace_id)) {
    why = "a span with an invalid trace id (16 bytes, not all zero)";
    return false;
  }
  if (is_zero(s.span_id)) {
    why = "a span with an invalid span id (8 bytes, not all zero)";
    return false;
  }
  if (s.start_ns <= 0 || s.end_ns <= 0 || s.end_ns < s.start_ns) {
    why = "span " + to_hex(s.span_id) + " ends before it starts, or has no start";
    return false;
  }
  return true;
}

std::shared_ptr<SpanOrigin> origin_from(std::vector<SpanAttribute> resource, std::string scope_name,
                                        std::string scope_version) {
  auto o = std::make_shared<SpanOrigin>();
  for (const auto& a : resource) {
    if (auto* v = std::get_if<std::string>(&a.value)) {
      if (a.key == "service.name") o->service_name = *v;
      if (a.key == "telemetry.sdk.name" && *v == "flock") o->flock = true;
    }
  }
  o->resource = std::move(resource);
  o->scope_name = std::move(scope_name);
  o->scope_version = std::move(scope_version);
  return o;
}

// The exporter convention for non-OTLP formats: the scope as attributes.
void add_scope(SpanData& s, const SpanOrigin& o) {
  if (!o.scope_name.empty()) s.attributes.push_back({"otel.scope.name", o.scope_name});
  if (!o.scope_version.empty()) s.attributes.push_back({"otel.scope.version", o.scope_version});
}

std::string mib(std::size_t bytes) {
  return bytes % (1u << 20) == 0 ? std::to_string(bytes >> 20) + " MiB" : std::to_string(bytes) + " bytes";
}

// Counted before a span is built: a request the trace queue could never
// take is refused whole (the sender must split it; a retry would not help).
void check_span_count(std::size_t spans, const OtlpRequestBounds& bounds) {
  if (spans <= bounds.max_spans) return;
  throw Error(ErrorCode::TooLarge, "the request holds " + std::to_string(spans) + " spans; at most " +
                                       std::to_string(bounds.max_spans) +
                                       " fit in the trace queue at once: send them in smaller batches");
}

// A decoded span of either encoding: false when it is rejected (counted,
// with the first reason); else its cost counts against the request's bound.
bool accepted(ReceivedSpans& out, const SpanData& s, std::string why, const OtlpRequestBounds& bounds) {
  if (!why.empty() || !acceptable(s, why)) {
    if (out.rejected++ == 0) out.first_rejection = why;
    return false;
  }
  out.bytes += approx_bytes(s);
  if (out.bytes > bounds.max_bytes) {
    throw Error(ErrorCode::TooLarge, "the request's spans take more than " + mib(bounds.max_bytes) +
                                         " once decoded, more than the trace queue holds "
                                         "(FLOCK_TRACE_MAX_QUEUE_BYTES): send them in smaller batches");
  }
  return true;
}

// An accepted span, kept with its sender's origin.
void keep(ReceivedSpans& out, SpanData s, const std::shared_ptr<const SpanOrigin>& origin) {
  add_scope(s, *origin);
  s.origin = origin;
  out.spans.push_back(std::move(s));
}

std::string too_many_nested_text(const std::string& what) {
  return what + " with more than " + std::to_string(kMaxNestedMessages) + " attributes, events, links and values";
}

// ---- protobuf ------------------------------------------------------------

std::string any_text(const pb::AnyValue& v, int depth);

RecordedValue any_value(const pb::AnyValue& v, std::uint32_t& truncated, int depth = 0) {
  switch (v.value_case()) {
    case pb::AnyValue::kStringValue: {
      std::string s = v.string_value();
      cut(s, kMaxValueBytes, truncated);
      return s;
    }
    case pb::AnyValue::kBoolValue: return v.bool_value();
    case pb::AnyValue::kIntValue: return static_cast<std::int64_t>(v.int_value());
    case pb::AnyValue::kDoubleValue: return v.double_value();
    case pb::AnyValue::kArrayValue: {
      // Homogeneous arrays keep their type; anything else becomes its text.
      const auto& vals = v.array_value().values();
      auto all = [&](pb::AnyValue::ValueCase c) {
        for (const auto& e : vals) {
          if (e.value_case() != c) return false;
        }
        return true;
      };
      if (!vals.empty() && all(pb::AnyValue::kStringValue)) {
        std::vector<std::string> out;
        for (const auto& e : vals) {
          out.push_back(e.string_value());
          cut(out.back(), kMaxValueBytes, truncated);
        }
        return out;
      }
      if (!vals.empty() && all(pb::AnyValue::kIntValue)) {
        std::vector<std::int64_t> out;
        for (const auto& e : vals) out.push_back(e.int_value());
        return out;
      }
      if (!vals.empty() && all(pb::AnyValue::kDoubleValue)) {
        std::vector<double> out;
        for (const auto& e : vals) out.push_back(e.double_value());
        return out;
      }
      if (!vals.empty() && all(pb::AnyValue::kBoolValue)) {
        std::vector<bool> out;
        for (const auto& e : vals) out.push_back(e.bool_value());
        return out;
      }
      [[fallthrough]];
    }
    default: {
      std::string s = any_text(v, depth);
      cut(s, kMaxValueBytes, truncated);
      return s;
    }
  }
}

// Key-value lists, mixed arrays and bytes as JSON text.
Json any_json(const pb::AnyValue& v, int depth) {
  if (depth > kMaxDepth) return "...";
  switch (v.value_case()) {
    case pb::AnyValue::kStringValue: return v.string_value();
    case pb::AnyValue::kBoolValue: return v.bool_value();
    case pb::AnyValue::kIntValue: return static_cast<std::int64_t>(v.int_value());
    case pb::AnyValue::kDoubleValue: return std::isfinite(v.double_value()) ? Json(v.double_value()) : Json(nullptr);
    case pb::AnyValue::kArrayValue: {
      Json a = Json::array();
      for (const auto& e : v.array_value().values()) a.push_back(any_json(e, depth + 1));
      return a;
    }
    case pb::AnyValue::kKvlistValue: {
      Json o = Json::object();
      for (const auto& kv : v.kvlist_value().values()) o[kv.key()] = any_json(kv.value(), depth + 1);
      return o;
    }
    case pb::AnyValue::kBytesValue: {
      const std::string& bytes = v.bytes_value();
      return hex_string(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    }
    default: return nullptr;
  }
}

std::string any_text(const pb::AnyValue& v, int depth) {
  return any_json(v, depth).dump(-1, ' ', false, Json::error_handler_t::replace);
}

template <class KVs>
std::vector<SpanAttribute> attributes_of(const KVs& kvs, std::uint32_t& dropped, std::uint32_t& truncated) {
  std::vector<SpanAttribute> out;
  for (const auto& kv : kvs) {
    if (out.size() >= kMaxAttributes) {
      ++dropped;
      continue;
    }
    std::string key = kv.key();
    cut(key, kMaxNameBytes, truncated);
    out.push_back({std::move(key), any_value(kv.value(), truncated)});
  }
  return out;
}

[[noreturn]] void not_otlp_protobuf() {
  throw Error(ErrorCode::InvalidArgument, "the body is not an OTLP ExportTraceServiceRequest (protobuf)");
}

[[noreturn]] void too_many_nested(const std::string& what) {
  throw Error(ErrorCode::TooLarge, "the request holds " + too_many_nested_text(what));
}

// fn(payload) for each length-delimited field `number` of a message, in order.
template <class Fn>
void for_each_message(std::string_view message, std::uint32_t number, Fn&& fn) {
  WireFields fields(message);
  for (WireField f; fields.next(f);) {
    if (f.is_message(number)) fn(f.bytes);
  }
  if (fields.malformed()) not_otlp_protobuf();
}

// Pieces of one message field merge, as protobuf merges them.
template <class Message>
void merge_or_throw(Message& m, std::string_view bytes) {
  Message piece;
  if (!piece.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) not_otlp_protobuf();
  m.MergeFrom(piece);
}

// Messages nested in a span, its resource or its scope, counted on the wire
// before protobuf builds them: 2 bytes of an empty attribute become an
// object of some 50 bytes, so 8 MiB of them would cost hundreds of MiB.
enum class Kind { span, event, link, key_value, any_value, array_value, kv_list, resource, scope };

// false when more than `budget` messages (or nesting past protobuf's own
// limit of 100, which the parse then refuses).
bool nested_within(std::string_view bytes, Kind kind, std::size_t& budget, int depth = 0) {
  if (depth > 100) return true;
  auto child = [kind](std::uint32_t field, Kind& k) {
    switch (kind) {
      case Kind::span:
        if (field == 9) k = Kind::key_value;
        if (field == 11) k = Kind::event;
        if (field == 13) k = Kind::link;
        return field == 9 || field == 11 || field == 13;
      case Kind::event: k = Kind::key_value; return field == 3;
      case Kind::link: k = Kind::key_value; return field == 4;
      case Kind::resource: k = Kind::key_value; return field == 1;
      case Kind::scope: k = Kind::key_value; return field == 3;
      case Kind::key_value: k = Kind::any_value; return field == 2;
      case Kind::any_value:
        k = field == 5 ? Kind::array_value : Kind::kv_list;
        return field == 5 || field == 6;
      case Kind::array_value: k = Kind::any_value; return field == 1;
      case Kind::kv_list: k = Kind::key_value; return field == 1;
    }
    return false;
  };
  WireFields fields(bytes);
  for (WireField f; fields.next(f);) {
    Kind k{};
    if (f.type != 2 || !child(f.number, k)) continue;
    if (budget == 0) return false;
    --budget;
    if (!nested_within(f.bytes, k, budget, depth + 1)) return false;
  }
  return true;  // malformed bytes are the parse's to refuse
}

SpanData span_of(const pb::Span& p, bool& ids) {
  SpanData s;
  ids = id_from_bytes(p.trace_id(), s.trace_id) && id_from_bytes(p.span_id(), s.span_id) &&
        (p.parent_span_id().empty() || id_from_bytes(p.parent_span_id(), s.parent_span_id));
  s.name = p.name();
  cut(s.name, kMaxNameBytes, s.truncated_values);
  s.trace_state = p.trace_state();
  cut(s.trace_state, kMaxNameBytes, s.truncated_values);
  s.kind = kind_of(p.kind());
  auto start = p.start_time_unix_nano(), end = p.end_time_unix_nano();
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  s.start_ns = start > kMax ? -1 : static_cast<std::int64_t>(start);
  s.end_ns = end > kMax ? -1 : static_cast<std::int64_t>(end);
  s.attributes = attributes_of(p.attributes(), s.dropped_attributes, s.truncated_values);
  s.dropped_attributes += p.dropped_attributes_count();
  for (const auto& e : p.events()) {
    if (s.events.size() >= kMaxEvents) {
      ++s.dropped_events;
      continue;
    }
    SpanEvent& ev = s.events.emplace_back();
    ev.name = e.name();
    cut(ev.name, kMaxNameBytes, s.truncated_values);
    ev.time_ns = e.time_unix_nano() > kMax ? 0 : static_cast<std::int64_t>(e.time_unix_nano());
    std::uint32_t dropped = 0;
    ev.attributes = attributes_of(e.attributes(), dropped, s.truncated_values);
  }
  for (const auto& l : p.links()) {
    SpanLink link;
    if (s.links.size() >= kMaxLinks || !id_from_bytes(l.trace_id(), link.trace_id) ||
        !id_from_bytes(l.span_id(), link.span_id)) {
      ++s.dropped_links;
      continue;
    }
    std::uint32_t dropped = 0;
    link.attributes = attributes_of(l.attributes(), dropped, s.truncated_values);
    s.links.push_back(std::move(link));
  }
  if (p.has_status()) {
    s.status = status_of(p.status().code());
    s.status_description = p.status().message();
    cut(s.status_description, kMaxValueBytes, s.truncated_values);
  }
  return s;
}

// ---- JSON ------------------------------------------------------------------

std::string text_of(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// 64-bit integers come as strings or numbers.
std::int64_t int_of(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return 0;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (it->is_number_unsigned()) {
    auto u = it->get<std::uint64_t>();
    return u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ? -1 : static_cast<std::int64_t>(u);
  }
  if (it->is_string()) {
    const std::string& s = it->get_ref<const std::string&>();
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && p == s.data() + s.size() ? v : -1;
  }
  return -1;
}

RecordedValue json_any(const Json& v, std::uint32_t& truncated) {
  if (!v.is_object()) return std::string();
  if (auto it = v.find("stringValue"); it != v.end() && it->is_string()) {
    std::string s = it->get<std::string>();
    cut(s, kMaxValueBytes, truncated);
    return s;
  }
  if (auto it = v.find("boolValue"); it != v.end() && it->is_boolean()) return it->get<bool>();
  if (v.contains("intValue")) return int_of(v, "intValue");
  if (auto it = v.find("doubleValue"); it != v.end()) {
    if (it->is_number()) return it->get<double>();
    return std::string(it->is_string() ? it->get<std::string>() : "");
  }
  if (auto it = v.find("arrayValue"); it != v.end() && it->is_object() && it->contains("values") &&
                                      (*it)["values"].is_array()) {
    const Json& vals = (*it)["values"];
    bool strings = !vals.empty(), ints = !vals.empty(), doubles = !vals.empty(), bools = !vals.empty();
    for (const auto& e : vals) {
      strings = strings && e.is_object() && e.contains("stringValue");
      ints = ints && e.is_object() && e.contains("intValue");
      doubles = doubles && e.is_object() && e.contains("doubleValue") && e["doubleValue"].is_number();
      bools = bools && e.is_object() && e.contains("boolValue") && e["boolValue"].is_boolean();
    }
    if (strings) {
      std::vector<std::string> out;
      for (const auto& e : vals) {
        out.push_back(text_of(e, "stringValue"));
        cut(out.back(), kMaxValueBytes, truncated);
      }
      return out;
    }
    if (ints) {
      std::vector<std::int64_t> out;
      for (const auto& e : vals) out.push_back(int_of(e, "intValue"));
      return out;
    }
    if (doubles) {
      std::vector<double> out;
      for (const auto& e : vals) out.push_back(e["doubleValue"].get<double>());
      return out;
    }
    if (bools) {
      std::vector<bool> out;
      for (const auto& e : vals) out.push_back(e["boolValue"].get<bool>());
      return out;
    }
  }
  // Key-value lists, bytes, mixed arrays: their JSON text.
  std::string s = v.dump(-1, ' ', false, Json::error_handler_t::replace);
  cut(s, kMaxValueBytes, truncated);
  return s;
}

std::vector<SpanAttribute> json_attributes(const Json& j, std::uint32_t& dropped, std::uint32_t& truncated) {
  std::vector<SpanAttribute> out;
  auto it = j.find("attributes");
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& kv : *it) {
    if (!kv.is_object()) continue;
    if (out.size() >= kMaxAttributes) {
      ++dropped;
      continue;
    }
    std::string key = text_of(kv, "key");
    cut(key, kMaxNameBytes, truncated);
    out.push_back({std::move(key), json_any(kv.contains("value") ? kv["value"] : Json(), truncated)});
  }
  return out;
}

// The message structure (resourceSpans > scopeSpans > spans) must be arrays
// of objects, as protobuf's own JSON mapping demands: anything else is not an
// ExportTraceServiceRequest. Absent or null is an empty list.
const Json& array_at(const Json& j, const char* key) {
  static const Json empty = Json::array();
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return empty;
  bool ok = it->is_array() && std::all_of(it->begin(), it->end(), [](const Json& e) { return e.is_object(); });
  if (!ok) {
    throw Error(ErrorCode::InvalidArgument,
                std::string("the body is not an OTLP ExportTraceServiceRequest (JSON): ") + key + " must be a list of objects");
  }
  return *it;
}

// One OTLP/JSON span into s; why it is rejected, or "".
std::string json_span(const Json& p, SpanData& s) {
  bool ids = id_from_hex(text_of(p, "traceId"), s.trace_id) && id_from_hex(text_of(p, "spanId"), s.span_id) &&
             (text_of(p, "parentSpanId").empty() || id_from_hex(text_of(p, "parentSpanId"), s.parent_span_id));
  if (!ids) return "a span whose traceId, spanId or parentSpanId is not hex of the right length";
  s.name = text_of(p, "name");
  cut(s.name, kMaxNameBytes, s.truncated_values);
  s.trace_state = text_of(p, "traceState");
  cut(s.trace_state, kMaxNameBytes, s.truncated_values);
  s.kind = kind_of(static_cast<int>(int_of(p, "kind")));
  s.start_ns = int_of(p, "startTimeUnixNano");
  s.end_ns = int_of(p, "endTimeUnixNano");
  s.attributes = json_attributes(p, s.dropped_attributes, s.truncated_values);
  for (const auto& e : array_at(p, "events")) {
    if (s.events.size() >= kMaxEvents) {
      ++s.dropped_events;
      continue;
    }
    SpanEvent& ev = s.events.emplace_back();
    ev.name = text_of(e, "name");
    cut(ev.name, kMaxNameBytes, s.truncated_values);
    ev.time_ns = std::max<std::int64_t>(0, int_of(e, "timeUnixNano"));
    std::uint32_t dropped = 0;
    ev.attributes = json_attributes(e, dropped, s.truncated_values);
  }
  for (const auto& l : array_at(p, "links")) {
    SpanLink link;
    if (s.links.size() >= kMaxLinks || !id_from_hex(text_of(l, "traceId"), link.trace_id) ||
        !id_from_hex(text_of(l, "spanId"), link.span_id)) {
      ++s.dropped_links;
      continue;
    }
    std::uint32_t dropped = 0;
    link.attributes = json_attributes(l, dropped, s.truncated_values);
    s.links.push_back(std::move(link));
  }
  if (p.contains("status") && p["status"].is_object()) {
    s.status = status_of(static_cast<int>(int_of(p["status"], "code")));
    s.status_description = text_of(p["status"], "message");
    cut(s.status_description, kMaxValueBytes, s.truncated_values);
  }
  return {};
}

}  // namespace

ReceivedSpans decode_otlp_protobuf(std::string_view body, const OtlpRequestBounds& bounds) {
  // ExportTraceServiceRequest: resource_spans = 1; ResourceSpans: resource =
  // 1, scope_spans = 2; ScopeSpans: scope = 1, spans = 2. Other fields are
  // skipped, as protobuf skips unknown ones. The spans are counted first,
  // building nothing.
  std::size_t count = 0;
  for_each_message(body, 1, [&](std::string_view rs) {
    for_each_message(rs, 2, [&](std::string_view ss) { for_each_message(ss, 2, [&](std::string_view) { ++count; }); });
  });
  check_span_count(count, bounds);

  // Then one message at a time, so that only the spans kept add up.
  ReceivedSpans out;
  for_each_message(body, 1, [&](std::string_view rs) {
    pb::Resource resource_pb;
    bool has_resource = false;
    std::size_t budget = kMaxNestedMessages;  // for all the pieces together
    for_each_message(rs, 1, [&](std::string_view piece) {
      has_resource = true;
      if (!nested_within(piece, Kind::resource, budget)) too_many_nested("a resource");
      merge_or_throw(resource_pb, piece);
    });
    std::uint32_t ignored = 0;
    auto resource =
        has_resource ? attributes_of(resource_pb.attributes(), ignored, ignored) : std::vector<SpanAttribute>{};
    for_each_message(rs, 2, [&](std::string_view ss) {
      pb::InstrumentationScope scope;
      std::size_t scope_budget = kMaxNestedMessages;
      for_each_message(ss, 1, [&](std::string_view piece) {
        if (!nested_within(piece, Kind::scope, scope_budget)) too_many_nested("a scope");
        merge_or_throw(scope, piece);
      });
      std::shared_ptr<const SpanOrigin> origin = origin_from(resource, scope.name(), scope.version());
      for_each_message(ss, 2, [&](std::string_view piece) {
        std::size_t span_budget = kMaxNestedMessages;
        if (!nested_within(piece, Kind::span, span_budget)) {
          accepted(out, SpanData{}, too_many_nested_text("a span"), bounds);
          return;
        }
        pb::Span p;
        if (!p.ParseFromArray(piece.data(), static_cast<int>(piece.size()))) not_otlp_protobuf();
        bool ids = false;
        SpanData s = span_of(p, ids);
        if (accepted(out, s, ids ? "" : "a span whose trace, span or parent id has the wrong length", bounds)) {
          keep(out, std::move(s), origin);
        }
      });
    });
  });
  return out;
}

ReceivedSpans decode_otlp_json(std::string_view body, const OtlpRequestBounds& bounds) {
  // A request nests 6 levels to a span's attribute values, and values nest
  // kMaxDepth more: deeper JSON is refused before anything walks it
  // recursively.
  std::string why;
  if (json_over_bounds(body, JsonBounds{kMaxJsonBodyDepth, std::numeric_limits<std::size_t>::max()}, &why) !=
      JsonFault::none) {
    throw Error(ErrorCode::InvalidArgument, "the body is refused: " + why);
  }
  // The spans are counted first, building nothing.
  std::size_t count = 0;
  OtlpJsonParts counting;
  counting.span = [&count](const Json&, bool) { ++count; };
  walk_otlp_json(body, counting, kMaxNestedMessages, /*build=*/false);
  check_span_count(count, bounds);

  // Then built one at a time. A ResourceSpans may name its resource after
  // its spans, so the accepted ones wait for its end to get their origin.
  struct Scoped {
    Json scope = Json::object();
    std::vector<SpanData> spans;
  };
  ReceivedSpans out;
  std::vector<SpanAttribute> resource;
  std::vector<Scoped> scoped;
  OtlpJsonParts parts;
  parts.resource_spans = [&] {
    resource.clear();
    scoped.clear();
  };
  parts.resource = [&](const Json& r) {
    std::uint32_t ignored = 0;
    resource = json_attributes(r, ignored, ignored);
  };
  parts.scope_spans = [&] { scoped.emplace_back(); };
  parts.scope = [&](const Json& scope) { scoped.back().scope = scope; };
  parts.span = [&](const Json& p, bool whole) {
    SpanData s;
    std::string rejected = whole ? json_span(p, s) : too_many_nested_text("a span");
    if (accepted(out, s, rejected, bounds)) scoped.back().spans.push_back(std::move(s));
  };
  parts.resource_spans_end = [&] {
    for (Scoped& group : scoped) {
      std::shared_ptr<const SpanOrigin> origin =
          origin_from(resource, text_of(group.scope, "name"), text_of(group.scope, "version"));
      for (SpanData& s : group.spans) keep(out, std::move(s), origin);
    }
    scoped.clear();
  };
  walk_otlp_json(body, parts, kMaxNestedMessages);
  return out;
}

std::string encode_export_response_protobuf(std::int64_t rejected, const std::string& message) {
  pb::ExportTraceServiceResponse resp;
  if (rejected > 0 || !message.empty()) {
    resp.mutable_partial_success()->set_rejected_spans(rejected);
    resp.mutable_partial_success()->set_error_message(message);
  }
  return resp.SerializeAsString();
}

std::string encode_export_response_json(std::int64_t rejected, const std::string& message) {
  Json resp = Json::object();
  if (rejected > 0 || !message.empty()) {
    resp["partialSuccess"] = Json{{"rejectedSpans", std::to_string(rejected)}, {"errorMessage", message}};
  }
  return resp.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string encode_rpc_status_protobuf(int grpc_code, const std::string& message) {
  pb::RpcStatus status;
  status.set_code(grpc_code);
  status.set_message(message);
  return status.SerializeAsString();
}

}  // namespace flockcpp::detail

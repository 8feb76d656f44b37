#include "tracing/span_record.hpp"

#include <algorithm>
#include <string>

namespace flockcpp::detail {

void assign_value(RecordedValue& dst, std::string_view s) {
  if (auto* str = std::get_if<std::string>(&dst)) {
    str->assign(s);
  } else {
    dst.emplace<std::string>(s);
  }
}

void assign_value(RecordedValue& dst, const AttributeValue& v) {
  std::visit(
      [&dst](const auto& x) {
        using X = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<X, std::string>) {
          assign_value(dst, std::string_view(x));
        } else {
          dst = x;
        }
      },
      v);
}

bool truncate_value(std::string& s, std::uint32_t limit) {
  if (s.size() <= limit) return false;
  std::size_t total = s.size();
  std::size_t cut = limit;
  // Step back to the start of a UTF-8 sequence so the prefix stays valid.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  s += "...[truncated, ";
  s += std::to_string(total);
  s += " bytes]";
  return true;
}

namespace {
// JSON documents (artifact payloads) become text here, on the processor
// thread, under the same length limit as any other string.
void render_json_values(std::vector<SpanAttribute>& attributes, std::uint32_t limit, std::uint32_t& truncated) {
  for (auto& a : attributes) {
    if (auto* doc = std::get_if<std::shared_ptr<const Json>>(&a.value)) {
      std::string text = *doc ? (*doc)->dump(-1, ' ', false, Json::error_handler_t::replace) : "null";
      if (truncate_value(text, limit)) ++truncated;
      a.value = std::move(text);
    }
  }
}
}  // namespace

void copy_to(const SpanRecord& rec, SpanData& out, std::uint32_t value_length_limit) {
  out.trace_id = rec.trace_id;
  out.span_id = rec.span_id;
  out.parent_span_id = rec.parent_span_id;
  if (rec.trace_state != nullptr) {
    out.trace_state = *rec.trace_state;
  } else {
    out.trace_state.clear();
  }
  out.name = rec.name;
  out.kind = rec.kind;
  out.start_ns = rec.start_ns;
  out.end_ns = rec.end_ns;
  out.status = rec.status;
  out.status_description = rec.status_description;
  out.attributes.assign(rec.attributes.begin(), rec.attributes.end());
  out.events.assign(rec.events.begin(), rec.events.end());
  out.links.assign(rec.links.begin(), rec.links.end());
  out.dropped_attributes = rec.dropped_attributes;
  out.dropped_events = rec.dropped_events;
  out.dropped_links = rec.dropped_links;
  out.truncated_values = rec.truncated_values;
  render_json_values(out.attributes, value_length_limit, out.truncated_values);
}

}  // namespace flockcpp::detail

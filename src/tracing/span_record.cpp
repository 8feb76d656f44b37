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

void render_json_values(std::vector<SpanAttribute>& attributes, std::uint32_t limit, std::uint32_t& truncated) {
  for (auto& a : attributes) {
    if (auto* doc = std::get_if<std::shared_ptr<const Json>>(&a.value)) {
      std::string text = *doc ? (*doc)->dump(-1, ' ', false, Json::error_handler_t::replace) : "null";
      if (truncate_value(text, limit)) ++truncated;
      a.value = std::move(text);
    }
  }
}


}  // namespace flockcpp::detail

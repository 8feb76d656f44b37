#include "storage/span_json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "common/hex.hpp"

namespace flockcpp::detail {
namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 when it is invalid.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  std::size_t n = s.size() - i;
  auto cont = [&](std::size_t k) { return (b(k) & 0xC0) == 0x80; };
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return n >= 2 && cont(i + 1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (n < 3 || !cont(i + 1) || !cont(i + 2)) return 0;
    if (c == 0xE0 && b(i + 1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(i + 1) >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (n < 4 || !cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return 0;
    if (c == 0xF0 && b(i + 1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && b(i + 1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

// "[item,item,...]" with each item written by write(out, item).
template <class Items, class Write>
void append_array(std::string& out, const Items& items, Write write) {
  out += '[';
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += ',';
    first = false;
    write(out, item);
  }
  out += ']';
}

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

template <class T>
void append_number(std::string& out, T v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, r.ptr);
}

void append_double(std::string& out, double d) {
  if (std::isnan(d)) {
    out += "\"NaN\"";
  } else if (std::isinf(d)) {
    out += d > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  } else {
    append_number(out, d);
  }
}

// Sort order that keeps every prefix's children together: '.' sorts first.
unsigned rank(char c) { return c == '.' ? 0u : static_cast<unsigned>(static_cast<unsigned char>(c)) + 1u; }
bool key_less(const SpanAttribute* a, const SpanAttribute* b) {
  return std::lexicographical_compare(a->key.begin(), a->key.end(), b->key.begin(), b->key.end(),
                                      [](char x, char y) { return rank(x) < rank(y); });
}

std::string_view segment(const std::string& key, std::size_t pos) {
  std::size_t dot = key.find('.', pos);
  return std::string_view(key).substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
}

// Emits the members of one object level: entries all share key[0, pos).
void emit_level(std::string& out, const SpanAttribute* const* b, const SpanAttribute* const* e, std::size_t pos) {
  bool first = true;
  while (b != e) {
    std::string_view seg = segment((*b)->key, pos);
    const SpanAttribute* const* g = b;
    const SpanAttribute* leaf = nullptr;
    while (g != e && (*g)->key.size() >= pos + seg.size() && std::string_view((*g)->key).substr(pos, seg.size()) == seg &&
           ((*g)->key.size() == pos + seg.size() || (*g)->key[pos + seg.size()] == '.')) {
      if ((*g)->key.size() == pos + seg.size()) leaf = *g;  // the last duplicate wins
      ++g;
    }
    if (!first) out += ',';
    first = false;
    append_json_string(out, seg);
    out += ':';
    const SpanAttribute* const* kids = b;
    while (kids != g && (*kids)->key.size() == pos + seg.size()) ++kids;
    if (kids == g) {
      append_value_json(out, leaf->value);
    } else {
      out += '{';
      if (leaf != nullptr) {
        append_json_string(out, kLeafKey);
        out += ':';
        append_value_json(out, leaf->value);
        out += ',';
      }
      emit_level(out, kids, g, pos + seg.size() + 1);
      out += '}';
    }
    b = g;
  }
}

void append_hex_id(std::string& out, const auto& id) {
  out += '"';
  append_hex(out, id.data(), id.size());
  out += '"';
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = utf8_sequence(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string valid_utf8(std::string_view s) {
  if (is_valid_utf8(s)) return std::string(s);
  std::string out;
  out.reserve(s.size() + 8);
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = utf8_sequence(s, i);
    if (n == 0) {
      out += kReplacement;
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
          out += "\\u00";
          append_hex(out, &c, 1);
      }
      ++i;
      continue;
    }
    std::size_t n = utf8_sequence(s, i);
    if (n == 0) {
      out += kReplacement;
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  out += '"';
}

void append_value_json(std::string& out, const RecordedValue& v) {
  std::visit(
      [&out](const auto& x) {
        using X = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<X, bool>) {
          out += x ? "true" : "false";
        } else if constexpr (std::is_same_v<X, std::int64_t>) {
          append_number(out, x);
        } else if constexpr (std::is_same_v<X, double>) {
          append_double(out, x);
        } else if constexpr (std::is_same_v<X, std::string>) {
          append_json_string(out, x);
        } else if constexpr (std::is_same_v<X, std::shared_ptr<const Json>>) {
          append_json_string(out, x ? x->dump(-1, ' ', false, Json::error_handler_t::replace) : "null");
        } else {
          append_array(out, x, [](std::string& o, const auto& e) {
            using E = typename X::value_type;
            if constexpr (std::is_same_v<E, bool>) {
              o += e ? "true" : "false";
            } else if constexpr (std::is_same_v<E, std::int64_t>) {
              append_number(o, e);
            } else if constexpr (std::is_same_v<E, double>) {
              append_double(o, e);
            } else {
              append_json_string(o, e);
            }
          });
        }
      },
      v);
}

void append_attributes_json(std::string& out, const SpanAttribute* begin, const SpanAttribute* end) {
  // Small on-stack index for the common case; sorted so prefixes group.
  std::vector<const SpanAttribute*> order;
  order.reserve(static_cast<std::size_t>(end - begin));
  for (const SpanAttribute* a = begin; a != end; ++a) order.push_back(a);
  std::stable_sort(order.begin(), order.end(), key_less);
  out += '{';
  emit_level(out, order.data(), order.data() + order.size(), 0);
  out += '}';
}

void append_attributes_json(std::string& out, const std::vector<SpanAttribute>& attributes) {
  append_attributes_json(out, attributes.data(), attributes.data() + attributes.size());
}

void append_events_json(std::string& out, const std::vector<SpanEvent>& events) {
  append_array(out, events, [](std::string& o, const SpanEvent& ev) {
    o += "{\"name\":";
    append_json_string(o, ev.name);
    o += ",\"timestamp\":";
    append_number(o, ev.time_ns);
    o += ",\"attributes\":";
    append_attributes_json(o, ev.attributes);
    o += '}';
  });
}

void append_links_json(std::string& out, const std::vector<SpanLink>& links) {
  append_array(out, links, [](std::string& o, const SpanLink& l) {
    o += "{\"trace_id\":";
    append_hex_id(o, l.trace_id);
    o += ",\"span_id\":";
    append_hex_id(o, l.span_id);
    o += ",\"attributes\":";
    append_attributes_json(o, l.attributes);
    o += '}';
  });
}

std::string span_attributes_json(const SpanData& span) {
  std::string out;
  if (span.dropped_attributes == 0 && span.dropped_events == 0 && span.dropped_links == 0 &&
      span.truncated_values == 0) {
    append_attributes_json(out, span.attributes);
    return out;
  }
  std::vector<SpanAttribute> all = span.attributes;
  auto add = [&](const char* key, std::uint32_t n) {
    if (n > 0) all.push_back(SpanAttribute{key, static_cast<std::int64_t>(n)});
  };
  add("flock.dropped_attributes_count", span.dropped_attributes);
  add("flock.dropped_events_count", span.dropped_events);
  add("flock.dropped_links_count", span.dropped_links);
  add("flock.truncated_values_count", span.truncated_values);
  append_attributes_json(out, all);
  return out;
}

}  // namespace flockcpp::detail

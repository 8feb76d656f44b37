#include "storage/stored_span.hpp"

#include <cctype>
#include <string>

#include "storage/span_json.hpp"

namespace flockcpp::detail {
namespace {

RecordedValue value_from_json(const Json& v) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array() && !v.empty()) {
    const Json& first = v.front();
    bool same = true;
    for (const Json& e : v) same = same && e.type() == first.type();
    if (same && first.is_boolean()) return v.get<std::vector<bool>>();
    if (same && first.is_number_integer()) return v.get<std::vector<std::int64_t>>();
    if (same && first.is_number()) return v.get<std::vector<double>>();
    if (same && first.is_string()) return v.get<std::vector<std::string>>();
  }
  if (v.is_array()) return std::vector<std::string>{};
  return v.dump();
}

void flatten(const Json& node, const std::string& prefix, std::vector<SpanAttribute>& out) {
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (it.key() == kLeafKey && !prefix.empty()) {
      out.push_back(SpanAttribute{prefix, value_from_json(it.value())});
      continue;
    }
    std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (it.value().is_object()) {
      flatten(it.value(), key, out);
    } else {
      out.push_back(SpanAttribute{key, value_from_json(it.value())});
    }
  }
}

template <std::size_t N>
std::array<std::uint8_t, N> id_from_hex(const Json& v) {
  std::array<std::uint8_t, N> id{};
  if (!v.is_string()) return id;
  const std::string& s = v.get_ref<const std::string&>();
  if (s.size() != 2 * N) return id;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : 0;
  };
  for (std::size_t i = 0; i < N; ++i) id[i] = static_cast<std::uint8_t>(nibble(s[2 * i]) << 4 | nibble(s[2 * i + 1]));
  return id;
}

SpanKind kind_from(const Json& v) {
  std::string k = v.is_string() ? v.get<std::string>() : "";
  if (k == "SERVER") return SpanKind::Server;
  if (k == "CLIENT") return SpanKind::Client;
  if (k == "PRODUCER") return SpanKind::Producer;
  if (k == "CONSUMER") return SpanKind::Consumer;
  return SpanKind::Internal;
}

StatusCode status_from(const Json& v) {
  std::string s = v.is_string() ? v.get<std::string>() : "";
  if (s == "OK") return StatusCode::Ok;
  if (s == "ERROR") return StatusCode::Error;
  return StatusCode::Unset;
}

}  // namespace

std::vector<SpanAttribute> attributes_from_json(const Json& nested) {
  std::vector<SpanAttribute> out;
  if (nested.is_object()) flatten(nested, "", out);
  return out;
}

SpanData span_data_from_row(const Json& row) {
  SpanData s;
  s.trace_id = id_from_hex<16>(row.value("trace_id", Json()));
  s.span_id = id_from_hex<8>(row.value("span_id", Json()));
  s.parent_span_id = id_from_hex<8>(row.value("parent_id", Json()));
  s.name = row.value("name", std::string());
  s.kind = kind_from(row.value("kind", Json()));
  s.start_ns = row.value("start_time", std::int64_t{0});
  s.end_ns = row.value("end_time", std::int64_t{0});
  s.status = status_from(row.value("status_code", Json()));
  if (row.contains("status_description") && row["status_description"].is_string())
    s.status_description = row["status_description"].get<std::string>();
  s.attributes = attributes_from_json(row.value("attributes", Json::object()));
  for (const Json& e : row.value("events", Json::array())) {
    if (!e.is_object()) continue;
    s.events.push_back(SpanEvent{e.value("name", std::string()), e.value("timestamp", std::int64_t{0}),
                                 attributes_from_json(e.value("attributes", Json::object()))});
  }
  for (const Json& l : row.value("links", Json::array())) {
    if (!l.is_object()) continue;
    s.links.push_back(SpanLink{id_from_hex<16>(l.value("trace_id", Json())), id_from_hex<8>(l.value("span_id", Json())),
                               attributes_from_json(l.value("attributes", Json::object()))});
  }
  return s;
}

}  // namespace flockcpp::detail

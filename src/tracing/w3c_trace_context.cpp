// W3C Trace Context, Level 1: traceparent and tracestate.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <mutex>
#include <unordered_set>
#include <vector>

#include "flock/propagation.hpp"
#include "common/log.hpp"

namespace flockcpp {
namespace {

bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

template <std::size_t N>
bool parse_hex(std::string_view s, std::array<std::uint8_t, N>& out) {
  if (s.size() != 2 * N) return false;
  for (std::size_t i = 0; i < N; ++i) {
    char hi = s[2 * i], lo = s[2 * i + 1];
    if (!is_lower_hex(hi) || !is_lower_hex(lo)) return false;
    auto v = [](char c) { return static_cast<std::uint8_t>(c <= '9' ? c - '0' : c - 'a' + 10); };
    out[i] = static_cast<std::uint8_t>(v(hi) << 4 | v(lo));
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '*' || c == '/';
}

// simple-key = lcalpha 0*255(keychar); multi-tenant-key = tenant-id "@" system-id
bool valid_key(std::string_view k) {
  auto at = k.find('@');
  if (at == std::string_view::npos) {
    return !k.empty() && k.size() <= 256 && k[0] >= 'a' && k[0] <= 'z' && std::all_of(k.begin(), k.end(), key_char);
  }
  std::string_view tenant = k.substr(0, at), system = k.substr(at + 1);
  bool tenant_ok = !tenant.empty() && tenant.size() <= 241 &&
                   ((tenant[0] >= 'a' && tenant[0] <= 'z') || (tenant[0] >= '0' && tenant[0] <= '9')) &&
                   std::all_of(tenant.begin(), tenant.end(), key_char);
  bool system_ok = !system.empty() && system.size() <= 14 && system[0] >= 'a' && system[0] <= 'z' &&
                   std::all_of(system.begin(), system.end(), key_char);
  return tenant_ok && system_ok;
}

// value = 0*255(chr) nblk-chr; chr = %x20 / nblk-chr; nblk-chr = %x21-2B / %x2D-3C / %x3E-7E
bool valid_value(std::string_view v) {
  if (v.empty() || v.size() > 256 || v.back() == ' ') return false;
  return std::all_of(v.begin(), v.end(), [](char c) { return c >= 0x20 && c <= 0x7E && c != ',' && c != '='; });
}

// The normalized header (members joined by ","), or nullopt when invalid.
std::optional<std::string> normalize_tracestate(std::string_view header) {
  std::vector<std::string_view> keys;
  std::string out;
  std::size_t members = 0;
  while (true) {
    auto comma = header.find(',');
    std::string_view member = trim(header.substr(0, comma));
    if (!member.empty()) {
      auto eq = member.find('=');
      if (eq == std::string_view::npos) return std::nullopt;
      std::string_view key = member.substr(0, eq), value = member.substr(eq + 1);
      if (!valid_key(key) || !valid_value(value)) return std::nullopt;
      if (std::find(keys.begin(), keys.end(), key) != keys.end()) return std::nullopt;  // duplicate key
      keys.push_back(key);
      if (++members > 32) return std::nullopt;
      if (!out.empty()) out += ',';
      out.append(member);
    }
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  if (out.empty()) return std::nullopt;
  return out;
}

// SpanContext stays trivially copyable by pointing at interned tracestates.
const std::string* intern(std::string s) {
  static std::mutex mu;
  static auto* table = new std::unordered_set<std::string>();
  constexpr std::size_t kMaxDistinct = 4096;
  std::lock_guard lock(mu);
  auto it = table->find(s);
  if (it != table->end()) return &*it;
  if (table->size() >= kMaxDistinct) {
    static bool warned = false;
    if (!warned) detail::logf(LogLevel::Warning, "more than %zu distinct tracestate values; new ones are not propagated", kMaxDistinct);
    warned = true;
    return nullptr;
  }
  return &*table->insert(std::move(s)).first;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

const std::string* header(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return &v;
  return nullptr;
}

}  // namespace

std::optional<SpanContext> parse_traceparent(std::string_view traceparent, std::string_view tracestate) {
  std::string_view h = trim(traceparent);
  if (h.size() < 55) return std::nullopt;
  std::string_view version = h.substr(0, 2);
  if (!is_lower_hex(version[0]) || !is_lower_hex(version[1]) || version == "ff") return std::nullopt;
  if (version == "00" && h.size() != 55) return std::nullopt;
  if (h.size() > 55 && h[55] != '-') return std::nullopt;  // a later version may append "-..." fields
  if (h[2] != '-' || h[35] != '-' || h[52] != '-') return std::nullopt;
  SpanContext ctx;
  std::array<std::uint8_t, 1> flags{};
  if (!parse_hex(h.substr(3, 32), ctx.trace_id) || !parse_hex(h.substr(36, 16), ctx.span_id) ||
      !parse_hex(h.substr(53, 2), flags)) {
    return std::nullopt;
  }
  if (!ctx.valid()) return std::nullopt;  // all-zero trace id or parent id
  ctx.sampled = (flags[0] & 0x01) != 0;
  ctx.remote = true;
  if (!tracestate.empty()) {
    if (auto normalized = normalize_tracestate(tracestate)) ctx.trace_state = intern(std::move(*normalized));
  }
  return ctx;
}

std::string format_traceparent(const SpanContext& ctx) {
  if (!ctx.valid()) return "";
  return "00-" + to_hex(ctx.trace_id) + "-" + to_hex(ctx.span_id) + (ctx.sampled ? "-01" : "-00");
}

std::string format_tracestate(const SpanContext& ctx) { return ctx.trace_state ? *ctx.trace_state : ""; }

void inject_trace_context(HttpHeaders& headers) { inject_trace_context(headers, current_span_context()); }

void inject_trace_context(HttpHeaders& headers, const SpanContext& ctx) {
  if (!ctx.valid()) return;
  headers["traceparent"] = format_traceparent(ctx);
  if (ctx.trace_state != nullptr) headers["tracestate"] = *ctx.trace_state;
}

std::optional<SpanContext> extract_trace_context(const HttpHeaders& headers) {
  const std::string* tp = header(headers, "traceparent");
  if (tp == nullptr) return std::nullopt;
  const std::string* ts = header(headers, "tracestate");
  return parse_traceparent(*tp, ts ? std::string_view(*ts) : std::string_view{});
}

}  // namespace flockcpp

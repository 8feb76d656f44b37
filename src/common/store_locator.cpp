#include "common/store_locator.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>
#include <utility>

#include "flock/error.hpp"

namespace flockcpp::detail {

namespace {

constexpr std::string_view kDuckDbPrefix = "duckdb:";
constexpr std::string_view kClickHousePrefix = "clickhouse://";
constexpr const char* kForms = "a path, duckdb:PATH or clickhouse://HOST[:PORT]/DATABASE";
// Past this a message shows the start of the text only: an argument of a
// megabyte must not become a message of a megabyte.
constexpr std::size_t kShownBytes = 80;
constexpr std::size_t kMaxHostBytes = 253;  // a DNS name's limit
constexpr std::size_t kMaxDatabaseBytes = 255;

// The reason alone; parse_store_locator adds the text, the environment
// reader its variable.
struct Refusal {
  std::string why;
};

[[noreturn]] void refuse(const std::string& why) { throw Refusal{why}; }

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// RFC 3986's scheme: a letter, then letters, digits, '+', '-', '.'.
std::size_t scheme_length(std::string_view text) {
  if (text.empty() || std::isalpha(static_cast<unsigned char>(text[0])) == 0) return 0;
  std::size_t i = 1;
  while (i < text.size() && (is_alnum(text[i]) || text[i] == '+' || text[i] == '-' || text[i] == '.')) ++i;
  return text.substr(i).starts_with("://") ? i : 0;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::uint16_t parse_port(std::string_view port) {
  if (port.empty()) refuse("empty port after ':' (leave out ':PORT' for 8123)");
  // Five digits at most, so the value below cannot overflow.
  if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    refuse("the port must be a number from 1 to 65535");
  }
  unsigned value = 0;
  for (char c : port) value = value * 10 + static_cast<unsigned>(c - '0');
  if (value < 1 || value > 65535) refuse("the port must be a number from 1 to 65535");
  return static_cast<std::uint16_t>(value);
}

bool valid_host_name(std::string_view host) {
  return std::all_of(host.begin(), host.end(), [](char c) { return is_alnum(c) || c == '-' || c == '.' || c == '_'; });
}

bool valid_ipv6(std::string_view host) {
  return host.find(':') != std::string_view::npos &&
         std::all_of(host.begin(), host.end(), [](char c) {
           return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
         });
}

StoreLocator parse_clickhouse(std::string_view rest) {
  StoreLocator loc;
  loc.kind = StoreKind::ClickHouse;
  if (rest.find_first_of("?#") != std::string_view::npos) refuse("a query or fragment ('?', '#') is not accepted");
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view database = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  // Credentials would end up in logs and error messages; they are not taken here.
  if (authority.find('@') != std::string_view::npos) refuse("a user name or password in the URL is not accepted");

  std::string_view port;
  bool has_port = false;
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) refuse("an IPv6 address needs its closing ']'");
    loc.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) refuse("expected ':PORT' or '/' after ']'");
    if (!loc.host.empty() && !valid_ipv6(loc.host)) refuse("not an IPv6 address between '[' and ']'");
    has_port = !after.empty();
    if (has_port) port = after.substr(1);
  } else {
    auto colon = authority.find(':');
    if (colon != std::string_view::npos && authority.find(':', colon + 1) != std::string_view::npos) {
      refuse("an IPv6 address goes between brackets: clickhouse://[::1]:8123/DATABASE");
    }
    loc.host = std::string(authority.substr(0, colon));
    has_port = colon != std::string_view::npos;
    if (has_port) port = authority.substr(colon + 1);
    if (!valid_host_name(loc.host)) refuse("the host may hold letters, digits, '-', '.' and '_' only");
  }
  if (loc.host.empty()) refuse("missing host: expected clickhouse://HOST[:PORT]/DATABASE");
  if (loc.host.size() > kMaxHostBytes) refuse("the host is longer than 253 bytes");
  if (has_port) loc.port = parse_port(port);

  if (database.empty()) refuse("missing database: expected clickhouse://HOST[:PORT]/DATABASE");
  if (database.find('/') != std::string_view::npos) refuse("the database name cannot contain '/'");
  if (database.size() > kMaxDatabaseBytes ||
      !std::all_of(database.begin(), database.end(), [](char c) { return is_alnum(c) || c == '_'; })) {
    refuse("the database name may hold letters, digits and '_' only (at most 255)");
  }
  loc.database = std::string(database);
  return loc;
}

StoreLocator parse_or_refuse(std::string_view text) {
  if (text.empty()) refuse(std::string("empty; expected ") + kForms);
  // A C path stops at the first NUL: "a.duckdb\0x" would open "a.duckdb".
  if (text.find('\0') != std::string_view::npos) refuse("it contains a NUL byte");
  if (text.starts_with(kDuckDbPrefix)) {
    StoreLocator loc;
    loc.path = std::string(text.substr(kDuckDbPrefix.size()));
    if (loc.path.empty()) refuse("no path after 'duckdb:' (expected duckdb:PATH)");
    return loc;
  }
  if (text.starts_with(kClickHousePrefix)) return parse_clickhouse(text.substr(kClickHousePrefix.size()));
  if (std::size_t n = scheme_length(text); n > 0) {
    std::string scheme = lower(text.substr(0, n));
    std::string hint = scheme == "clickhouse" ? " (schemes are lower-case: clickhouse://)"
                       : scheme == "duckdb"   ? " (a DuckDB file is duckdb:PATH)"
                                              : "";
    refuse("unknown scheme '" + printable_locator(text.substr(0, n)) + "://'" + hint + "; expected " + kForms +
                     " (write ./" + printable_locator(text.substr(0, n)) + "://... for a path that starts so)");
  }
  StoreLocator loc;
  loc.path = std::string(text);
  return loc;
}

}  // namespace

std::string printable_locator(std::string_view text) {
  std::string out;
  // A password in a URL stays out of messages and logs.
  if (text.starts_with(kClickHousePrefix)) {
    std::string_view authority = text.substr(kClickHousePrefix.size());
    authority = authority.substr(0, authority.find('/'));
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
      out = std::string(kClickHousePrefix) + "***";
      text = text.substr(kClickHousePrefix.size() + at);
    }
  }
  for (std::size_t i = 0; i < text.size() && i < kShownBytes; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  if (text.size() > kShownBytes) out += "... (" + std::to_string(text.size()) + " bytes)";
  return out;
}

std::optional<StoreLocator> try_parse_store_locator(std::string_view text, std::string* why) {
  try {
    return parse_or_refuse(text);
  } catch (Refusal& r) {
    if (why != nullptr) *why = std::move(r.why);
    return std::nullopt;
  }
}

StoreLocator parse_store_locator(std::string_view text) {
  std::string why;
  auto loc = try_parse_store_locator(text, &why);
  if (!loc) throw Error(ErrorCode::InvalidArgument, "invalid trace store \"" + printable_locator(text) + "\": " + why);
  return *std::move(loc);
}

}  // namespace flockcpp::detail

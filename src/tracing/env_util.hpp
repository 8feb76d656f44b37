// Reading configuration from the environment: every reader warns on stderr
// naming the variable when its value cannot be used, and leaves the
// default in place.
#pragma once
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flockcpp::detail {

// The variable's value, or nullptr when unset or empty.
const char* env_value(const char* name);
void warn_env(const char* name, const char* value, const char* expected);

std::string trim_lower(std::string_view s);
std::string trim_spaces(std::string_view s);
std::string percent_decode(std::string_view s);

// "key1=value1,key2=value2" (W3C Baggage form, used by OTEL_RESOURCE_ATTRIBUTES
// and OTEL_EXPORTER_OTLP_HEADERS): trimmed, percent-decoded pairs; entries
// without '=' or with an empty key are skipped and counted in malformed.
std::vector<std::pair<std::string, std::string>> parse_key_values(std::string_view text, int& malformed);

void read_env_bool(const char* name, bool& out);
// An integer in [min_value, max_value]; anything else (text, a sign, an
// overflow, out of range) is a warning and leaves `out` alone.
bool read_env_uint(const char* name, unsigned long long& out, unsigned long long min_value = 0,
                   unsigned long long max_value = std::numeric_limits<unsigned long long>::max());
template <class Int>
void read_env_uint(const char* name, Int& out, unsigned long long min_value = 0,
                   unsigned long long max_value = std::numeric_limits<unsigned long long>::max()) {
  max_value = std::min<unsigned long long>(max_value, std::numeric_limits<Int>::max());
  unsigned long long v = out;
  if (read_env_uint(name, v, min_value, max_value)) out = static_cast<Int>(v);
}
inline void read_env_ms(const char* name, std::chrono::milliseconds& out, unsigned long long min_value,
                        unsigned long long max_value) {
  unsigned long long v = static_cast<unsigned long long>(out.count());
  if (read_env_uint(name, v, min_value, max_value)) out = std::chrono::milliseconds(v);
}
// A number in [min_value, max_value] (finite); else a warning and `out` stays.
bool read_env_double(const char* name, double& out, double min_value, double max_value);

}  // namespace flockcpp::detail

#include "tracing/resource.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <string>

#include "tracing/span_record.hpp"
#include "flock/version.hpp"

namespace flockcpp::detail {
namespace {
std::string executable_name() {
  std::array<char, 4096> buf{};
  ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (n <= 0) return "unknown";
  std::string path(buf.data(), static_cast<std::size_t>(n));
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}
}  // namespace

std::vector<SpanAttribute> build_resource(const TraceConfig& config) {
  std::vector<SpanAttribute> out;
  auto set = [&out](const std::string& key, const AttributeValue& v) {
    auto it = std::find_if(out.begin(), out.end(), [&](const SpanAttribute& a) { return a.key == key; });
    SpanAttribute& a = it == out.end() ? out.emplace_back() : *it;
    a.key = key;
    assign_value(a.value, v);
  };
  set("service.name", "unknown_service:" + executable_name());
  set("telemetry.sdk.name", std::string("flock"));
  set("telemetry.sdk.language", std::string("cpp"));
  set("telemetry.sdk.version", std::string(flockcpp::kVersion));
  for (const auto& [k, v] : config.resource_attributes) set(k, v);
  // OTEL_SERVICE_NAME wins over service.name in OTEL_RESOURCE_ATTRIBUTES.
  if (!config.service_name.empty()) set("service.name", config.service_name);
  return out;
}

}  // namespace flockcpp::detail

#include "tracing/hot_config.hpp"

#include <algorithm>
#include <cctype>

namespace flockcpp::detail {

HotConfig make_hot_config(const TraceConfig& c, bool running) {
  HotConfig hot;
  hot.enabled = running && !c.sdk_disabled;
  hot.auto_trace = c.auto_trace;
  hot.limits = c.limits;
  hot.policy = c.queue_full_policy;
  hot.ignore.insert(c.ignore.begin(), c.ignore.end());
  for (auto s : c.services) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return std::tolower(ch); });
    hot.services.insert(s);
  }
  return hot;
}

bool HotConfig::wants(std::string_view name) const {
  if (!ignore.empty() && ignore.count(std::string(name)) != 0) return false;
  if (!services.empty()) {
    std::string service(name.substr(0, name.find('.')));
    std::transform(service.begin(), service.end(), service.begin(),
                   [](unsigned char ch) { return std::tolower(ch); });
    if (services.count(service) == 0) return false;
  }
  return true;
}

}  // namespace flockcpp::detail

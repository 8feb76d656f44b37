// JSON is nlohmann::json throughout the public API: artifacts' payloads,
// schemas and the HTTP API all speak it.
#pragma once
#include <nlohmann/json.hpp>

namespace flockcpp {
using Json = nlohmann::json;
}  // namespace flockcpp

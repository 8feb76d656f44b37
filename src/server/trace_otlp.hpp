// A stored trace as OTLP/JSON (GET /api/traces/{id}/otlp).
#pragma once
#include <optional>
#include <string>

#include "storage/trace_store.hpp"

namespace flockcpp::detail {

// nullopt when the store has no span of that trace.
std::optional<std::string> trace_otlp_json(const TraceStore& store, const std::string& trace_id);

}  // namespace flockcpp::detail

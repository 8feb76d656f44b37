// The OpenTelemetry resource of this process: service.name, telemetry.sdk.*
// and OTEL_RESOURCE_ATTRIBUTES.
#pragma once
#include <vector>

#include "flock/span_data.hpp"
#include "flock/trace_config.hpp"

namespace flockcpp::detail {


std::vector<SpanAttribute> build_resource(const TraceConfig& config);

}  // namespace flockcpp::detail

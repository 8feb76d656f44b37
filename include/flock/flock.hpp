// Flock for C++: blackboard multi-agent orchestration with unified tracing.
#pragma once
#include "flock/agent.hpp"
#include "flock/artifact.hpp"
#include "flock/attributes.hpp"
#include "flock/component.hpp"
#include "flock/engines.hpp"
#include "flock/json.hpp"
#include "flock/orchestrator.hpp"
#include "flock/span_data.hpp"
#include "flock/span_exporter.hpp"
#include "flock/trace_config.hpp"
#include "flock/tracing.hpp"
#include "flock/types.hpp"

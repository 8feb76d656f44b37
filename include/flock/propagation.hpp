// W3C Trace Context (https://www.w3.org/TR/trace-context/): traceparent and
// tracestate headers in and out, so one workflow can span several services.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "flock/tracing.hpp"

namespace flockcpp {

// Parses a traceparent (and optional tracestate) header. Returns nullopt for
// anything the specification says to ignore: wrong length or characters,
// all-zero ids, version ff, a version-00 header with extra fields. A
// tracestate that is malformed is dropped; the traceparent still counts.
std::optional<SpanContext> parse_traceparent(std::string_view traceparent, std::string_view tracestate = {});

// "00-<trace id>-<span id>-<flags>" for a valid context, "" otherwise.
std::string format_traceparent(const SpanContext& ctx);

// The tracestate header of a context ("" when it has none).
std::string format_tracestate(const SpanContext& ctx);

// Header names are compared case-insensitively, as HTTP does.
using HttpHeaders = std::map<std::string, std::string>;

// Adds traceparent (and tracestate) for the current span of this thread;
// does nothing when there is none.
void inject_trace_context(HttpHeaders& headers);
void inject_trace_context(HttpHeaders& headers, const SpanContext& ctx);

// The remote parent carried by headers, or nullopt.
std::optional<SpanContext> extract_trace_context(const HttpHeaders& headers);

}  // namespace flockcpp

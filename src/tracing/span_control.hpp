// What the library's own code does with spans beyond the public API: automatic
// spans (which honour FLOCK_AUTO_TRACE and the name filters), JSON-valued
// attributes formatted only at export, discarding, and the current context.
#pragma once
#include <memory>
#include <string_view>

#include "flock/json.hpp"
#include "flock/tracing.hpp"

namespace flockcpp::detail {

// The tracer's access to a span's record (private to everyone else).
struct SpanAccess {
  static Span make(SpanRecord* rec, SpanContext ctx) { return Span(rec, ctx); }
  static SpanRecord* record(const Span& s) { return s.record(); }
  static SpanRecord* release(Span& s) { return s.release_record(); }
};

// An automatic span: not recorded when auto tracing is off or the name is
// filtered out, in which case it passes its parent's context through so
// children still join the trace.
Span start_auto_span(std::string_view name, const SpanContext& parent, SpanKind kind = SpanKind::Internal);
Span start_auto_span(std::string_view name, SpanKind kind = SpanKind::Internal);

// Records a JSON document as a string attribute; the text is produced by
// the exporter thread.
void set_json_attribute(Span& span, std::string_view key, std::shared_ptr<const Json> value);

// Drops a span without exporting it (a hook the component did not override).
void discard_span(Span& span);

// Sets the calling thread's current context, returning the previous one.
SpanContext exchange_current(const SpanContext& ctx);

// Ends every open workflow span with status ERROR (used on SIGINT/SIGTERM).
void end_open_workflows(std::string_view reason);

}  // namespace flockcpp::detail

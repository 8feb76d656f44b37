// Spans users touch: TracedRun (a workflow span, current on this thread for
// its scope) and Span (any other span a user wants inside an agent).
#pragma once
#include <cstdint>
#include <atomic>
#include <exception>
#include <string>
#include <string_view>
#include <utility>

#include "flock/attributes.hpp"
#include "flock/span_data.hpp"
#include "flock/trace_config.hpp"

namespace flockcpp {

namespace detail {
struct SpanRecord;
struct SpanAccess;
// Tracing state read inline by start_span: 0 not configured yet, 1 off, 2 on.
enum : int { kTracingUnknown = 0, kTracingOff = 1, kTracingOn = 2 };
extern std::atomic<int> g_tracing_state;
}  // namespace detail

// W3C trace context of a span: what children and propagation need.
// Trivially copyable: it travels with every scheduled task.
struct SpanContext {
  TraceId trace_id{};
  SpanId span_id{};
  bool sampled = true;
  bool remote = false;                  // extracted from another process
  const std::string* trace_state = nullptr;  // W3C tracestate (interned), or none
  // When this process began the trace (its root's start, ns since the
  // epoch); 0 when it began elsewhere (a remote parent) or is not known.
  // No span of the trace, anywhere, can start much before it: the store
  // looks up a trace's stored row among rows that end after it.
  std::int64_t trace_began_ns = 0;
  bool valid() const { return !is_zero(trace_id) && !is_zero(span_id); }
};

// The span current on the calling thread (invalid when none).
SpanContext current_span_context();

// A span handle: move-only, ends at destruction unless ended before. A span
// that is not recorded (tracing disabled, ignored name) accepts every call
// and does nothing.
class Span {
 public:
  Span() = default;
  Span(Span&& other) noexcept : rec_(std::exchange(other.rec_, nullptr)), ctx_(other.ctx_) {}
  Span& operator=(Span&& other) noexcept;
  Span(const Span&) = delete;
  Span& operator=(const Span&) = delete;
  ~Span() {
    if (rec_ != nullptr) end();
  }

  template <class V>
  void set_attribute(std::string_view key, V&& value) {
    if (rec_) set_attribute_value(key, to_attribute_value(std::forward<V>(value)));
  }
  void set_attribute_value(std::string_view key, AttributeValue value);
  void add_event(std::string_view name, const Attributes& attributes = {});
  // Status ERROR with the message, and an `exception` event with
  // exception.type (demangled dynamic type) and exception.message.
  void record_exception(const std::exception& e);
  void record_exception(std::exception_ptr e);
  void set_status(StatusCode code, std::string_view description = {});
  void end();

  bool is_recording() const { return rec_ != nullptr; }
  const SpanContext& context() const { return ctx_; }
  std::string trace_id() const { return to_hex(ctx_.trace_id); }
  std::string span_id() const { return to_hex(ctx_.span_id); }

 private:
  // Only the tracer makes spans from records (detail::SpanAccess).
  friend struct detail::SpanAccess;
  friend class TracedRun;
  friend Span start_span(std::string_view, const SpanContext&, SpanKind);
  Span(detail::SpanRecord* rec, SpanContext ctx) : rec_(rec), ctx_(ctx) {}
  detail::SpanRecord* record() const { return rec_; }
  detail::SpanRecord* release_record() { return std::exchange(rec_, nullptr); }

  detail::SpanRecord* rec_ = nullptr;
  SpanContext ctx_{};
};

// Starts a span whose parent is the current span of this thread (a root when
// there is none). It does not become current: use ContextScope for that.
Span start_span_recorded(std::string_view name, SpanKind kind);
Span start_span_recorded(std::string_view name, const SpanContext& parent, SpanKind kind);

// With tracing off (OTEL_SDK_DISABLED) these cost one load and a branch.
Span start_span(std::string_view name, const SpanContext& parent, SpanKind kind = SpanKind::Internal);
inline Span start_span(std::string_view name, SpanKind kind = SpanKind::Internal) {
  if (detail::g_tracing_state.load(std::memory_order_relaxed) == detail::kTracingOff) return Span();
  return start_span_recorded(name, kind);
}
inline Span start_span(std::string_view name, const SpanContext& parent, SpanKind kind) {
  if (detail::g_tracing_state.load(std::memory_order_relaxed) == detail::kTracingOff) return Span(nullptr, parent);
  return start_span_recorded(name, parent, kind);
}

// Makes a context current on this thread for a scope (restores the previous one).
class ContextScope {
 public:
  explicit ContextScope(const SpanContext& ctx);
  ~ContextScope();
  ContextScope(const ContextScope&) = delete;
  ContextScope& operator=(const ContextScope&) = delete;

 private:
  SpanContext previous_;
};

// A workflow span (flock.workflow = true, workflow.name = name), current on
// the thread that opened it until it ends. Everything the scope causes, on
// any thread, joins its trace. Ends at scope exit, with status ERROR if an
// exception unwinds through it.
class [[nodiscard]] TracedRun {
 public:
  TracedRun(TracedRun&& other) noexcept;
  TracedRun& operator=(TracedRun&&) = delete;
  TracedRun(const TracedRun&) = delete;
  TracedRun& operator=(const TracedRun&) = delete;
  ~TracedRun();

  template <class V>
  void set_attribute(std::string_view key, V&& value) {
    set_attribute_value(key, to_attribute_value(std::forward<V>(value)));
  }
  void set_attribute_value(std::string_view key, AttributeValue value);
  void add_event(std::string_view name, const Attributes& attributes = {});
  void record_exception(const std::exception& e);
  void set_status(StatusCode code, std::string_view description = {});
  std::string trace_id() const { return span_.trace_id(); }
  std::string span_id() const { return span_.span_id(); }
  const SpanContext& context() const { return span_.context(); }
  bool is_recording() const { return span_.is_recording(); }
  void end();

  // Internal: made by Flock::traced_run.
  TracedRun(std::string_view name, const SpanContext* remote_parent);

 private:
  Span span_;
  SpanContext previous_{};
  int uncaught_at_start_ = 0;
  bool scoped_ = false;
};

}  // namespace flockcpp

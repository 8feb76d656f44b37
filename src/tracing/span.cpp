// Span, ContextScope and TracedRun: the public span API over SpanRecords.
#include <exception>
#include <mutex>
#include <unordered_set>

#include "flock/tracing.hpp"
#include "tracing/demangle.hpp"
#include "tracing/ids.hpp"
#include "tracing/pipeline.hpp"
#include "tracing/span_record.hpp"
#include "tracing/span_control.hpp"

namespace flockcpp {
namespace detail {
namespace {

thread_local SpanContext t_current{};

// Open workflow spans, so a terminating signal can end them. Workflow spans
// are few; their methods take this lock, the hot path never does.
std::mutex g_workflow_mu;
std::unordered_set<SpanRecord*>& open_workflows() {
  static auto* set = new std::unordered_set<SpanRecord*>();
  return *set;
}

SpanRecord* new_record(std::string_view name, const SpanContext& parent, SpanKind kind) {
  SpanRecord* rec = acquire_record();
  rec->start_ns = now_ns();
  rec->trace_id = parent.valid() ? parent.trace_id : new_trace_id();
  rec->parent_span_id = parent.valid() ? parent.span_id : SpanId{};
  rec->span_id = new_span_id();
  rec->trace_state = parent.valid() ? parent.trace_state : nullptr;
  rec->trace_began_ns = parent.valid() ? parent.trace_began_ns : rec->start_ns;
  rec->kind = kind;
  rec->name.assign(name);
  return rec;
}

Span make_span(std::string_view name, const SpanContext& parent, SpanKind kind) {
  // Parent-based sampling: a parent that was not sampled (a remote
  // traceparent with flags 00) makes every descendant a pass-through.
  // The non-recording span still gets its own id, as the specification says.
  if (parent.valid() && !parent.sampled) {
    return SpanAccess::make(nullptr, SpanContext{parent.trace_id, new_span_id(), false, false, parent.trace_state,
                                                        parent.trace_began_ns});
  }
  SpanRecord* rec = new_record(name, parent, kind);
  return SpanAccess::make(rec, SpanContext{rec->trace_id, rec->span_id, true, false, rec->trace_state,
                                           rec->trace_began_ns});
}

void limit_string(SpanRecord& rec, std::string& s) {
  if (truncate_value(s, hot_config().limits.attribute_value_length)) ++rec.truncated_values;
}

void limit_value(SpanRecord& rec, RecordedValue& v) {
  if (auto* s = std::get_if<std::string>(&v)) {
    limit_string(rec, *s);
  } else if (auto* vs = std::get_if<std::vector<std::string>>(&v)) {
    for (auto& e : *vs) limit_string(rec, e);
  }
}

// The slot for key: the existing attribute (last write wins, as in
// OpenTelemetry) or a new one; nullptr when the count limit is reached.
SpanAttribute* attribute_slot(SpanRecord& rec, std::string_view key) {
  for (auto& a : rec.attributes)
    if (a.key == key) return &a;
  if (rec.attributes.size() >= hot_config().limits.attribute_count) {
    ++rec.dropped_attributes;
    return nullptr;
  }
  SpanAttribute& a = rec.attributes.push();
  a.key.assign(key);
  return &a;
}

void submit(SpanRecord* rec) {
  rec->end_ns = now_ns();
  if (BatchSpanProcessor* p = current_processor()) {
    p->submit(rec);
  } else {
    recycle(rec);
  }
}

}  // namespace

Span start_auto_span(std::string_view name, const SpanContext& parent, SpanKind kind) {
  const HotConfig& hot = hot_config();
  if (!hot.enabled || !hot.auto_trace || !hot.wants(name)) return SpanAccess::make(nullptr, parent);
  return make_span(name, parent, kind);
}

Span start_auto_span(std::string_view name, SpanKind kind) { return start_auto_span(name, t_current, kind); }

void set_json_attribute(Span& span, std::string_view key, std::shared_ptr<const Json> value) {
  SpanRecord* rec = SpanAccess::record(span);
  if (rec == nullptr) return;
  if (SpanAttribute* a = attribute_slot(*rec, key)) a->value = std::move(value);
}

void discard_span(Span& span) {
  if (SpanRecord* rec = SpanAccess::release(span)) recycle(rec);
}

SpanContext exchange_current(const SpanContext& ctx) { return std::exchange(t_current, ctx); }

void end_open_workflows(std::string_view reason) {
  std::vector<SpanRecord*> records;
  {
    std::lock_guard lock(g_workflow_mu);
    records.assign(open_workflows().begin(), open_workflows().end());
    open_workflows().clear();
  }
  for (SpanRecord* rec : records) {
    rec->status = StatusCode::Error;
    rec->status_description.assign(reason);
    submit(rec);
  }
}

}  // namespace detail

// ---------------------------------------------------------------------------

SpanContext current_span_context() { return detail::t_current; }

ContextScope::ContextScope(const SpanContext& ctx) : previous_(detail::exchange_current(ctx)) {}
ContextScope::~ContextScope() { detail::exchange_current(previous_); }

Span start_span_recorded(std::string_view name, SpanKind kind) {
  return start_span_recorded(name, detail::t_current, kind);
}

Span start_span_recorded(std::string_view name, const SpanContext& parent, SpanKind kind) {
  if (!detail::hot_config().enabled) return detail::SpanAccess::make(nullptr, parent);
  return detail::make_span(name, parent, kind);
}

Span& Span::operator=(Span&& other) noexcept {
  if (this != &other) {
    end();
    rec_ = std::exchange(other.rec_, nullptr);
    ctx_ = other.ctx_;
  }
  return *this;
}

void Span::set_attribute_value(std::string_view key, AttributeValue value) {
  if (rec_ == nullptr) return;
  if (SpanAttribute* a = detail::attribute_slot(*rec_, key)) {
    detail::assign_value(a->value, value);
    detail::limit_value(*rec_, a->value);
  }
}

void Span::add_event(std::string_view name, const Attributes& attributes) {
  if (rec_ == nullptr) return;
  const auto& limits = detail::hot_config().limits;
  if (rec_->events.size() >= limits.event_count) {
    ++rec_->dropped_events;
    return;
  }
  SpanEvent& ev = rec_->events.push();
  ev.name.assign(name);
  ev.time_ns = detail::now_ns();
  ev.attributes.clear();
  for (const auto& [k, v] : attributes) {
    if (ev.attributes.size() >= limits.attribute_per_event_count) {
      ++rec_->dropped_attributes;
      continue;
    }
    auto& a = ev.attributes.emplace_back();
    a.key = k;
    detail::assign_value(a.value, v);
    detail::limit_value(*rec_, a.value);
  }
}

void Span::record_exception(const std::exception& e) {
  if (rec_ == nullptr) return;
  set_status(StatusCode::Error, e.what());
  add_event("exception", {{"exception.type", detail::exception_type_name(e)}, {"exception.message", std::string(e.what())}});
}

void Span::record_exception(std::exception_ptr e) {
  if (rec_ == nullptr || !e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    record_exception(ex);
  } catch (...) {
    set_status(StatusCode::Error, "non-standard exception");
    add_event("exception", {{"exception.type", std::string("unknown")}, {"exception.message", std::string("non-standard exception")}});
  }
}

void Span::set_status(StatusCode code, std::string_view description) {
  if (rec_ == nullptr) return;
  // OpenTelemetry: Ok is final; a description only goes with Error.
  if (rec_->status == StatusCode::Ok) return;
  rec_->status = code;
  if (code == StatusCode::Error) {
    rec_->status_description.assign(description);
    detail::limit_string(*rec_, rec_->status_description);
  } else {
    rec_->status_description.clear();
  }
}

void Span::end() {
  detail::SpanRecord* rec = std::exchange(rec_, nullptr);
  if (rec == nullptr) return;
  if (rec->workflow) {
    std::lock_guard lock(detail::g_workflow_mu);
    // A signal may have ended it already.
    if (detail::open_workflows().erase(rec) == 0) return;
  }
  detail::submit(rec);
}

// ---------------------------------------------------------------------------

TracedRun::TracedRun(std::string_view name, const SpanContext* remote_parent)
    : uncaught_at_start_(std::uncaught_exceptions()) {
  SpanContext parent = remote_parent != nullptr ? *remote_parent : detail::t_current;
  span_ = start_span(name, parent);
  if (detail::SpanRecord* rec = span_.record()) {
    span_.set_attribute("flock.workflow", true);
    span_.set_attribute("workflow.name", name);
    rec->workflow = true;
    std::lock_guard lock(detail::g_workflow_mu);
    detail::open_workflows().insert(rec);
  }
  if (span_.context().valid()) {
    previous_ = detail::exchange_current(span_.context());
    scoped_ = true;
  }
}

TracedRun::TracedRun(TracedRun&& other) noexcept
    : span_(std::move(other.span_)),
      previous_(other.previous_),
      uncaught_at_start_(other.uncaught_at_start_),
      scoped_(std::exchange(other.scoped_, false)) {}

TracedRun::~TracedRun() { end(); }

void TracedRun::set_attribute_value(std::string_view key, AttributeValue value) {
  std::lock_guard lock(detail::g_workflow_mu);
  if (span_.record() && detail::open_workflows().count(span_.record())) span_.set_attribute_value(key, std::move(value));
}

void TracedRun::add_event(std::string_view name, const Attributes& attributes) {
  std::lock_guard lock(detail::g_workflow_mu);
  if (span_.record() && detail::open_workflows().count(span_.record())) span_.add_event(name, attributes);
}

void TracedRun::record_exception(const std::exception& e) {
  std::lock_guard lock(detail::g_workflow_mu);
  if (span_.record() && detail::open_workflows().count(span_.record())) span_.record_exception(e);
}

void TracedRun::set_status(StatusCode code, std::string_view description) {
  std::lock_guard lock(detail::g_workflow_mu);
  if (span_.record() && detail::open_workflows().count(span_.record())) span_.set_status(code, description);
}

void TracedRun::end() {
  if (scoped_) {
    // Restore the enclosing context if this run is still the current one here.
    if (detail::t_current.span_id == span_.context().span_id) detail::exchange_current(previous_);
    scoped_ = false;
  }
  if (!span_.is_recording()) return;
  {
    std::lock_guard lock(detail::g_workflow_mu);
    detail::SpanRecord* rec = span_.record();
    if (detail::open_workflows().count(rec) && rec->status != StatusCode::Error) {
      if (std::uncaught_exceptions() > uncaught_at_start_) {
        rec->status = StatusCode::Error;
        rec->status_description = "exception unwound through the traced_run scope";
      } else {
        rec->status = StatusCode::Ok;
      }
    }
  }
  span_.end();
}

}  // namespace flockcpp

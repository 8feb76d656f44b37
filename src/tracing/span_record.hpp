// The mutable span behind a Span handle. Records are recycled, never freed
// on a hot path: a record is allocated by the thread whose lane it belongs to
// and keeps its vectors' and strings' capacity from one span to the next.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "flock/span_data.hpp"

namespace flockcpp::detail {

struct Lane;

// A vector whose elements outlive reset(): their strings keep capacity.
template <class T>
class ReusableList {
 public:
  T& push() {
    if (size_ < items_.size()) return items_[size_++];
    ++size_;
    return items_.emplace_back();
  }
  void reset() { size_ = 0; }
  std::size_t size() const { return size_; }
  const T* begin() const { return items_.data(); }
  const T* end() const { return items_.data() + size_; }
  T* begin() { return items_.data(); }
  T* end() { return items_.data() + size_; }

 private:
  std::vector<T> items_;
  std::size_t size_ = 0;
};

struct SpanRecord {
  TraceId trace_id{};
  SpanId span_id{};
  SpanId parent_span_id{};
  const std::string* trace_state = nullptr;  // interned, see w3c_trace_context.cpp
  std::int64_t trace_began_ns = 0;           // SpanContext::trace_began_ns
  SpanKind kind = SpanKind::Internal;
  StatusCode status = StatusCode::Unset;
  bool workflow = false;  // a TracedRun: tracked so a signal can end it
  std::int64_t start_ns = 0;
  std::int64_t end_ns = 0;
  std::string name;
  std::string status_description;
  ReusableList<SpanAttribute> attributes;
  ReusableList<SpanEvent> events;
  ReusableList<SpanLink> links;
  std::uint32_t dropped_attributes = 0;
  std::uint32_t dropped_events = 0;
  std::uint32_t dropped_links = 0;
  std::uint32_t truncated_values = 0;

  Lane* home = nullptr;           // the lane whose pool this record returns to
  SpanRecord* next_free = nullptr;  // intrusive link of the lane's return stack

  void reset() {
    status = StatusCode::Unset;
    workflow = false;
    status_description.clear();
    attributes.reset();
    events.reset();
    links.reset();
    dropped_attributes = dropped_events = dropped_links = truncated_values = 0;
  }
};

// Assigns into a RecordedValue, reusing the string it already holds.
void assign_value(RecordedValue& dst, std::string_view s);
void assign_value(RecordedValue& dst, const AttributeValue& v);

// Cuts s to at most limit bytes at a UTF-8 boundary and appends a marker;
// returns true when it cut.
bool truncate_value(std::string& s, std::uint32_t limit);

// JSON documents (artifact payloads) become text on the processor thread,
// under the same length limit as any other string.
void render_json_values(std::vector<SpanAttribute>& attributes, std::uint32_t limit, std::uint32_t& truncated);

}  // namespace flockcpp::detail

// Shared fixture: the process-wide pipeline pointed at an in-memory exporter.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include <flock/flock.hpp>

namespace flockcpp::testing_support {

class TracedTest : public ::testing::Test {
 protected:
  void SetUp() override { configure(); }
  void TearDown() override { tracing::force_flush(); }

  void configure(TraceConfig config = {}) {
    memory_ = std::make_shared<InMemorySpanExporter>();
    config.exporters = {memory_};
    config.flush_interval = std::chrono::milliseconds(5);
    config.handle_signals = false;
    tracing::configure(std::move(config));
  }

  std::vector<SpanData> spans() {
    EXPECT_TRUE(tracing::force_flush(std::chrono::seconds(20)));
    return memory_->spans();
  }

  static const SpanData* find(const std::vector<SpanData>& spans, const std::string& name) {
    auto it = std::find_if(spans.begin(), spans.end(), [&](const SpanData& s) { return s.name == name; });
    return it == spans.end() ? nullptr : &*it;
  }
  static std::vector<const SpanData*> all_named(const std::vector<SpanData>& spans, const std::string& name) {
    std::vector<const SpanData*> out;
    for (const auto& s : spans)
      if (s.name == name) out.push_back(&s);
    return out;
  }
  static const SpanData* parent_of(const std::vector<SpanData>& spans, const SpanData& child) {
    for (const auto& s : spans)
      if (s.span_id == child.parent_span_id) return &s;
    return nullptr;
  }
  static const RecordedValue* attr(const SpanData& s, const std::string& key) {
    for (const auto& a : s.attributes)
      if (a.key == key) return &a.value;
    return nullptr;
  }

  std::shared_ptr<InMemorySpanExporter> memory_;
};

}  // namespace flockcpp::testing_support

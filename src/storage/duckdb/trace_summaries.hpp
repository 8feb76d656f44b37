// Table traces kept by the writer: one batch of spans folded into a row per
// trace (in C++, on the writer's thread), then merged into the table in the
// transaction of the spans, so traces always agrees with spans.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>

#include "flock/span_data.hpp"
#include "storage/duckdb/duckdb_handle.hpp"

namespace flockcpp::detail {

// What one batch says about one trace.
struct TraceSummary {
  std::string root_name;
  bool has_root = false;
  std::int64_t root_start = 0;  // of root_name's span
  std::optional<std::string> workflow_name;
  std::optional<std::int64_t> workflow_start;
  std::int64_t start_time = 0;
  std::int64_t end_time = 0;
  std::int64_t span_count = 0;
  std::int64_t error_count = 0;
  std::set<std::string> services, agents, correlation_ids, tags;
  std::set<std::string> service_names;  // the resources' service.name
  std::optional<std::string> error_message;
  std::optional<std::int64_t> first_error_time;
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  struct ModelUsage {
    std::int64_t calls = 0;
    std::int64_t input_tokens = 0;
    std::int64_t output_tokens = 0;
  };
  std::map<std::string, ModelUsage> models;  // table trace_models' rows
  // The earliest time any span of the trace can start, when every span of
  // the batch says when this process began the trace (0 otherwise): its
  // stored row, if any, ends after it (trace_began_ns, docs/trace-store.md).
  std::int64_t began = 0;

  void add(const SpanData& span);
};

// Folds spans into one summary per trace id (hex); service_name is the
// service.name of the resource they were recorded under.
std::map<std::string, TraceSummary> summarize(std::span<const SpanData> spans, const std::string& service_name);

// Clocks of the processes that write one store may disagree by this much:
// a span recorded elsewhere in a trace this process began may start that
// long before the trace began here (docs/trace-store.md).
inline constexpr std::int64_t kClockSkewNs = 3'600'000'000'000;  // 1 hour

// The end_time after which the stored rows of these traces, if any, end:
// the earliest `began` less kClockSkewNs, when this process began every one
// of them; nullopt when one may be older than this process knows.
std::optional<std::int64_t> stored_rows_end_after(const std::map<std::string, TraceSummary>& summaries);

// Merges the summaries into tables traces and trace_models (inside the
// caller's transaction).
void merge_summaries(DuckConnection& con, const std::map<std::string, TraceSummary>& summaries);

// Recomputes the rows of these traces from table spans (after TTL deleted
// some of their spans); a trace with no span left loses its row.
void rebuild_summaries(DuckConnection& con, const std::string& where_spans);

}  // namespace flockcpp::detail

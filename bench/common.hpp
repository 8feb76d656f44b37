// Shared helpers of flock_bench: temp trace files, counting the rows that
// reached a trace file, and the per-benchmark "nothing lost" tally printed
// with the final table.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <flock/trace_config.hpp>

namespace flock_bench {

// A fresh path under this run's temp folder (removed by cleanup_temp()).
std::string temp_trace_path(const std::string& tag);
void remove_trace_file(const std::string& path);  // the file and its .wal
void cleanup_temp();

// Rows of table spans in a trace file, read with DuckDB's C API while
// holding the store's in-process file lock (the exporter releases the file
// between flushes). -1 when the file cannot be read.
std::int64_t count_rows(const std::string& path);

// A store of `spans` synthetic spans, kSpansPerTrace to a trace (a workflow
// root and eleven children, 1% errors, attributes shaped like the
// library's), with table traces filled as the writer would.
inline constexpr int kSpansPerTrace = 12;
void generate_store(const std::string& path, std::int64_t spans);

// A TraceConfig writing to path (defaults otherwise, not the environment).
flockcpp::TraceConfig file_config(const std::string& path);

// OTLP to a loopback collector: short schedule delay, a queue that never
// drops in a benchmark, the given batch size.
flockcpp::OtlpExporterOptions loopback_otlp_options(const std::string& endpoint, std::size_t batch);

// What one benchmark produced and what reached the file, summed over every
// call Google Benchmark made of it.
struct Tally {
  std::uint64_t produced = 0;  // spans the benchmark ended (its own count or the pipeline's)
  std::int64_t rows = 0;       // rows found in the trace files
  std::uint64_t dropped = 0;   // TraceStats::spans_dropped delta
  std::uint64_t lost = 0;      // TraceStats::spans_lost
  int calls = 0;
  int unreadable = 0;
};
void record_tally(const std::string& bench, std::uint64_t produced, std::int64_t rows, std::uint64_t dropped,
                  std::uint64_t lost);
std::map<std::string, Tally> tallies();

// Spans per flush pause in the span-cost benchmarks (must stay below
// TraceConfig::thread_queue_capacity).
std::size_t flush_every();

}  // namespace flock_bench


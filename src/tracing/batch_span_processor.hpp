// The batch span processor: drains the producing threads' lanes on its own
// thread, holds spans (bounded in count and bytes) while an exporter cannot
// take them, retries with back-off, and hands batches to every exporter.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "flock/span_exporter.hpp"
#include "flock/trace_config.hpp"
#include "tracing/lanes.hpp"

namespace flockcpp::detail {

// What a held span costs in memory, roughly: the bound on the processor's
// queue (max_pending_bytes) is in these bytes.
std::size_t approx_bytes(const SpanData& s);

class BatchSpanProcessor {
 public:
  explicit BatchSpanProcessor(TraceConfig config);
  ~BatchSpanProcessor();
  BatchSpanProcessor(const BatchSpanProcessor&) = delete;
  BatchSpanProcessor& operator=(const BatchSpanProcessor&) = delete;

  // Hands an ended record to the processor through the caller's lane.
  void submit(SpanRecord* rec);
  // Wakes the processor thread now instead of at the next interval.
  void poke();
  // Spans received from another process (OTLP ingest): queued for the next
  // pass and exported like this process's own. False, taking nothing, when
  // they would not fit in the queue's bounds (the sender retries later).
  bool ingest(std::vector<SpanData>&& spans);
  // True once every span ended (or ingested) before the call is exported:
  // spans that end meanwhile are not waited for, and the request is taken up
  // at the processor's next drain, not at the end of its round.
  bool force_flush(std::chrono::milliseconds timeout);
  void stop(std::chrono::milliseconds timeout);
  TraceStats stats() const;
  const TraceConfig& config() const { return config_; }

 private:
  // One force_flush call: what it waits for, placed in the queue by the
  // processor. Positions count every span the queue ever held.
  struct FlushRequest {
    struct Target {
      Lane* lane;
      std::uint64_t ended;  // the lane's ended count at the call
      bool drained = false;
    };
    std::vector<Target> targets;
    bool seen = false;           // the processor knows of it
    bool placed = false;         // every target drained: `position` is final
    std::uint64_t position = 0;  // just past the last span it waits for
  };

  void run();
  bool drain_lanes();  // returns true when a lane may still hold spans
  std::size_t unexported() const;  // spans of pending_ some exporter has not taken yet
  // Under mu_: flush requests whose targets this drain reached get their position.
  void place_flush_requests();
  // Under mu_: what every exporter has taken, for flush waiters.
  void publish_exported();
  // One slice to each exporter not backing off; true while one has more.
  bool export_pending();
  std::chrono::steady_clock::time_point next_round() const;
  bool flushed_locked() const;
  bool full() const;  // the processor holds as many spans or bytes as it may
  void give_up();

  TraceConfig config_;
  std::vector<std::shared_ptr<SpanExporter>> exporters_;
  std::thread thread_;

  mutable std::mutex mu_;
  std::condition_variable wake_cv_;
  std::condition_variable flushed_cv_;
  std::vector<FlushRequest*> flush_requests_;  // waiting callers' (under mu_)
  bool flush_requested_ = false;               // one the processor has not seen (under mu_)
  std::uint64_t exported_position_ = 0;        // every exporter has taken the queue up to here (under mu_)
  bool stopping_ = false;
  std::chrono::steady_clock::time_point stop_deadline_{};
  bool stopped_ = false;
  std::atomic<bool> poked_{false};

  // Processor thread only (published to flush waiters under mu_).
  std::vector<SpanData> pending_;
  std::uint64_t pending_base_ = 0;          // position of pending_[0]
  std::vector<std::uint64_t> flush_marks_;  // placed flush positions not yet exported, ascending
  struct LaneDrain {
    Lane* lane;
    std::uint64_t drained_before;  // the lane's drained count before this drain
    std::uint64_t count;           // spans this drain took from it
    std::uint64_t start;           // the position its first one took
  };
  std::vector<LaneDrain> lane_drains_;  // the last drain, per lane
  std::size_t drain_turn_ = 0;          // which lane the next drain starts at
  std::vector<std::size_t> exported_upto_;  // per exporter, index into pending_
  std::size_t tapped_upto_ = 0;             // index into pending_: spans the taps saw
  std::vector<std::chrono::steady_clock::time_point> retry_at_;
  // Per exporter: when the Retry answers since its last Success began.
  std::vector<std::optional<std::chrono::steady_clock::time_point>> failing_since_;
  std::vector<std::size_t> slice_;       // spans per export call, per exporter (see export_pending)
  std::vector<SpanData> received_;       // ingested, not yet taken by a pass (under mu_)
  std::size_t received_bytes_ = 0;       // their size (under mu_)
  std::size_t pending_bytes_ = 0;
  bool at_bound_ = false;
  std::uint64_t completed_generation_ = 0;            // bumped after each export pass
  // Copies published under mu_ after each pass, for flush waiters.
  std::unordered_map<Lane*, std::uint64_t> drained_snapshot_;
  bool pending_empty_snapshot_ = true;

  std::atomic<std::uint64_t> exported_{0};
  std::atomic<std::uint64_t> lost_{0};
  std::atomic<std::uint64_t> retries_{0};
  std::atomic<std::uint64_t> pending_count_{0};
  std::atomic<std::uint64_t> unexported_count_{0};  // pending_ not yet taken by every exporter
  std::atomic<std::uint64_t> pending_bytes_out_{0};
  std::atomic<std::uint64_t> queue_full_{0};
};

// The processor in force (never freed: a stale pointer stays valid).
BatchSpanProcessor* current_processor();

}  // namespace flockcpp::detail

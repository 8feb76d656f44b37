#include "tracing/batch_span_processor.hpp"

#include <algorithm>
#include <limits>
#include <thread>
#include <type_traits>
#include <variant>

#include "common/log.hpp"
#include "tracing/span_taps.hpp"

namespace flockcpp::detail {
namespace {

std::size_t value_bytes(const RecordedValue& v) {
  return std::visit(
      [](const auto& x) -> std::size_t {
        using V = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<V, std::string>) {
          return x.size();
        } else if constexpr (std::is_same_v<V, std::vector<std::string>>) {
          std::size_t n = 0;
          for (const auto& e : x) n += sizeof(std::string) + e.size();
          return n;
        } else if constexpr (std::is_same_v<V, std::vector<bool>>) {
          return x.size() / 8;
        } else if constexpr (std::is_same_v<V, std::vector<std::int64_t>> || std::is_same_v<V, std::vector<double>>) {
          return x.size() * 8;
        } else if constexpr (std::is_same_v<V, std::shared_ptr<const Json>>) {
          return 64;  // shared with the blackboard, not owned by the span
        } else {
          return 0;
        }
      },
      v);
}

std::size_t attributes_bytes(const std::vector<SpanAttribute>& attrs) {
  std::size_t n = 0;
  for (const auto& a : attrs) n += sizeof(SpanAttribute) + a.key.size() + value_bytes(a.value);
  return n;
}

}  // namespace

std::size_t approx_bytes(const SpanData& s) {
  std::size_t n = sizeof(SpanData) + s.name.size() + s.status_description.size() + s.trace_state.size() +
                  attributes_bytes(s.attributes);
  for (const auto& e : s.events) n += sizeof(SpanEvent) + e.name.size() + attributes_bytes(e.attributes);
  for (const auto& l : s.links) n += sizeof(SpanLink) + attributes_bytes(l.attributes);
  return n;
}

namespace {

// Spans per exporter call: sized so that a call takes about kSliceTime, as
// big as that allows under a backlog (fewer, larger transactions), small
// enough that an exporter can let go of its file between calls in time.
constexpr std::size_t kFirstSlice = 32768, kMinSlice = 4096, kMaxSlice = 131072;
// How far drains run ahead of exporters that keep up (drain_lanes).
constexpr std::size_t kDrainAhead = 2 * kMinSlice;
constexpr auto kSliceTime = std::chrono::milliseconds(100);
// How long an exporter must have been unable to write before drains stop
// waiting for it (drain_lanes). A shorter pause (the DuckDB writer letting go
// of its file for a reader) keeps the backlog, and so what a force_flush
// waits for, within about one slice.
constexpr auto kStuckAfter = std::chrono::milliseconds(1000);

std::size_t next_slice(std::size_t slice, std::size_t sent, std::chrono::steady_clock::duration took) {
  // The rate of the last call, scaled to kSliceTime: one slow call (one
  // that opened or checkpointed the file) does not shrink slices for long.
  double ms = std::max(1.0, std::chrono::duration<double, std::milli>(took).count());
  auto fit = static_cast<std::size_t>(static_cast<double>(sent) * static_cast<double>(kSliceTime.count()) / ms);
  if (sent < slice) fit = std::max(fit, slice);  // a call that took what there was says little about a full one
  return std::clamp(fit, kMinSlice, kMaxSlice);
}

// Back-off between export attempts of an exporter that answers Retry:
// every 25 ms for the first kStuckAfter (a file held for a moment by a
// reader is taken back as soon as it is free), then as long again as it has
// been stuck past that (50 ms, doubling, at most 2 s), so a busy or full
// disk costs no spinning core.
std::chrono::milliseconds retry_delay(std::chrono::steady_clock::duration failing_for) {
  if (failing_for < kStuckAfter) return std::chrono::milliseconds(25);
  auto past = std::chrono::duration_cast<std::chrono::milliseconds>(failing_for - kStuckAfter);
  return std::clamp(past, std::chrono::milliseconds(50), std::chrono::milliseconds(2000));
}

}  // namespace

BatchSpanProcessor::BatchSpanProcessor(TraceConfig config) : config_(std::move(config)) {
  exporters_ = config_.exporters;
  config_.exporters.clear();
  exported_upto_.assign(exporters_.size(), 0);
  retry_at_.assign(exporters_.size(), std::chrono::steady_clock::time_point{});
  failing_since_.assign(exporters_.size(), std::nullopt);
  slice_.assign(exporters_.size(), kFirstSlice);
  thread_ = std::thread([this] { run(); });
}

BatchSpanProcessor::~BatchSpanProcessor() { stop(std::chrono::seconds(30)); }

void BatchSpanProcessor::submit(SpanRecord* rec) {
  Lane& lane = this_thread_lane();
  if (!lane.ring.try_push(*rec)) {
    poke();
    if (config_.queue_full_policy == QueueFullPolicy::Drop) {
      lane.dropped.fetch_add(1, std::memory_order_relaxed);
      recycle(rec);
      return;
    }
    // Wait policy: this producer waits until the processor makes room. A
    // stopped processor never drains, so give up after it stops.
    for (int spins = 0; !lane.ring.try_push(*rec); ++spins) {
      if (spins % 64 == 63) {
        poke();
        std::lock_guard lock(mu_);
        if (stopped_) {
          lane.dropped.fetch_add(1, std::memory_order_relaxed);
          recycle(rec);
          return;
        }
      }
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }
  // The span is in the ring: its record goes straight back to this
  // thread's pool.
  recycle(rec);
  std::uint64_t n = lane.ended.load(std::memory_order_relaxed) + 1;
  lane.ended.store(n, std::memory_order_release);
  // Every 256 spans, wake the processor early if this lane is half full.
  if ((n & 255) == 0 && lane.ring.half_full()) poke();
}

void BatchSpanProcessor::poke() {
  if (poked_.exchange(true, std::memory_order_acq_rel)) return;
  std::lock_guard lock(mu_);
  wake_cv_.notify_one();
}

bool BatchSpanProcessor::ingest(std::vector<SpanData>&& spans) {
  std::size_t bytes = 0;
  for (const SpanData& s : spans) bytes += approx_bytes(s);
  {
    std::lock_guard lock(mu_);
    if (stopped_ || stopping_) return false;
    // What the processor holds plus what waits for it stays within the bounds.
    std::size_t held = pending_bytes_out_.load(std::memory_order_relaxed) + received_bytes_;
    std::size_t count = pending_count_.load(std::memory_order_relaxed) + received_.size();
    if (held + bytes > config_.max_pending_bytes || count + spans.size() > config_.max_pending_spans) return false;
    received_bytes_ += bytes;
    for (auto& s : spans) received_.push_back(std::move(s));
  }
  poke();
  return true;
}

std::size_t BatchSpanProcessor::unexported() const {
  if (exporters_.empty()) return pending_.size();
  return pending_.size() - *std::min_element(exported_upto_.begin(), exported_upto_.end());
}

bool BatchSpanProcessor::drain_lanes() {
  bool more = false;
  bool placing = false;
  {
    std::lock_guard lock(mu_);
    for (auto& s : received_) {
      pending_bytes_ += approx_bytes(s);
      pending_.push_back(std::move(s));
    }
    received_.clear();
    received_bytes_ = 0;
    // A request seen for the first time waits at least for what the queue
    // holds now: its ingested spans, and lane spans drained before.
    for (FlushRequest* r : flush_requests_) {
      if (!r->seen) {
        r->seen = true;
        r->position = pending_base_ + pending_.size();
      }
      placing = placing || !r->placed;
    }
  }
  const std::uint32_t limit = config_.limits.attribute_value_length;
  lane_drains_.clear();
  // Each drain starts at the next lane: at the queue's bound, the first
  // lanes would otherwise take all the room and the last ones never drain
  // (a flush waiting for one of those would never return).
  std::vector<Lane*> lanes = all_lanes();
  if (!lanes.empty()) {
    std::rotate(lanes.begin(), lanes.begin() + static_cast<std::ptrdiff_t>(drain_turn_++ % lanes.size()), lanes.end());
  }
  // Exporters that keep up take the queue one slice at a time: drain about
  // that much, export it, and come back, so the backlog stays near one slice
  // and the queue fills only when an exporter cannot write (one that has
  // been retrying for kStuckAfter lifts the cap, and the lanes drain to the
  // bound to free the producers). Until then a producer faster than the
  // exporters waits for room in its lane: the backlog, and so what a
  // force_flush waits for, stays within a slice or two. Under the Drop
  // policy a producer may not wait, so it would drop spans while the queue
  // has room: there the cap lifts at an exporter's first Retry, and a lane
  // more than half full drains past it all the same.
  const bool dropping = config_.queue_full_policy == QueueFullPolicy::Drop;
  std::size_t cap = std::numeric_limits<std::size_t>::max();
  const auto now = std::chrono::steady_clock::now();
  bool stuck = false;
  for (std::size_t i = 0; i < exporters_.size(); ++i) {
    stuck = stuck || (failing_since_[i] && (dropping || now - *failing_since_[i] >= kStuckAfter));
  }
  if (!stuck) cap = pending_.size() - unexported() + kDrainAhead;  // the queue position drains stop at
  for (Lane* lane : lanes) {
    LaneDrain d{lane, lane->drained.load(std::memory_order_relaxed), 0, pending_base_ + pending_.size()};
    std::size_t past_cap = 0;  // a producer as fast as this loop keeps its lane half full
    while (!full() && !lane->ring.empty()) {
      if (pending_.size() >= cap && (!dropping || !lane->ring.half_full() || ++past_cap > kDrainAhead)) {
        more = true;
        break;
      }
      SpanData& span = pending_.emplace_back();
      if (!lane->ring.try_pop(span, limit)) {
        pending_.pop_back();
        break;
      }
      pending_bytes_ += approx_bytes(span);
      ++d.count;
    }
    // Counted per lane, not per processor: a reconfigured pipeline goes on
    // where the previous one stopped.
    if (d.count > 0) lane->drained.fetch_add(d.count, std::memory_order_relaxed);
    if (full() && !lane->ring.empty()) more = true;
    lane_drains_.push_back(d);
  }
  if (placing) {
    std::lock_guard lock(mu_);
    place_flush_requests();
  }
  pending_count_.store(pending_.size(), std::memory_order_relaxed);
  unexported_count_.store(unexported(), std::memory_order_relaxed);
  pending_bytes_out_.store(pending_bytes_, std::memory_order_relaxed);
  if (full() != at_bound_) {
    at_bound_ = full();
    if (at_bound_) {
      queue_full_.fetch_add(1, std::memory_order_relaxed);
      detail::logf(LogLevel::Error,
                   "the span queue is full (%zu spans, %zu MB held while an exporter cannot write); %s",
                   pending_.size(), pending_bytes_ >> 20,
                   config_.queue_full_policy == QueueFullPolicy::Drop
                       ? "new spans are dropped and counted (FLOCK_TRACE_QUEUE_POLICY=drop)"
                       : "threads that end spans wait for room (FLOCK_TRACE_QUEUE_POLICY=wait)");
    } else {
      detail::logf(LogLevel::Info, "the span queue has room again (%zu spans held)", pending_.size());
    }
  }
  return more;
}

void BatchSpanProcessor::place_flush_requests() {
  for (FlushRequest* r : flush_requests_) {
    if (r->placed || !r->seen) continue;
    bool all = true;
    for (auto& t : r->targets) {
      if (t.drained) continue;
      auto d = std::find_if(lane_drains_.begin(), lane_drains_.end(), [&](const LaneDrain& x) { return x.lane == t.lane; });
      if (d != lane_drains_.end() && d->drained_before + d->count >= t.ended) {
        t.drained = true;
        // The lane's spans go into the queue in the order they ended: its
        // last one the request waits for is the (ended - drained_before)th.
        if (t.ended > d->drained_before) r->position = std::max(r->position, d->start + (t.ended - d->drained_before));
      } else {
        all = false;
      }
    }
    if (!all) continue;
    r->placed = true;
    if (r->position <= exported_position_) {
      flushed_cv_.notify_all();  // nothing of it was left to export
    } else {
      flush_marks_.insert(std::upper_bound(flush_marks_.begin(), flush_marks_.end(), r->position), r->position);
    }
  }
}

void BatchSpanProcessor::publish_exported() {
  std::size_t upto = pending_.size();
  for (std::size_t done : exported_upto_) upto = std::min(upto, done);
  std::uint64_t position = pending_base_ + upto;
  if (position == exported_position_) return;
  exported_position_ = position;
  while (!flush_marks_.empty() && flush_marks_.front() <= position) flush_marks_.erase(flush_marks_.begin());
  if (!flush_requests_.empty()) flushed_cv_.notify_all();
}

bool BatchSpanProcessor::export_pending() {
  auto now = std::chrono::steady_clock::now();
  std::size_t done = pending_.size();
  bool more = false;
  for (std::size_t i = 0; i < exporters_.size(); ++i) {
    // A backlog goes out one slice per round (next_slice): one exporter
    // call stays short, the lanes are drained between two slices, and an
    // exporter that must let go of something between calls (the DuckDB
    // writer's hold on its file) gets the chance to.
    if (exported_upto_[i] < pending_.size() && now >= retry_at_[i]) {
      std::size_t from = exported_upto_[i];
      std::size_t size = std::min(pending_.size() - from, slice_[i]);
      // A slice ends where a waiting flush's spans end: the flush does not
      // wait for spans that ended after it was called.
      auto mark = std::upper_bound(flush_marks_.begin(), flush_marks_.end(), pending_base_ + from);
      if (mark != flush_marks_.end()) size = std::min<std::size_t>(size, *mark - (pending_base_ + from));
      std::span<const SpanData> batch(pending_.data() + from, size);
      ExportResult r;
      auto started = std::chrono::steady_clock::now();
      try {
        r = exporters_[i]->export_batch(batch);
        if (r == ExportResult::Success) {
          slice_[i] = next_slice(slice_[i], batch.size(), std::chrono::steady_clock::now() - started);
        }
      } catch (const std::exception& e) {
        detail::logf(LogLevel::Error, "span exporter %s failed: %s", exporters_[i]->name().c_str(), e.what());
        r = ExportResult::Failure;
      }
      if (r == ExportResult::Retry) {
        retries_.fetch_add(1, std::memory_order_relaxed);
        if (!failing_since_[i]) failing_since_[i] = now;
        retry_at_[i] = now + retry_delay(now - *failing_since_[i]);
      } else {
        exported_upto_[i] = from + batch.size();
        if (r == ExportResult::Success) {
          exported_.fetch_add(batch.size(), std::memory_order_relaxed);
          failing_since_[i].reset();
        } else {
          lost_.fetch_add(batch.size(), std::memory_order_relaxed);
          detail::logf(LogLevel::Error, "%zu spans lost: exporter %s failed permanently", batch.size(),
                       exporters_[i]->name().c_str());
        }
        more = more || exported_upto_[i] < pending_.size();
      }
      std::lock_guard lock(mu_);
      publish_exported();
    }
    done = std::min(done, exported_upto_[i]);
  }
  call_span_taps(std::span<const SpanData>(pending_.data() + tapped_upto_, pending_.size() - tapped_upto_));
  tapped_upto_ = pending_.size();
  // What every exporter has taken leaves the queue; under a backlog only in
  // large steps, so that the queue is not shifted after every slice.
  if (done > 0 && (!more || done >= kMinSlice * 16)) {
    for (std::size_t k = 0; k < done; ++k) pending_bytes_ -= approx_bytes(pending_[k]);
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(done));
    for (auto& upto : exported_upto_) upto -= done;
    tapped_upto_ -= done;
    pending_base_ += done;
  }
  pending_count_.store(pending_.size(), std::memory_order_relaxed);
  unexported_count_.store(unexported(), std::memory_order_relaxed);
  pending_bytes_out_.store(pending_bytes_, std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  publish_exported();  // (with no exporter, nothing else does)
  return more;
}

// The flush interval, or sooner when an exporter's retry falls due.
std::chrono::steady_clock::time_point BatchSpanProcessor::next_round() const {
  auto at = std::chrono::steady_clock::now() + config_.flush_interval;
  for (std::size_t i = 0; i < exporters_.size(); ++i) {
    if (exported_upto_[i] < pending_.size()) at = std::min(at, retry_at_[i]);
  }
  return at;
}

bool BatchSpanProcessor::full() const {
  return pending_.size() >= config_.max_pending_spans || pending_bytes_ >= config_.max_pending_bytes;
}

void BatchSpanProcessor::give_up() {
  // The exit grace is over: what an exporter could not write is lost, and
  // the program is told how much, once. The spans still in the lanes are
  // taken out (which frees what they share, such as a payload's JSON) and
  // marked drained, so that a pipeline configured later does not export
  // spans already counted as lost.
  std::size_t in_lanes = 0;
  SpanData discarded;
  for (Lane* lane : all_lanes()) {
    std::uint64_t left = lane->ended.load(std::memory_order_acquire) - lane->drained.load(std::memory_order_acquire);
    std::uint64_t taken = 0;
    while (taken < left && lane->ring.try_pop(discarded, config_.limits.attribute_value_length)) ++taken;
    lane->drained.fetch_add(taken, std::memory_order_relaxed);
    in_lanes += left;
  }
  for (std::size_t i = 0; i < exporters_.size(); ++i) {
    std::size_t left = pending_.size() - exported_upto_[i] + in_lanes;
    if (left == 0) continue;
    lost_.fetch_add(left, std::memory_order_relaxed);
    detail::logf(LogLevel::Error, "exiting with %zu spans not written by %s (it could not write for the last %lld ms; "
                 "FLOCK_TRACE_EXIT_GRACE_MS)", left, exporters_[i]->name().c_str(),
                 static_cast<long long>(config_.exit_grace.count()));
  }
}

bool BatchSpanProcessor::flushed_locked() const {
  if (!pending_empty_snapshot_ || !received_.empty()) return false;
  for (Lane* lane : all_lanes()) {
    auto it = drained_snapshot_.find(lane);
    std::uint64_t drained = it == drained_snapshot_.end() ? 0 : it->second;
    if (drained < lane->ended.load(std::memory_order_acquire)) return false;
  }
  return true;
}

void BatchSpanProcessor::run() {
  for (auto& e : exporters_) e->start();
  std::unique_lock lock(mu_);
  for (;;) {
    wake_cv_.wait_until(lock, next_round(), [this] {
      return stopping_ || flush_requested_ || poked_.load(std::memory_order_acquire);
    });
    poked_.store(false, std::memory_order_release);
    flush_requested_ = false;
    lock.unlock();
    // Flush waiters are woken as soon as their spans are exported (in
    // export_pending), not at the end of this round, which lasts as long as
    // producers keep the exporters busy.
    bool more = drain_lanes();
    bool exporting = export_pending();
    while ((more && !full()) || exporting) {
      more = drain_lanes();
      exporting = export_pending();
    }
    lock.lock();
    for (Lane* lane : all_lanes()) drained_snapshot_[lane] = lane->drained.load(std::memory_order_relaxed);
    pending_empty_snapshot_ = pending_.empty();
    ++completed_generation_;
    flushed_cv_.notify_all();
    if (stopping_ && flushed_locked()) break;
    if (stopping_ && std::chrono::steady_clock::now() >= stop_deadline_) {
      give_up();
      break;
    }
    if (stopping_ && !pending_empty_snapshot_) {
      // An exporter is retrying: do not spin, but come back soon.
      wake_cv_.wait_for(lock, std::chrono::milliseconds(20));
    }
  }
  lock.unlock();
  for (auto& e : exporters_) e->shutdown();
  lock.lock();
  stopped_ = true;
  flushed_cv_.notify_all();
}

bool BatchSpanProcessor::force_flush(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mu_);
  if (stopped_) return true;
  // Targets: what every lane has ended up to now (and what was ingested,
  // which the processor's next drain takes whole).
  FlushRequest request;
  for (Lane* lane : all_lanes()) request.targets.push_back({lane, lane->ended.load(std::memory_order_acquire)});
  flush_requests_.push_back(&request);
  flush_requested_ = true;
  wake_cv_.notify_one();
  bool ok = flushed_cv_.wait_until(lock, deadline, [&] {
    return stopped_ || (request.placed && exported_position_ >= request.position);
  });
  flush_requests_.erase(std::find(flush_requests_.begin(), flush_requests_.end(), &request));
  lock.unlock();
  // Exporters that queue internally (OTLP) deliver what they accepted.
  for (auto& e : exporters_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    ok = e->force_flush(std::max(left, std::chrono::milliseconds(0))) && ok;
  }
  return ok;
}

void BatchSpanProcessor::stop(std::chrono::milliseconds timeout) {
  {
    std::unique_lock lock(mu_);
    if (!thread_.joinable()) return;
    stopping_ = true;
    stop_deadline_ = std::chrono::steady_clock::now() + timeout;
    wake_cv_.notify_one();
    // The thread gives up by itself at the deadline; the margin covers an
    // exporter call in progress.
    if (!flushed_cv_.wait_for(lock, timeout + std::chrono::seconds(5), [this] { return stopped_; })) {
      detail::logf(LogLevel::Error, "span pipeline did not flush within %lld ms; %zu spans not exported",
                   static_cast<long long>(timeout.count()),
                   static_cast<std::size_t>(pending_count_.load()));
      // Let the thread finish in the background; the process is ending.
      thread_.detach();
      return;
    }
  }
  thread_.join();
}

TraceStats BatchSpanProcessor::stats() const {
  TraceStats s;
  for (Lane* lane : all_lanes()) {
    // A dropped span ended too: ended = exported + lost + dropped + pending.
    std::uint64_t dropped = lane->dropped.load(std::memory_order_relaxed);
    s.spans_ended += lane->ended.load(std::memory_order_relaxed) + dropped;
    s.spans_dropped += dropped;
  }
  s.spans_exported = exported_.load(std::memory_order_relaxed);
  s.spans_lost = lost_.load(std::memory_order_relaxed);
  s.export_retries = retries_.load(std::memory_order_relaxed);
  // Not yet taken by every exporter (exported spans leave the queue in
  // steps): ended = exported + lost + dropped + pending.
  s.spans_pending = unexported_count_.load(std::memory_order_relaxed);
  s.bytes_pending = pending_bytes_out_.load(std::memory_order_relaxed);
  s.max_pending_bytes = config_.max_pending_bytes;
  s.queue_full = queue_full_.load(std::memory_order_relaxed);
  for (const auto& e : exporters_) e->add_stats(s);
  return s;
}

}  // namespace flockcpp::detail

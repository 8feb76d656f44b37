#include "tracing/lanes.hpp"

#include <algorithm>
#include <mutex>

namespace flockcpp::detail {
namespace {

struct LaneRegistry {
  std::mutex mu;
  std::vector<Lane*> lanes;  // all, for the processor
  std::vector<Lane*> idle;   // released by exited threads
  std::size_t capacity_bytes = 8192 * 256;
};

LaneRegistry& registry() {
  static auto* r = new LaneRegistry();  // leaked: lanes must outlive every thread and static destructor
  return *r;
}

thread_local Lane* t_lane = nullptr;
thread_local bool t_exited = false;

Lane* acquire_lane() {
  auto& r = registry();
  std::lock_guard lock(r.mu);
  if (!r.idle.empty()) {
    Lane* lane = r.idle.back();
    r.idle.pop_back();
    return lane;
  }
  auto* lane = new Lane(r.capacity_bytes);
  r.lanes.push_back(lane);
  return lane;
}

// Hands the lane back when the thread exits; its queued spans stay in the
// ring for the processor and its pool goes to the next thread.
struct LaneReleaser {
  ~LaneReleaser() {
    if (t_lane != nullptr) {
      auto& r = registry();
      std::lock_guard lock(r.mu);
      r.idle.push_back(t_lane);
    }
    t_lane = nullptr;
    t_exited = true;
  }
};
thread_local LaneReleaser t_releaser;

Lane& acquire_lane_slow() {
  t_lane = acquire_lane();
  // After the releaser ran (spans ended by other thread_local destructors),
  // the lane stays with this dying thread; a rare, bounded leak.
  if (!t_exited) (void)&t_releaser;
  return *t_lane;
}

}  // namespace

Lane& this_thread_lane() {
  if (t_lane != nullptr) [[likely]]
    return *t_lane;
  return acquire_lane_slow();
}

SpanRecord* acquire_record() {
  Lane& lane = this_thread_lane();
  if (lane.free_local.empty()) {
    // Take everything other threads gave back in one exchange.
    SpanRecord* r = lane.returned.exchange(nullptr, std::memory_order_acquire);
    while (r != nullptr) {
      lane.free_local.push_back(r);
      r = r->next_free;
    }
    // The stack hands back the most recently returned first; reuse those
    // first (the last element is taken next).
    std::reverse(lane.free_local.begin(), lane.free_local.end());
  }
  SpanRecord* rec;
  if (!lane.free_local.empty()) {
    rec = lane.free_local.back();
    lane.free_local.pop_back();
    rec->reset();
  } else {
    rec = new SpanRecord();
    rec->home = &lane;
  }
  return rec;
}

void recycle(SpanRecord* rec) {
  Lane* home = rec->home;
  if (home == t_lane) {
    home->free_local.push_back(rec);
    return;
  }
  SpanRecord* head = home->returned.load(std::memory_order_relaxed);
  do {
    rec->next_free = head;
  } while (!home->returned.compare_exchange_weak(head, rec, std::memory_order_release, std::memory_order_relaxed));
}

std::vector<Lane*> all_lanes() {
  auto& r = registry();
  std::lock_guard lock(r.mu);
  return r.lanes;
}

void set_lane_capacity(std::size_t spans) {
  auto& r = registry();
  std::lock_guard lock(r.mu);
  r.capacity_bytes = (spans < 16 ? 16 : spans) * 256;
}

}  // namespace flockcpp::detail

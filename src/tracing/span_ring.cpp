#include "tracing/span_ring.hpp"

#include <bit>
#include <cstring>
#include <string_view>
#include <type_traits>
#include <variant>

namespace flockcpp::detail {

namespace {

// Entry: u32 size (rounded up to 8 in the ring), then the fields below. A
// size of kWrap means the rest of the buffer is unused; an entry with kBig
// holds a pointer to a heap copy (a span larger than half the ring).
constexpr std::uint32_t kWrap = 0xFFFFFFFFu;
constexpr std::uint32_t kBig = 0x80000000u;
constexpr std::size_t kBigEntry = 16;

enum Tag : std::uint8_t { kBool, kInt, kDouble, kStr, kBoolVec, kIntVec, kDoubleVec, kStrVec, kJson };

struct Header {
  std::uint32_t size;
  std::uint8_t kind, status, pad0, pad1;
  TraceId trace_id;
  SpanId span_id, parent_span_id;
  std::int64_t start_ns, end_ns;
  const std::string* trace_state;
  std::int64_t trace_began_ns;
  std::uint32_t dropped_attributes, dropped_events, dropped_links, truncated_values;
  std::uint32_t name_len, description_len, attributes, events, links, pad2;
};

std::size_t round8(std::size_t n) { return (n + 7) & ~std::size_t{7}; }

// ---- sizes --------------------------------------------------------------

std::size_t value_size(const RecordedValue& v) {
  return 1 + std::visit(
                 [](const auto& x) -> std::size_t {
                   using X = std::decay_t<decltype(x)>;
                   if constexpr (std::is_same_v<X, bool>) {
                     return 1;
                   } else if constexpr (std::is_same_v<X, std::int64_t> || std::is_same_v<X, double>) {
                     return 8;
                   } else if constexpr (std::is_same_v<X, std::string>) {
                     return 4 + x.size();
                   } else if constexpr (std::is_same_v<X, std::vector<bool>>) {
                     return 4 + x.size();
                   } else if constexpr (std::is_same_v<X, std::vector<std::int64_t>> ||
                                        std::is_same_v<X, std::vector<double>>) {
                     return 4 + 8 * x.size();
                   } else if constexpr (std::is_same_v<X, std::vector<std::string>>) {
                     std::size_t n = 4;
                     for (const auto& s : x) n += 4 + s.size();
                     return n;
                   } else {
                     return sizeof(void*);
                   }
                 },
                 v);
}

template <class Attrs>
std::size_t attributes_size(const Attrs& attrs) {
  std::size_t n = 0;
  for (const auto& a : attrs) n += 4 + a.key.size() + value_size(a.value);
  return n;
}

std::size_t encoded_size(const SpanRecord& r) {
  std::size_t n = sizeof(Header) + r.name.size() + r.status_description.size() + attributes_size(r.attributes);
  for (const auto& e : r.events) n += 4 + e.name.size() + 8 + 4 + attributes_size(e.attributes);
  for (const auto& l : r.links) n += 16 + 8 + 4 + attributes_size(l.attributes);
  return n;
}

// ---- writing ------------------------------------------------------------

struct Out {
  char* p;
  void bytes(const void* src, std::size_t n) {
    std::memcpy(p, src, n);
    p += n;
  }
  template <class T>
  void put(T v) {
    bytes(&v, sizeof v);
  }
  void str(std::string_view s) {
    put(static_cast<std::uint32_t>(s.size()));
    bytes(s.data(), s.size());
  }
};

void write_value(Out& o, const RecordedValue& v) {
  std::visit(
      [&o](const auto& x) {
        using X = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<X, bool>) {
          o.put(kBool);
          o.put(static_cast<std::uint8_t>(x));
        } else if constexpr (std::is_same_v<X, std::int64_t>) {
          o.put(kInt);
          o.put(x);
        } else if constexpr (std::is_same_v<X, double>) {
          o.put(kDouble);
          o.put(x);
        } else if constexpr (std::is_same_v<X, std::string>) {
          o.put(kStr);
          o.str(x);
        } else if constexpr (std::is_same_v<X, std::vector<bool>>) {
          o.put(kBoolVec);
          o.put(static_cast<std::uint32_t>(x.size()));
          for (bool b : x) o.put(static_cast<std::uint8_t>(b));
        } else if constexpr (std::is_same_v<X, std::vector<std::int64_t>>) {
          o.put(kIntVec);
          o.put(static_cast<std::uint32_t>(x.size()));
          o.bytes(x.data(), 8 * x.size());
        } else if constexpr (std::is_same_v<X, std::vector<double>>) {
          o.put(kDoubleVec);
          o.put(static_cast<std::uint32_t>(x.size()));
          o.bytes(x.data(), 8 * x.size());
        } else if constexpr (std::is_same_v<X, std::vector<std::string>>) {
          o.put(kStrVec);
          o.put(static_cast<std::uint32_t>(x.size()));
          for (const auto& s : x) o.str(s);
        } else {
          // A JSON document is shared, not copied: the ring carries a
          // reference the consumer takes over (it renders the text).
          o.put(kJson);
          o.put(new std::shared_ptr<const Json>(x));
        }
      },
      v);
}

template <class Attrs>
void write_attributes(Out& o, const Attrs& attrs) {
  for (const auto& a : attrs) {
    o.str(a.key);
    write_value(o, a.value);
  }
}

void encode(const SpanRecord& r, std::uint32_t size, char* dst) {
  Header h{};
  h.size = size;
  h.kind = static_cast<std::uint8_t>(r.kind);
  h.status = static_cast<std::uint8_t>(r.status);
  h.trace_id = r.trace_id;
  h.span_id = r.span_id;
  h.parent_span_id = r.parent_span_id;
  h.start_ns = r.start_ns;
  h.end_ns = r.end_ns;
  h.trace_state = r.trace_state;
  h.trace_began_ns = r.trace_began_ns;
  h.dropped_attributes = r.dropped_attributes;
  h.dropped_events = r.dropped_events;
  h.dropped_links = r.dropped_links;
  h.truncated_values = r.truncated_values;
  h.name_len = static_cast<std::uint32_t>(r.name.size());
  h.description_len = static_cast<std::uint32_t>(r.status_description.size());
  h.attributes = static_cast<std::uint32_t>(r.attributes.size());
  h.events = static_cast<std::uint32_t>(r.events.size());
  h.links = static_cast<std::uint32_t>(r.links.size());
  Out o{dst};
  o.put(h);
  o.bytes(r.name.data(), r.name.size());
  o.bytes(r.status_description.data(), r.status_description.size());
  write_attributes(o, r.attributes);
  for (const auto& e : r.events) {
    o.str(e.name);
    o.put(e.time_ns);
    o.put(static_cast<std::uint32_t>(e.attributes.size()));
    write_attributes(o, e.attributes);
  }
  for (const auto& l : r.links) {
    o.bytes(l.trace_id.data(), l.trace_id.size());
    o.bytes(l.span_id.data(), l.span_id.size());
    o.put(static_cast<std::uint32_t>(l.attributes.size()));
    write_attributes(o, l.attributes);
  }
}

// ---- reading ------------------------------------------------------------

struct In {
  const char* p;
  template <class T>
  T get() {
    T v;
    std::memcpy(&v, p, sizeof v);
    p += sizeof v;
    return v;
  }
  std::string str() {
    auto n = get<std::uint32_t>();
    std::string s(p, n);
    p += n;
    return s;
  }
};

RecordedValue read_value(In& in) {
  switch (in.get<std::uint8_t>()) {
    case kBool: return in.get<std::uint8_t>() != 0;
    case kInt: return in.get<std::int64_t>();
    case kDouble: return in.get<double>();
    case kStr: return in.str();
    case kBoolVec: {
      std::vector<bool> v(in.get<std::uint32_t>());
      for (std::size_t i = 0; i < v.size(); ++i) v[i] = in.get<std::uint8_t>() != 0;
      return v;
    }
    case kIntVec: {
      std::vector<std::int64_t> v(in.get<std::uint32_t>());
      std::memcpy(v.data(), in.p, 8 * v.size());
      in.p += 8 * v.size();
      return v;
    }
    case kDoubleVec: {
      std::vector<double> v(in.get<std::uint32_t>());
      std::memcpy(v.data(), in.p, 8 * v.size());
      in.p += 8 * v.size();
      return v;
    }
    case kStrVec: {
      std::vector<std::string> v(in.get<std::uint32_t>());
      for (auto& s : v) s = in.str();
      return v;
    }
    default: {
      auto* doc = in.get<std::shared_ptr<const Json>*>();
      std::shared_ptr<const Json> owned = std::move(*doc);
      delete doc;
      return owned;
    }
  }
}

void read_attributes(In& in, std::uint32_t n, std::vector<SpanAttribute>& out) {
  out.clear();
  out.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    SpanAttribute& a = out.emplace_back();
    a.key = in.str();
    a.value = read_value(in);
  }
}

void decode(const char* src, SpanData& out, std::uint32_t value_length_limit) {
  In in{src};
  auto h = in.get<Header>();
  out.trace_id = h.trace_id;
  out.span_id = h.span_id;
  out.parent_span_id = h.parent_span_id;
  if (h.trace_state != nullptr) {
    out.trace_state = *h.trace_state;
  } else {
    out.trace_state.clear();
  }
  out.trace_began_ns = h.trace_began_ns;
  out.kind = static_cast<SpanKind>(h.kind);
  out.status = static_cast<StatusCode>(h.status);
  out.start_ns = h.start_ns;
  out.end_ns = h.end_ns;
  out.dropped_attributes = h.dropped_attributes;
  out.dropped_events = h.dropped_events;
  out.dropped_links = h.dropped_links;
  out.truncated_values = h.truncated_values;
  out.name.assign(in.p, h.name_len);
  in.p += h.name_len;
  out.status_description.assign(in.p, h.description_len);
  in.p += h.description_len;
  read_attributes(in, h.attributes, out.attributes);
  out.events.clear();
  for (std::uint32_t i = 0; i < h.events; ++i) {
    SpanEvent& e = out.events.emplace_back();
    e.name = in.str();
    e.time_ns = in.get<std::int64_t>();
    read_attributes(in, in.get<std::uint32_t>(), e.attributes);
  }
  out.links.clear();
  for (std::uint32_t i = 0; i < h.links; ++i) {
    SpanLink& l = out.links.emplace_back();
    std::memcpy(l.trace_id.data(), in.p, l.trace_id.size());
    in.p += l.trace_id.size();
    std::memcpy(l.span_id.data(), in.p, l.span_id.size());
    in.p += l.span_id.size();
    read_attributes(in, in.get<std::uint32_t>(), l.attributes);
  }
  render_json_values(out.attributes, value_length_limit, out.truncated_values);
}

}  // namespace

SpanRing::SpanRing(std::size_t capacity_bytes)
    : capacity_(std::bit_ceil(std::max<std::size_t>(capacity_bytes, 64 * 1024))),
      mask_(capacity_ - 1),
      buf_(new char[capacity_]) {}

SpanRing::~SpanRing() {
  // Entries never decoded still own references to JSON documents.
  SpanData scratch;
  while (try_pop(scratch, 0)) {
  }
}

std::size_t SpanRing::used() const {
  return static_cast<std::size_t>(head_.load(std::memory_order_acquire) - tail_.load(std::memory_order_acquire));
}

bool SpanRing::try_push(const SpanRecord& rec) {
  const std::size_t size = encoded_size(rec);
  const bool big = size > capacity_ / 4;
  const std::size_t need = big ? kBigEntry : round8(size);
  std::uint64_t head = head_.load(std::memory_order_relaxed);
  const std::size_t pos = head & mask_;
  const std::size_t contiguous = capacity_ - pos;
  const std::size_t total = contiguous < need ? contiguous + need : need;
  if (capacity_ - (head - cached_tail_) < total) {
    cached_tail_ = tail_.load(std::memory_order_acquire);
    if (capacity_ - (head - cached_tail_) < total) return false;
  }
  if (contiguous < need) {
    std::memcpy(buf_.get() + pos, &kWrap, sizeof kWrap);
    head += contiguous;
  }
  char* at = buf_.get() + (head & mask_);
  if (big) {
    auto* heap = new char[size];
    encode(rec, static_cast<std::uint32_t>(size), heap);
    std::uint32_t marker = kBig | static_cast<std::uint32_t>(kBigEntry);
    std::memcpy(at, &marker, sizeof marker);
    std::memcpy(at + 8, &heap, sizeof heap);
  } else {
    encode(rec, static_cast<std::uint32_t>(size), at);
  }
  head_.store(head + need, std::memory_order_release);
  return true;
}

bool SpanRing::try_pop(SpanData& out, std::uint32_t value_length_limit) {
  std::uint64_t tail = tail_.load(std::memory_order_relaxed);
  const std::uint64_t head = head_.load(std::memory_order_acquire);
  for (;;) {
    if (tail == head) return false;
    const std::size_t pos = tail & mask_;
    std::uint32_t size = 0;
    std::memcpy(&size, buf_.get() + pos, sizeof size);
    if (size == kWrap) {
      tail += capacity_ - pos;
      continue;
    }
    if ((size & kBig) != 0) {
      char* heap = nullptr;
      std::memcpy(&heap, buf_.get() + pos + 8, sizeof heap);
      decode(heap, out, value_length_limit);
      delete[] heap;
      tail += kBigEntry;
    } else {
      decode(buf_.get() + pos, out, value_length_limit);
      tail += round8(size);
    }
    tail_.store(tail, std::memory_order_release);
    return true;
  }
}

}  // namespace flockcpp::detail

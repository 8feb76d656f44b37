// Observers of ended spans (the HTTP server's live event stream).
#pragma once
#include <functional>
#include <span>

#include "flock/span_data.hpp"

namespace flockcpp::detail {

// Observers of ended spans, called on the processor thread after each export
// pass with the spans new in it (the live event stream). A tap must not block.
using SpanTap = std::function<void(std::span<const SpanData>)>;
int add_span_tap(SpanTap tap);
void remove_span_tap(int id);

// Called by the processor after each export pass.
void call_span_taps(std::span<const SpanData> spans);

}  // namespace flockcpp::detail

// The process-wide span pipeline: the configuration in force and its batch
// processor, created from the environment on first use, replaced by
// tracing::configure(), flushed at exit.
#pragma once
#include "tracing/batch_span_processor.hpp"
#include "tracing/hot_config.hpp"

namespace flockcpp::detail {

// The configuration in force; never null after ensure_pipeline().
const HotConfig& hot_config();
// Creates the pipeline from the environment on first use.
void ensure_pipeline();
// The processor in force (never freed: a stale pointer stays valid).
BatchSpanProcessor* current_processor();

// Spans received from another process, into the pipeline in force (the
// trace file, OTLP, the live stream). False when there is no pipeline or its
// queue is full.
bool ingest_spans(std::vector<SpanData>&& spans);

}  // namespace flockcpp::detail

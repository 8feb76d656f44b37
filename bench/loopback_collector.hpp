// An OTLP/HTTP receiver on 127.0.0.1 (cpp-httplib) that decodes each
// ExportTraceServiceRequest and counts its spans, for the OTLP benchmarks.
// Its own translation unit: httplib.h brings <fcntl.h>, whose global
// `struct flock` cannot share a translation unit with namespace flockcpp.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

namespace flock_bench {

class LoopbackCollector {
 public:
  LoopbackCollector();
  ~LoopbackCollector();
  std::string endpoint() const;  // http://127.0.0.1:<port>/v1/traces
  std::uint64_t spans() const;
  void reset();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flock_bench

#include "flock/diagnostics.hpp"

#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <string>

#include "common/log.hpp"

namespace flockcpp {

namespace {
std::mutex g_sink_mu;
DiagnosticSink& sink() {
  static auto* s = new DiagnosticSink(stderr_sink);  // never freed: used by exit handlers
  return *s;
}
}  // namespace

const char* to_string(LogLevel level) {
  switch (level) {
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Warning: return "warning";
    case LogLevel::Error: return "error";
  }
  return "?";
}

void stderr_sink(LogLevel level, std::string_view message) {
  // One write per line, so lines of several threads do not interleave.
  std::string line = level == LogLevel::Warning ? "flock: warning: " : "flock: ";
  line.append(message).push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stderr);
}

DiagnosticSink set_diagnostic_sink(DiagnosticSink s) {
  std::lock_guard lock(g_sink_mu);
  DiagnosticSink old = std::move(sink());
  sink() = std::move(s);
  return old;
}

namespace detail {

void log(LogLevel level, std::string_view message) {
  std::lock_guard lock(g_sink_mu);
  if (sink()) sink()(level, message);
}

void logf(LogLevel level, const char* format, ...) {
  char buf[1024];
  va_list args;
  va_start(args, format);
  int n = std::vsnprintf(buf, sizeof buf, format, args);
  va_end(args);
  if (n < 0) return;
  if (static_cast<std::size_t>(n) < sizeof buf) {
    log(level, std::string_view(buf, static_cast<std::size_t>(n)));
    return;
  }
  std::string big(static_cast<std::size_t>(n) + 1, '\0');
  va_start(args, format);
  std::vsnprintf(big.data(), big.size(), format, args);
  va_end(args);
  big.pop_back();
  log(level, big);
}

}  // namespace detail
}  // namespace flockcpp

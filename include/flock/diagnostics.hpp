// Where the library's own messages go: warnings about the environment, the
// trace writer's state changes, failures of an exporter. By default each is
// one line on stderr starting with "flock: "; a program may send them to its
// own log, or silence them.
#pragma once
#include <functional>
#include <string_view>

namespace flockcpp {

enum class LogLevel { Debug, Info, Warning, Error };

const char* to_string(LogLevel level);

// Receives one message (no trailing newline). Called from any thread, also
// the span processor's: it must not block for long.
using DiagnosticSink = std::function<void(LogLevel level, std::string_view message)>;

// Replaces the sink (process-wide); an empty function silences the library.
// Returns the previous sink.
DiagnosticSink set_diagnostic_sink(DiagnosticSink sink);

// The default sink: "flock: <message>" on stderr ("flock: warning: ..." for
// warnings).
void stderr_sink(LogLevel level, std::string_view message);

}  // namespace flockcpp

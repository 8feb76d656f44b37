#pragma once

namespace flockcpp::detail {
// Around each hook call: begin_hook(), call, then hook_was_default() tells
// whether the base class's no-op ran.
void begin_hook() noexcept;
bool hook_was_default() noexcept;
}  // namespace flockcpp::detail

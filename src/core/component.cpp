// Default (no-op) hooks. Each marks itself so the runtime can drop the span
// of a hook the component did not override.
#include "flock/component.hpp"

#include <typeinfo>

#include "core/hook_tracking.hpp"
#include "tracing/demangle.hpp"

namespace flockcpp {

namespace detail {
namespace {
thread_local bool t_default_hook = false;
}
void mark_default_hook() noexcept { t_default_hook = true; }
void begin_hook() noexcept { t_default_hook = false; }
bool hook_was_default() noexcept { return t_default_hook; }
}  // namespace detail

std::string Component::name() const {
  std::string full = detail::demangle(typeid(*this).name());
  // Drop namespaces (outside any template arguments).
  int depth = 0;
  std::size_t cut = 0;
  for (std::size_t i = 0; i < full.size(); ++i) {
    char c = full[i];
    if (c == '<') ++depth;
    if (c == '>') --depth;
    if (depth == 0 && c == ':' && i + 1 < full.size() && full[i + 1] == ':') cut = i + 2;
  }
  return full.substr(cut);
}

void Component::on_initialize(AgentContext&) { detail::mark_default_hook(); }
void Component::on_pre_consume(AgentContext&, std::vector<ArtifactPtr>&) { detail::mark_default_hook(); }
void Component::on_pre_evaluate(AgentContext&, EvalInputs&) { detail::mark_default_hook(); }
void Component::on_post_evaluate(AgentContext&, EvalResult&) { detail::mark_default_hook(); }
void Component::on_post_publish(AgentContext&, const Artifact&) { detail::mark_default_hook(); }
void Component::on_error(AgentContext&, std::exception_ptr) { detail::mark_default_hook(); }
void Component::on_terminate(AgentContext&) { detail::mark_default_hook(); }

}  // namespace flockcpp

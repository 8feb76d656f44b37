// Engines that come with flock. function_engine wraps a plain C++ callable.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "flock/component.hpp"
#include "flock/types.hpp"

namespace flockcpp {

namespace detail {
template <class F>
struct callable_traits : callable_traits<decltype(&F::operator())> {};
template <class C, class R, class A>
struct callable_traits<R (C::*)(A) const> {
  using result = R;
  using arg = std::remove_cvref_t<A>;
};
template <class C, class R, class A>
struct callable_traits<R (C::*)(A)> {
  using result = R;
  using arg = std::remove_cvref_t<A>;
};
template <class R, class A>
struct callable_traits<R (*)(A)> {
  using result = R;
  using arg = std::remove_cvref_t<A>;
};
template <class R, class A>
struct callable_traits<R (&)(A)> : callable_traits<R (*)(A)> {};

// Out, std::vector<Out> or std::optional<Out> -> Out.
template <class R> struct output_of { using type = R; };
template <class R, class A> struct output_of<std::vector<R, A>> { using type = R; };
template <class R> struct output_of<std::optional<R>> { using type = R; };

template <class Out>
void append_outputs(std::vector<Output>& out, Out&& value) {
  using R = std::remove_cvref_t<Out>;
  if constexpr (is_vector<R>::value) {
    for (auto& v : value) out.push_back(Output{type_name<typename R::value_type>(), Json(v)});
  } else if constexpr (is_optional<R>::value) {
    if (value) out.push_back(Output{type_name<typename R::value_type>(), Json(*value)});
  } else {
    out.push_back(Output{type_name<R>(), Json(value)});
  }
}
}  // namespace detail

// Runs a C++ callable `Out(const In&)` once per input artifact of type In.
class FunctionEngine : public Engine {
 public:
  using Fn = std::function<void(const ArtifactPtr&, std::vector<Output>&)>;
  FunctionEngine(std::string input_type, Fn fn) : input_type_(std::move(input_type)), fn_(std::move(fn)) {}
  std::string name() const override { return "FunctionEngine"; }
  EvalResult evaluate(AgentContext& ctx, const EvalInputs& inputs) override;

 private:
  std::string input_type_;
  Fn fn_;
};

template <class F>
EnginePtr function_engine(F fn) {
  using traits = detail::callable_traits<std::decay_t<F>>;
  using In = typename traits::arg;
  using R = typename traits::result;
  static_assert(RegisteredType<In>, "function_engine: the argument type needs FLOCK_TYPE");
  static_assert(RegisteredType<typename detail::output_of<R>::type>,
                "function_engine: the result must be Out, std::vector<Out> or std::optional<Out> of a FLOCK_TYPE");
  return std::make_shared<FunctionEngine>(
      type_name<In>(), [fn = std::move(fn)](const ArtifactPtr& artifact, std::vector<Output>& out) mutable {
        In input = artifact->payload->get<In>();
        detail::append_outputs(out, fn(input));
      });
}

}  // namespace flockcpp

// Tools: C++ functions an agent's model may call (OpenAI function calling).
//
//   flock.agent("chef").consumes<Idea>().publishes<Pizza>()
//       .with_tool(flockcpp::tool("price_of", "The price of a topping in EUR",
//                                 [](const Topping& t) { return Price{prices.at(t.name)}; }));
//
// The argument type's FLOCK_TYPE JSON Schema is the tool's parameters; the
// LLM engine validates the model's arguments against it before the call.
#pragma once
#include <functional>
#include <string>
#include <type_traits>
#include <utility>

#include "flock/error.hpp"
#include "flock/json.hpp"
#include "flock/types.hpp"

namespace flockcpp {

class Tool {
 public:
  // Runs the function on arguments that fit `parameters`; returns its result
  // as JSON. Throws what the function (or the JSON mapping) throws.
  using Invoke = std::function<Json(const Json& arguments)>;

  // Throws flockcpp::Error (InvalidArgument) for a name OpenAI would refuse (1-64 of
  // a-z A-Z 0-9 _ -) or an empty function.
  Tool(std::string name, std::string description, std::string input_type, Json parameters, Invoke invoke)
      : name_(std::move(name)),
        description_(std::move(description)),
        input_type_(std::move(input_type)),
        parameters_(std::move(parameters)),
        invoke_(std::move(invoke)) {
    if (!valid_name(name_)) {
      throw Error(ErrorCode::InvalidArgument,
                  "tool name '" + name_ + "' must be 1 to 64 of the characters a-z A-Z 0-9 _ -");
    }
    if (!invoke_) throw Error(ErrorCode::InvalidArgument, "tool '" + name_ + "' has no function");
  }

  const std::string& name() const { return name_; }
  const std::string& description() const { return description_; }
  const std::string& input_type() const { return input_type_; }  // the argument's FLOCK_TYPE name
  const Json& parameters() const { return parameters_; }          // its JSON Schema as registered
  Json invoke(const Json& arguments) const { return invoke_(arguments); }

  static bool valid_name(const std::string& name) {
    if (name.empty() || name.size() > 64) return false;
    for (char c : name) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
      if (!ok) return false;
    }
    return true;
  }

 private:
  std::string name_;
  std::string description_;
  std::string input_type_;
  Json parameters_;
  Invoke invoke_;
};

namespace detail {
// In and Out of a callable taking one argument: functions, function
// pointers, lambdas and other objects with one non-template operator().
template <class F>
struct tool_signature : tool_signature<decltype(&F::operator())> {};
template <class R, class A>
struct tool_signature<R(A)> {
  using In = std::remove_cvref_t<A>;
  using Out = R;
};
template <class R, class A>
struct tool_signature<R(A) noexcept> : tool_signature<R(A)> {};
template <class R, class A>
struct tool_signature<R (*)(A)> : tool_signature<R(A)> {};
template <class R, class A>
struct tool_signature<R (*)(A) noexcept> : tool_signature<R(A)> {};
template <class R, class C, class A>
struct tool_signature<R (C::*)(A)> : tool_signature<R(A)> {};
template <class R, class C, class A>
struct tool_signature<R (C::*)(A) const> : tool_signature<R(A)> {};
template <class R, class C, class A>
struct tool_signature<R (C::*)(A) noexcept> : tool_signature<R(A)> {};
template <class R, class C, class A>
struct tool_signature<R (C::*)(A) const noexcept> : tool_signature<R(A)> {};
}  // namespace detail

// A tool from fn: Out(const In&), In a FLOCK_TYPE (its JSON Schema is the
// tool's parameters), Out a FLOCK_TYPE or anything else JSON can hold.
template <class F>
Tool tool(std::string name, std::string description, F fn) {
  using Sig = detail::tool_signature<std::decay_t<F>>;
  using In = typename Sig::In;
  using Out = std::remove_cvref_t<typename Sig::Out>;
  static_assert(RegisteredType<In>, "a tool's argument must be a FLOCK_TYPE: fn is Out(const In&)");
  static_assert(!std::is_void_v<Out>, "a tool must return a value (the model reads it)");
  Json schema = schema_of<In>();
  return Tool(std::move(name), std::move(description), type_name<In>(), std::move(schema),
              [fn = std::move(fn)](const Json& arguments) mutable -> Json {
                In in = arguments.get<In>();
                return Json(fn(in));
              });
}

}  // namespace flockcpp

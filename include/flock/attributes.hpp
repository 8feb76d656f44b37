// Span attribute values, as OpenTelemetry defines them: bool, int64, double,
// string, or a homogeneous array of one of them.
#pragma once
#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace flockcpp {

using AttributeValue = std::variant<bool, std::int64_t, double, std::string, std::vector<bool>,
                                    std::vector<std::int64_t>, std::vector<double>, std::vector<std::string>>;

using Attributes = std::vector<std::pair<std::string, AttributeValue>>;

// Maps any C++ value a user would naturally pass (int, const char*, float,
// std::vector<int>, ...) to the OpenTelemetry attribute type it stands for.
template <class V>
AttributeValue to_attribute_value(V&& v) {
  using U = std::remove_cvref_t<V>;
  if constexpr (std::is_same_v<U, AttributeValue>) {
    return std::forward<V>(v);
  } else if constexpr (std::is_same_v<U, bool>) {
    return v;
  } else if constexpr (std::is_integral_v<U>) {
    return static_cast<std::int64_t>(v);
  } else if constexpr (std::is_floating_point_v<U>) {
    return static_cast<double>(v);
  } else if constexpr (std::is_convertible_v<V, std::string_view>) {
    return std::string(std::string_view(v));
  } else if constexpr (requires { typename U::value_type; v.begin(); v.end(); }) {
    using E = std::remove_cvref_t<typename U::value_type>;
    if constexpr (std::is_same_v<E, bool>) {
      return std::vector<bool>(v.begin(), v.end());
    } else if constexpr (std::is_integral_v<E>) {
      return std::vector<std::int64_t>(v.begin(), v.end());
    } else if constexpr (std::is_floating_point_v<E>) {
      return std::vector<double>(v.begin(), v.end());
    } else {
      std::vector<std::string> out;
      for (auto&& e : v) out.emplace_back(std::string_view(e));
      return out;
    }
  } else {
    static_assert(sizeof(U) == 0, "unsupported attribute value type");
  }
}

}  // namespace flockcpp

// Typed artifacts: FLOCK_TYPE(T, fields...) gives T a registered name, a JSON
// encoding and a JSON Schema (used to validate payloads from outside and to
// ask an LLM for structured output).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "flock/json.hpp"

namespace flockcpp {

// ADL tag: FLOCK_TYPE defines flock_type_name/flock_type_schema overloads
// taking TypeTag<T> in T's own namespace.
template <class T>
struct TypeTag {};

template <class T>
concept RegisteredType = requires {
  { flock_type_name(TypeTag<T>{}) } -> std::convertible_to<const char*>;
};

// A type as the blackboard and the HTTP API know it.
struct TypeInfo {
  std::string name;
  Json schema;
};

class TypeRegistry {
 public:
  static TypeRegistry& global();
  void add(TypeInfo info);
  // nullptr when unknown.
  const TypeInfo* find(std::string_view name) const;
  std::vector<TypeInfo> all() const;

 private:
  TypeRegistry() = default;
};

// Checks a payload against a schema of the subset FLOCK_TYPE produces
// (object, array, string, integer, number, boolean, required properties,
// no unknown properties). Returns the first violation as "$.path: reason".
std::optional<std::string> validate_against_schema(const Json& schema, const Json& value);

template <class T>
const char* type_name() {
  static_assert(RegisteredType<T>, "type is not registered: add FLOCK_TYPE(T, fields...)");
  return flock_type_name(TypeTag<T>{});
}

namespace detail {
template <class T> struct is_vector : std::false_type {};
template <class T, class A> struct is_vector<std::vector<T, A>> : std::true_type {};
template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};
template <class T> struct is_string_map : std::false_type {};
template <class V, class C, class A> struct is_string_map<std::map<std::string, V, C, A>> : std::true_type {};
}  // namespace detail

// JSON Schema of a C++ type: scalars, strings, vectors, optionals, string-keyed
// maps and other FLOCK_TYPEs.
template <class T>
Json schema_of() {
  using U = std::remove_cvref_t<T>;
  if constexpr (std::is_same_v<U, bool>) {
    return Json{{"type", "boolean"}};
  } else if constexpr (std::is_integral_v<U>) {
    return Json{{"type", "integer"}};
  } else if constexpr (std::is_floating_point_v<U>) {
    return Json{{"type", "number"}};
  } else if constexpr (std::is_convertible_v<U, std::string_view>) {
    return Json{{"type", "string"}};
  } else if constexpr (detail::is_vector<U>::value) {
    return Json{{"type", "array"}, {"items", schema_of<typename U::value_type>()}};
  } else if constexpr (detail::is_optional<U>::value) {
    Json inner = schema_of<typename U::value_type>();
    inner["nullable"] = true;
    return inner;
  } else if constexpr (detail::is_string_map<U>::value) {
    return Json{{"type", "object"}, {"additionalProperties", schema_of<typename U::mapped_type>()}};
  } else if constexpr (std::is_same_v<U, Json>) {
    return Json::object();
  } else {
    static_assert(RegisteredType<U>, "field type has no JSON Schema: register it with FLOCK_TYPE");
    return flock_type_schema(TypeTag<U>{});
  }
}

namespace detail {
class SchemaBuilder {
 public:
  explicit SchemaBuilder(const char* title);
  template <class F>
  void field(const char* name) {
    add(name, schema_of<F>(), !is_optional<std::remove_cvref_t<F>>::value);
  }
  Json done() { return std::move(schema_); }

 private:
  void add(const char* name, Json schema, bool required);
  Json schema_;
};

// Field-wise JSON mapping used by FLOCK_TYPE: required fields must be
// present; std::optional fields may be missing or null.
template <class F>
void write_field(Json& j, const char* name, const F& value) {
  if constexpr (is_optional<F>::value) {
    j[name] = value ? Json(*value) : Json(nullptr);
  } else {
    j[name] = value;
  }
}
template <class F>
void read_field(const Json& j, const char* name, F& value) {
  if constexpr (is_optional<F>::value) {
    auto it = j.find(name);
    if (it == j.end() || it->is_null()) {
      value.reset();
    } else {
      value = it->template get<typename F::value_type>();
    }
  } else {
    j.at(name).get_to(value);
  }
}

template <class T>
bool register_type() {
  TypeRegistry::global().add(TypeInfo{flock_type_name(TypeTag<T>{}), flock_type_schema(TypeTag<T>{})});
  return true;
}
}  // namespace detail
}  // namespace flockcpp

#define FLOCK_DETAIL_SCHEMA_FIELD(f) flock_schema.template field<decltype(flock_self::f)>(#f);
#define FLOCK_DETAIL_TO_JSON(f) ::flockcpp::detail::write_field(flock_j, #f, flock_v.f);
#define FLOCK_DETAIL_FROM_JSON(f) ::flockcpp::detail::read_field(flock_j, #f, flock_v.f);

// Registers T: use once, in T's namespace, after T is complete.
#define FLOCK_TYPE(Type, ...)                                                             \
  [[maybe_unused]] inline void to_json(::flockcpp::Json& flock_j, const Type& flock_v) {       \
    flock_j = ::flockcpp::Json::object();                                                    \
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(FLOCK_DETAIL_TO_JSON, __VA_ARGS__))          \
  }                                                                                       \
  [[maybe_unused]] inline void from_json(const ::flockcpp::Json& flock_j, Type& flock_v) {   \
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(FLOCK_DETAIL_FROM_JSON, __VA_ARGS__))        \
  }                                                                                       \
  [[maybe_unused]] inline const char* flock_type_name(::flockcpp::TypeTag<Type>) { return #Type; } \
  [[maybe_unused]] inline ::flockcpp::Json flock_type_schema(::flockcpp::TypeTag<Type>) {       \
    using flock_self = Type;                                                              \
    ::flockcpp::detail::SchemaBuilder flock_schema(#Type);                                   \
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(FLOCK_DETAIL_SCHEMA_FIELD, __VA_ARGS__))     \
    return flock_schema.done();                                                           \
  }                                                                                       \
  [[maybe_unused]] inline const bool flock_type_registered_##Type = ::flockcpp::detail::register_type<Type>();

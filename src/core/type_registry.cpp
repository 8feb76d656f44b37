// The registry of FLOCK_TYPEs and the validator for the schemas they produce.
#include <algorithm>
#include <map>
#include <mutex>
#include <shared_mutex>

#include "flock/types.hpp"

namespace flockcpp {
namespace {

struct RegistryState {
  std::shared_mutex mu;
  std::map<std::string, TypeInfo, std::less<>> types;
};

RegistryState& state() {
  static auto* s = new RegistryState();  // outlives static destructors that may still publish
  return *s;
}

std::string json_kind(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::boolean: return "boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "integer";
    case Json::value_t::number_float: return "number";
    case Json::value_t::string: return "string";
    case Json::value_t::array: return "array";
    case Json::value_t::object: return "object";
    default: return "unknown";
  }
}

std::optional<std::string> check(const Json& schema, const Json& v, const std::string& path) {
  if (v.is_null() && schema.value("nullable", false)) return std::nullopt;
  if (!schema.contains("type")) return std::nullopt;  // any JSON
  const std::string type = schema["type"].get<std::string>();
  auto fail = [&](const std::string& why) { return std::optional<std::string>(path + ": " + why); };
  if (type == "object") {
    if (!v.is_object()) return fail("expected an object, got " + json_kind(v));
    if (schema.contains("properties")) {
      const Json& props = schema["properties"];
      for (const auto& req : schema.value("required", Json::array())) {
        if (!v.contains(req.get<std::string>())) return fail("missing required field '" + req.get<std::string>() + "'");
      }
      for (const auto& [k, item] : v.items()) {
        if (!props.contains(k)) {
          if (schema.value("additionalProperties", true) == false) return fail("unknown field '" + k + "'");
          continue;
        }
        if (auto e = check(props[k], item, path + "." + k)) return e;
      }
    } else if (schema.contains("additionalProperties") && schema["additionalProperties"].is_object()) {
      for (const auto& [k, item] : v.items()) {
        if (auto e = check(schema["additionalProperties"], item, path + "." + k)) return e;
      }
    }
    return std::nullopt;
  }
  if (type == "array") {
    if (!v.is_array()) return fail("expected an array, got " + json_kind(v));
    if (schema.contains("items")) {
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (auto e = check(schema["items"], v[i], path + "[" + std::to_string(i) + "]")) return e;
      }
    }
    return std::nullopt;
  }
  if (type == "string") return v.is_string() ? std::nullopt : fail("expected a string, got " + json_kind(v));
  if (type == "boolean") return v.is_boolean() ? std::nullopt : fail("expected a boolean, got " + json_kind(v));
  if (type == "integer") {
    return v.is_number_integer() ? std::nullopt : fail("expected an integer, got " + json_kind(v));
  }
  if (type == "number") return v.is_number() ? std::nullopt : fail("expected a number, got " + json_kind(v));
  return std::nullopt;
}

}  // namespace

TypeRegistry& TypeRegistry::global() {
  static TypeRegistry r;
  return r;
}

void TypeRegistry::add(TypeInfo info) {
  auto& s = state();
  std::unique_lock lock(s.mu);
  s.types[info.name] = std::move(info);
}

const TypeInfo* TypeRegistry::find(std::string_view name) const {
  auto& s = state();
  std::shared_lock lock(s.mu);
  auto it = s.types.find(name);
  return it == s.types.end() ? nullptr : &it->second;  // entries are never removed
}

std::vector<TypeInfo> TypeRegistry::all() const {
  auto& s = state();
  std::shared_lock lock(s.mu);
  std::vector<TypeInfo> out;
  for (const auto& [name, info] : s.types) out.push_back(info);
  return out;
}

std::optional<std::string> validate_against_schema(const Json& schema, const Json& value) {
  return check(schema, value, "$");
}

namespace detail {

SchemaBuilder::SchemaBuilder(const char* title)
    : schema_{{"title", title},
              {"type", "object"},
              {"properties", Json::object()},
              {"required", Json::array()},
              {"additionalProperties", false}} {}

void SchemaBuilder::add(const char* name, Json schema, bool required) {
  schema_["properties"][name] = std::move(schema);
  if (required) schema_["required"].push_back(name);
}

}  // namespace detail
}  // namespace flockcpp

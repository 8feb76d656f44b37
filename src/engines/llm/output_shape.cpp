#include "engines/llm/output_shape.hpp"

#include <algorithm>
#include <cctype>

#include "flock/error.hpp"
#include "flock/types.hpp"

namespace flockcpp::detail {

namespace {

// "nullable" (OpenAPI) as JSON Schema: a type union with null.
void nullable_to_union(Json& s) {
  if (s.is_array()) {
    for (auto& e : s) nullable_to_union(e);
    return;
  }
  if (!s.is_object()) return;
  if (!s.contains("nullable") || !s["nullable"].is_boolean()) {
    for (auto& [k, v] : s.items()) nullable_to_union(v);
    return;
  }
  if (s["nullable"].get<bool>() && s.contains("type") && s["type"].is_string()) {
    s["type"] = Json::array({s["type"], "null"});
  }
  s.erase("nullable");
  for (auto& [k, v] : s.items()) nullable_to_union(v);
}

// OpenAI strict mode: every object closed, every property required (an
// optional one as a union with null). Returns false where strict mode cannot
// express the schema (open maps, free JSON).
bool strictify(Json& s) {
  if (!s.is_object()) return false;
  if (s.empty()) return false;  // any JSON
  bool ok = true;
  if (s.contains("nullable") && s["nullable"].is_boolean()) {
    bool nullable = s["nullable"].get<bool>();
    s.erase("nullable");
    if (nullable && s.contains("type") && s["type"].is_string()) s["type"] = Json::array({s["type"], "null"});
  }
  if (s.contains("properties") && s["properties"].is_object()) {
    Json required = s.value("required", Json::array());
    Json all = Json::array();
    for (auto it = s["properties"].begin(); it != s["properties"].end(); ++it) {
      all.push_back(it.key());
      bool was_required = std::find(required.begin(), required.end(), Json(it.key())) != required.end();
      if (!was_required && it.value().is_object() && it.value().contains("type") && it.value()["type"].is_string()) {
        it.value()["type"] = Json::array({it.value()["type"], "null"});
      }
      ok = strictify(it.value()) && ok;
    }
    s["required"] = all;
    s["additionalProperties"] = false;
  } else if (s.contains("additionalProperties") && s["additionalProperties"].is_object()) {
    ok = false;  // a map
  }
  if (s.contains("items")) ok = strictify(s["items"]) && ok;
  return ok;
}

std::string schema_name_for(const std::vector<std::string>& types, bool fan_out) {
  std::string name;
  for (const auto& t : types) name += (name.empty() ? "" : "_") + t;
  if (fan_out) name += "_list";
  std::string clean;
  for (char c : name) clean += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') ? c : '_';
  return clean.substr(0, 64);
}

}  // namespace

OutputShape::OutputShape(const std::vector<std::string>& types, bool fan_out) : types_(types), fan_out_(fan_out) {
  if (types_.empty()) throw Error(ErrorCode::InvalidArgument, "the agent publishes no type: declare .publishes<T>()");
  for (const auto& t : types_) {
    const TypeInfo* info = TypeRegistry::global().find(t);
    if (info == nullptr) throw Error(ErrorCode::InvalidArgument, "output type '" + t + "' is not registered (FLOCK_TYPE)");
    type_schemas_.push_back(info->schema);
  }
  auto item_schema = [&](std::size_t i) {
    Json s = type_schemas_[i];
    return fan_out_ ? Json{{"type", "array"}, {"items", s}} : s;
  };
  if (types_.size() == 1 && !fan_out_) {
    schema_ = type_schemas_[0];
  } else if (types_.size() == 1) {
    schema_ = Json{{"type", "object"}, {"properties", Json{{"items", item_schema(0)}}}, {"required", Json::array({"items"})}};
  } else {
    Json props = Json::object();
    for (std::size_t i = 0; i < types_.size(); ++i) props[types_[i]] = item_schema(i);
    schema_ = Json{{"type", "object"}, {"properties", props}, {"required", types_}};
  }
  schema_ = request_schema(schema_, strict_);
  name_ = schema_name_for(types_, fan_out_);
}

Json request_schema(const Json& schema, bool& strict) {
  Json s = schema;
  strict = strictify(s);
  if (strict) return s;
  s = schema;
  nullable_to_union(s);
  return s;
}

std::optional<std::string> OutputShape::extract(const Json& answer, std::vector<Output>& out) const {
  std::vector<Output> found;
  auto take = [&](std::size_t i, const Json& value, const std::string& where) -> std::optional<std::string> {
    if (auto err = validate_against_schema(type_schemas_[i], value)) {
      return where + " does not fit " + types_[i] + ": " + *err;
    }
    found.push_back(Output{types_[i], value});
    return std::nullopt;
  };
  auto take_all = [&](std::size_t i, const Json& value, const std::string& where) -> std::optional<std::string> {
    if (!fan_out_) return take(i, value, where);
    if (!value.is_array()) return where + " must be a JSON array of " + types_[i];
    for (std::size_t k = 0; k < value.size(); ++k) {
      if (auto err = take(i, value[k], where + "[" + std::to_string(k) + "]")) return err;
    }
    return std::nullopt;
  };
  if (!answer.is_object()) return std::string("the answer must be a JSON object");
  if (types_.size() == 1 && !fan_out_) {
    if (auto err = take(0, answer, "the answer")) return err;
  } else if (types_.size() == 1) {
    if (!answer.contains("items")) return std::string("the answer must have \"items\": a list of ") + types_[0];
    if (auto err = take_all(0, answer["items"], "items")) return err;
  } else {
    for (std::size_t i = 0; i < types_.size(); ++i) {
      if (!answer.contains(types_[i]) || answer[types_[i]].is_null()) continue;
      if (auto err = take_all(i, answer[types_[i]], types_[i])) return err;
    }
    if (found.empty()) return std::string("the answer holds none of the output types");
  }
  for (auto& o : found) out.push_back(std::move(o));
  return std::nullopt;
}

std::string json_text_of(const std::string& answer) {
  std::string s = answer;
  auto fence = s.find("```");
  if (fence != std::string::npos) {
    auto body = s.find('\n', fence);
    auto close = body == std::string::npos ? std::string::npos : s.find("```", body);
    if (close != std::string::npos) s = s.substr(body + 1, close - body - 1);
  }
  auto first = s.find_first_of("{[");
  auto last = s.find_last_of("}]");
  if (first != std::string::npos && last != std::string::npos && last > first) s = s.substr(first, last - first + 1);
  return s;
}

}  // namespace flockcpp::detail

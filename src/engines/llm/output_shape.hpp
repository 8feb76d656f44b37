// What the model is asked to answer for an agent's output types, and how an
// answer becomes outputs: one type (its JSON Schema), several types (an
// object with one member per type), or a list of items (fan-out). The schema
// sent is made strict where OpenAI's structured outputs allow it.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "flock/component.hpp"
#include "flock/json.hpp"

namespace flockcpp::detail {

class OutputShape {
 public:
  // Throws Error (InvalidArgument) for no type or an unregistered one.
  OutputShape(const std::vector<std::string>& types, bool fan_out);

  const Json& schema() const { return schema_; }  // what the request carries
  const std::string& name() const { return name_; }
  bool strict() const { return strict_; }
  const std::vector<std::string>& types() const { return types_; }

  // The outputs an answer stands for, or why it does not fit.
  std::optional<std::string> extract(const Json& answer, std::vector<Output>& out) const;

 private:
  std::vector<std::string> types_;
  std::vector<Json> type_schemas_;  // as registered (validation)
  bool fan_out_;
  Json schema_;
  std::string name_;
  bool strict_ = true;
};

// A schema as a request carries it: made strict (every object closed, every
// property required, optional ones nullable) when strict mode can express
// it, else as it is with "nullable" spelled as a union with null.
Json request_schema(const Json& schema, bool& strict);

// The JSON text inside a model's answer: code fences and prose around one
// JSON value are dropped.
std::string json_text_of(const std::string& answer);

}  // namespace flockcpp::detail

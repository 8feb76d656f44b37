// What a model's tokens cost: a price table in US dollars per million input
// and output tokens, each price with the date it was read. The library ships
// defaults for common OpenAI models (data/model-prices.json);
// FLOCK_PRICES_FILE names a JSON file of the same shape whose entries replace
// or extend them. A model the table does not know has no cost: readers show
// its tokens with the cost "unknown", never a guess.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "flock/json.hpp"

namespace flockcpp {

struct ModelPrice {
  double input_per_million = 0;   // USD
  double output_per_million = 0;  // USD
  std::string as_of;              // the date the price was read, YYYY-MM-DD
};

class ModelPrices {
 public:
  // The table built into the library.
  static ModelPrices defaults();
  // {"models": {"<model>": {"input_per_million", "output_per_million",
  // "as_of"}, ...}}; a model set to null is removed. Throws Error
  // (InvalidArgument) naming the first entry that is not a price.
  static ModelPrices from_json(const Json& table, std::string source);
  // The defaults with FLOCK_PRICES_FILE's entries over them, read once per
  // process. A file that cannot be read or is not a price table is reported
  // on stderr and the defaults stay in force.
  static const ModelPrices& in_force();

  // This table with other's entries over it (null entries remove).
  void override_with(const ModelPrices& other);

  // The price of a model as spans name it: the exact name, else without a
  // "provider/" prefix, else the longest known name it extends with "-"
  // (a dated snapshot such as gpt-4o-mini-2024-07-18 -> gpt-4o-mini).
  std::optional<ModelPrice> find(std::string_view model) const;
  // USD for these tokens; nullopt when the model has no price.
  std::optional<double> cost_usd(std::string_view model, std::int64_t input_tokens,
                                 std::int64_t output_tokens) const;

  const std::string& source() const { return source_; }  // "built-in defaults", or the file's path
  // {currency, source, models: {name: {input_per_million, output_per_million,
  // as_of}, or null for a model an override removed}}
  Json to_json() const;

 private:
  std::map<std::string, std::optional<ModelPrice>, std::less<>> models_;  // nullopt: removed by an override
  std::string source_;
};

}  // namespace flockcpp

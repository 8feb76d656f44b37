// Tokens priced when read: a store records tokens per model (table
// trace_models, gen_ai.usage on spans); the price table in force turns them
// into US dollars, or into "unknown" (null) for a model it does not price.
#pragma once
#include <cstdint>
#include <string>

#include "flock/json.hpp"
#include "flock/model_prices.hpp"
#include "storage/duckdb_handle.hpp"

namespace flockcpp::detail {

// {model, calls, input_tokens, output_tokens, cost_usd, price} for one
// model's usage; cost_usd and price are null when the model has no price
// (and cost_usd is 0 for no tokens at all).
Json priced_usage(const ModelPrices& prices, const std::string& model, std::int64_t calls,
                  std::int64_t input_tokens, std::int64_t output_tokens);

// The sum of usages' cost_usd, null when any of them is unknown.
Json total_cost(const Json& usages);

// Prices each trace of a page (items of list_traces, with the `models`
// column of table traces): `models` becomes priced_usage per model, and
// `cost_usd` their sum.
void add_trace_costs(Json& items, const ModelPrices& prices);

// The SQL naming a span's model and telling a model call, as table
// trace_models counts them.
inline constexpr const char* kModelOf =
    "coalesce(json_extract_string(attributes, '$.gen_ai.response.model'), "
    "json_extract_string(attributes, '$.gen_ai.request.model'), 'unknown')";
inline constexpr const char* kIsModelCall =
    "(json_extract(attributes, '$.gen_ai.response.model') IS NOT NULL OR "
    "json_extract(attributes, '$.gen_ai.request.model') IS NOT NULL OR "
    "json_extract(attributes, '$.gen_ai.usage.input_tokens') IS NOT NULL OR "
    "json_extract(attributes, '$.gen_ai.usage.output_tokens') IS NOT NULL)";
inline constexpr const char* kInputTokens =
    "coalesce(sum(TRY_CAST(json_extract_string(attributes, '$.gen_ai.usage.input_tokens') AS BIGINT)), 0)";
inline constexpr const char* kOutputTokens =
    "coalesce(sum(TRY_CAST(json_extract_string(attributes, '$.gen_ai.usage.output_tokens') AS BIGINT)), 0)";

}  // namespace flockcpp::detail

// Tokens priced when read: a store records tokens per model (table
// trace_models, gen_ai.usage on spans); the price table in force turns them
// into US dollars, or into "unknown" (null) for a model it does not price.
#pragma once
#include <cstdint>
#include <string>

#include "flock/json.hpp"
#include "flock/model_prices.hpp"
#include "storage/duckdb/duckdb_handle.hpp"

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
// Token sums saturate at the largest BIGINT instead of failing the query or
// the write (DuckDB sums BIGINTs as HUGEINT); a negative or non-integer count
// counts as 0, as TraceSummary does.
#define FLOCK_TOKEN_SUM_SQL(key)                                                                         \
  "CAST(least(coalesce(sum(greatest(TRY_CAST(json_extract_string(attributes, '$.gen_ai.usage." key "') " \
  "AS BIGINT), 0)), 0), 9223372036854775807) AS BIGINT)"
inline constexpr const char* kInputTokens = FLOCK_TOKEN_SUM_SQL("input_tokens");
inline constexpr const char* kOutputTokens = FLOCK_TOKEN_SUM_SQL("output_tokens");

}  // namespace flockcpp::detail

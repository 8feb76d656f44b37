#include "storage/trace_costs.hpp"

#include <cmath>
#include <map>
#include <vector>

namespace flockcpp::detail {

namespace {
// Cents to a millionth of a dollar are noise; more digits are false precision.
double round_usd(double v) { return std::round(v * 1e6) / 1e6; }
}  // namespace

Json priced_usage(const ModelPrices& prices, const std::string& model, std::int64_t calls,
                  std::int64_t input_tokens, std::int64_t output_tokens) {
  Json out{{"model", model},
           {"calls", calls},
           {"input_tokens", input_tokens},
           {"output_tokens", output_tokens},
           {"cost_usd", nullptr},
           {"price", nullptr}};
  if (std::optional<ModelPrice> p = prices.find(model)) {
    out["cost_usd"] = round_usd((static_cast<double>(input_tokens) * p->input_per_million +
                                 static_cast<double>(output_tokens) * p->output_per_million) /
                                1e6);
    out["price"] = {{"input_per_million", p->input_per_million},
                    {"output_per_million", p->output_per_million},
                    {"as_of", p->as_of}};
  } else if (input_tokens == 0 && output_tokens == 0) {
    out["cost_usd"] = 0.0;  // nothing used costs nothing, priced or not
  }
  return out;
}

Json total_cost(const Json& usages) {
  double sum = 0;
  for (const Json& u : usages) {
    if (!u["cost_usd"].is_number()) return nullptr;
    sum += u["cost_usd"].get<double>();
  }
  return round_usd(sum);
}

void add_trace_costs(DuckConnection& con, Json& items, const ModelPrices& prices) {
  if (items.empty()) return;
  std::string in = "(";
  std::vector<SqlParam> ids;
  for (const Json& item : items) {
    in += ids.empty() ? "?" : ", ?";
    ids.emplace_back(item["trace_id"].get<std::string>());
  }
  in += ")";
  JsonTable rows = con.query_table(
      "SELECT trace_id, model, calls, input_tokens, output_tokens FROM trace_models WHERE trace_id IN " + in +
          " ORDER BY trace_id, input_tokens + output_tokens DESC, model",
      ids);
  std::map<std::string, Json> by_trace;
  for (const Json& r : rows.rows) {
    Json& list = by_trace[r[0].get<std::string>()];
    if (list.is_null()) list = Json::array();
    list.push_back(priced_usage(prices, r[1].get<std::string>(), r[2].get<std::int64_t>(), r[3].get<std::int64_t>(),
                                r[4].get<std::int64_t>()));
  }
  for (Json& item : items) {
    auto it = by_trace.find(item["trace_id"].get<std::string>());
    Json models = it == by_trace.end() ? Json::array() : std::move(it->second);
    item["cost_usd"] = total_cost(models);
    item["models"] = std::move(models);
  }
}

}  // namespace flockcpp::detail

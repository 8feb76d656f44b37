#include "storage/duckdb/trace_costs.hpp"

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

void add_trace_costs(Json& items, const ModelPrices& prices) {
  for (Json& item : items) {
    // The page's own column (traces.models): no second query per page.
    Json models = Json::array();
    auto it = item.find("models");
    if (it != item.end() && it->is_array()) {
      for (const Json& u : *it) {
        auto num = [&](const char* k) {
          auto f = u.find(k);
          return f != u.end() && f->is_number_integer() ? f->get<std::int64_t>() : std::int64_t{0};
        };
        auto m = u.find("model");
        models.push_back(priced_usage(prices, m != u.end() && m->is_string() ? m->get<std::string>() : "unknown",
                                      num("calls"), num("input_tokens"), num("output_tokens")));
      }
    }
    item["cost_usd"] = total_cost(models);
    item["models"] = std::move(models);
  }
}

}  // namespace flockcpp::detail

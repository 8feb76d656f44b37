// The price table (flock/model_prices.hpp): parsing and checking a table,
// the built-in defaults, FLOCK_PRICES_FILE, and finding a model's price.
#include "flock/model_prices.hpp"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/json_parse.hpp"
#include "common/log.hpp"
#include "flock/error.hpp"
#include "storage/default_model_prices.hpp"

namespace flockcpp {

namespace {

constexpr std::size_t kMaxFileBytes = 1u << 20;
constexpr std::size_t kMaxModels = 10000;
constexpr std::size_t kMaxNameBytes = 256;
constexpr double kMaxPrice = 1e6;  // USD per million tokens: anything above is a typo

[[noreturn]] void bad(const std::string& source, const std::string& what) {
  throw Error(ErrorCode::InvalidArgument, source + ": " + what);
}

bool is_date(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  int month = (s[5] - '0') * 10 + (s[6] - '0');
  int day = (s[8] - '0') * 10 + (s[9] - '0');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

double price_field(const Json& entry, const char* field, const std::string& source, const std::string& model) {
  auto it = entry.find(field);
  if (it == entry.end() || !it->is_number()) bad(source, "model '" + model + "' needs a number " + field);
  double v = it->get<double>();
  if (!std::isfinite(v) || v < 0 || v > kMaxPrice) {
    bad(source, "model '" + model + "': " + field + " must be between 0 and 1000000 (USD per million tokens)");
  }
  return v;
}

}  // namespace

ModelPrices ModelPrices::from_json(const Json& table, std::string source) {
  if (!table.is_object()) bad(source, "a price table is a JSON object with a \"models\" object");
  auto models = table.find("models");
  if (models == table.end() || !models->is_object()) bad(source, "a price table needs a \"models\" object");
  if (auto currency = table.find("currency"); currency != table.end() && *currency != "USD") {
    bad(source, "prices are in USD (\"currency\": \"USD\")");
  }
  if (models->size() > kMaxModels) bad(source, "more than 10000 models");
  ModelPrices out;
  out.source_ = std::move(source);
  for (const auto& [name, entry] : models->items()) {
    if (name.empty() || name.size() > kMaxNameBytes) bad(out.source_, "a model name must be 1 to 256 bytes");
    if (entry.is_null()) {
      out.models_[name] = std::nullopt;
      continue;
    }
    if (!entry.is_object()) bad(out.source_, "model '" + name + "' must be an object or null");
    ModelPrice p;
    p.input_per_million = price_field(entry, "input_per_million", out.source_, name);
    p.output_per_million = price_field(entry, "output_per_million", out.source_, name);
    auto as_of = entry.find("as_of");
    if (as_of == entry.end() || !as_of->is_string() || !is_date(as_of->get<std::string>())) {
      bad(out.source_, "model '" + name + "' needs \"as_of\": the date of the price, YYYY-MM-DD");
    }
    p.as_of = as_of->get<std::string>();
    out.models_[name] = std::move(p);
  }
  return out;
}

ModelPrices ModelPrices::defaults() {
  static const ModelPrices table = from_json(Json::parse(detail::kDefaultModelPrices), "built-in defaults");
  return table;
}

const ModelPrices& ModelPrices::in_force() {
  static const ModelPrices table = [] {
    ModelPrices t = defaults();
    const char* path = std::getenv("FLOCK_PRICES_FILE");
    if (path == nullptr || *path == '\0') return t;
    try {
      std::ifstream in(path, std::ios::binary);
      if (!in) throw Error(ErrorCode::InvalidArgument, std::string(path) + ": cannot be read");
      std::string text(kMaxFileBytes + 1, '\0');
      in.read(text.data(), static_cast<std::streamsize>(text.size()));
      text.resize(static_cast<std::size_t>(in.gcount()));
      if (text.size() > kMaxFileBytes) throw Error(ErrorCode::InvalidArgument, std::string(path) + ": over 1 MiB");
      Json parsed = detail::parse_json_bounded(text);
      if (parsed.is_discarded()) throw Error(ErrorCode::InvalidArgument, std::string(path) + ": not JSON");
      t.override_with(from_json(parsed, path));
      t.source_ = std::string("built-in defaults + ") + path;
    } catch (const Error& e) {
      detail::logf(LogLevel::Warning, "FLOCK_PRICES_FILE ignored, the built-in prices stay in force: %s", e.what());
    }
    return t;
  }();
  return table;
}

void ModelPrices::override_with(const ModelPrices& other) {
  for (const auto& [name, price] : other.models_) models_[name] = price;
}

std::optional<ModelPrice> ModelPrices::find(std::string_view model) const {
  auto exact = [&](std::string_view name) -> const std::optional<ModelPrice>* {
    auto it = models_.find(name);
    return it == models_.end() ? nullptr : &it->second;
  };
  if (const auto* p = exact(model)) return *p;
  if (auto slash = model.find('/'); slash != std::string_view::npos) {
    model.remove_prefix(slash + 1);
    if (const auto* p = exact(model)) return *p;
  }
  // A snapshot of a known model: the longest name followed by '-'.
  for (std::size_t dash = model.rfind('-'); dash != std::string_view::npos && dash > 0;
       dash = model.rfind('-', dash - 1)) {
    if (const auto* p = exact(model.substr(0, dash))) return *p;
  }
  return std::nullopt;
}

std::optional<double> ModelPrices::cost_usd(std::string_view model, std::int64_t input_tokens,
                                            std::int64_t output_tokens) const {
  std::optional<ModelPrice> p = find(model);
  if (!p) return std::nullopt;
  return (static_cast<double>(input_tokens) * p->input_per_million +
          static_cast<double>(output_tokens) * p->output_per_million) /
         1e6;
}

Json ModelPrices::to_json() const {
  Json models = Json::object();
  for (const auto& [name, price] : models_) {
    if (!price) {
      models[name] = nullptr;  // removed: its snapshots have no price either
      continue;
    }
    models[name] = {{"input_per_million", price->input_per_million},
                    {"output_per_million", price->output_per_million},
                    {"as_of", price->as_of}};
  }
  return {{"currency", "USD"}, {"source", source_}, {"models", std::move(models)}};
}

}  // namespace flockcpp

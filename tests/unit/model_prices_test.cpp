#include <gtest/gtest.h>

#include "flock/error.hpp"
#include "flock/model_prices.hpp"

using flockcpp::Error;
using flockcpp::Json;
using flockcpp::ModelPrices;

namespace {
ModelPrices table() {
  return ModelPrices::from_json(Json::parse(R"({"models": {
      "gpt-4o": {"input_per_million": 2.5, "output_per_million": 10, "as_of": "2024-10-01"},
      "gpt-4o-mini": {"input_per_million": 0.15, "output_per_million": 0.6, "as_of": "2024-07-18"},
      "gpt-4o-2024-05-13": {"input_per_million": 5, "output_per_million": 15, "as_of": "2024-05-13"}}})"),
                                "test");
}
}  // namespace

TEST(ModelPrices, ExactProviderPrefixAndDatedSnapshots) {
  ModelPrices p = table();
  EXPECT_EQ(p.find("gpt-4o")->input_per_million, 2.5);
  EXPECT_EQ(p.find("openai/gpt-4o-mini")->input_per_million, 0.15);
  EXPECT_EQ(p.find("gpt-4o-mini-2024-07-18")->input_per_million, 0.15) << "the longest known name wins";
  EXPECT_EQ(p.find("gpt-4o-2024-08-06")->input_per_million, 2.5);
  EXPECT_EQ(p.find("gpt-4o-2024-05-13")->input_per_million, 5) << "a priced snapshot has its own price";
  EXPECT_FALSE(p.find("gpt-4"));
  EXPECT_FALSE(p.find("gpt-4omni")) << "only a '-' extends a name";
  EXPECT_FALSE(p.find(""));
  EXPECT_FALSE(p.find("-"));
  EXPECT_FALSE(p.find("llama-3-8b"));
}

TEST(ModelPrices, CostIsPerMillionTokensAndUnknownIsNoCost) {
  ModelPrices p = table();
  EXPECT_DOUBLE_EQ(*p.cost_usd("gpt-4o", 1'000'000, 500'000), 2.5 + 5);
  EXPECT_FALSE(p.cost_usd("my-llama", 10, 10));
}

TEST(ModelPrices, OverridesReplaceAddAndRemove) {
  ModelPrices p = table();
  p.override_with(ModelPrices::from_json(
      Json::parse(R"({"models": {"gpt-4o": null, "mine": {"input_per_million": 1, "output_per_million": 2,
                                                          "as_of": "2026-01-31"}}})"),
      "file"));
  EXPECT_FALSE(p.find("gpt-4o"));
  EXPECT_FALSE(p.find("gpt-4o-2024-08-06")) << "a removed model prices none of its snapshots";
  EXPECT_EQ(p.find("mine")->output_per_million, 2);
  EXPECT_TRUE(p.to_json()["models"]["gpt-4o"].is_null()) << "listed as removed, so readers apply the same rule";
}

TEST(ModelPrices, BadTablesNameTheEntry) {
  auto bad = [](const char* text) {
    try {
      ModelPrices::from_json(Json::parse(text), "f.json");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(bad(R"([])").find("object"), std::string::npos);
  EXPECT_NE(bad(R"({"models": 3})").find("models"), std::string::npos);
  EXPECT_NE(bad(R"({"models": {"m": {"input_per_million": "1", "output_per_million": 1, "as_of": "2026-01-01"}}})")
                .find("'m' needs a number input_per_million"),
            std::string::npos);
  EXPECT_NE(bad(R"({"models": {"m": {"input_per_million": 1e300, "output_per_million": 1, "as_of": "2026-01-01"}}})")
                .find("between 0"),
            std::string::npos);
  EXPECT_NE(bad(R"({"models": {"m": {"input_per_million": 1, "output_per_million": 1, "as_of": "2026-13-01"}}})")
                .find("as_of"),
            std::string::npos);
  EXPECT_NE(bad(R"({"models": {"": {"input_per_million": 1, "output_per_million": 1, "as_of": "2026-01-01"}}})")
                .find("1 to 256"),
            std::string::npos);
  EXPECT_NE(bad(R"({"currency": "EUR", "models": {}})").find("USD"), std::string::npos);
  EXPECT_EQ(bad(R"({"models": {}})"), "accepted");
}

TEST(ModelPrices, TheBuiltInTableIsDatedAndPricesCommonOpenAiModels) {
  ModelPrices d = ModelPrices::defaults();
  for (const char* m : {"gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "o3", "o4-mini"}) {
    ASSERT_TRUE(d.find(m)) << m;
    EXPECT_GT(d.find(m)->output_per_million, 0) << m;
  }
  Json table = d.to_json();  // kept: a range-for over a temporary's member would dangle
  for (const auto& [name, p] : table["models"].items()) EXPECT_EQ(p["as_of"].get<std::string>().size(), 10u) << name;
}

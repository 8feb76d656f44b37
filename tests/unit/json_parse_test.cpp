// JSON from outside the program: the bounds on nesting and on the number of
// values are enforced by a scan of the text before anything is built.
#include <gtest/gtest.h>

#include <string>

#include "common/json_parse.hpp"

using flockcpp::Json;
using flockcpp::detail::json_over_bounds;
using flockcpp::detail::JsonBounds;
using flockcpp::detail::JsonFault;
using flockcpp::detail::parse_json_bounded;

namespace {

std::string empty_objects(std::size_t n) {
  std::string pad = R"({"sql":"SELECT 1","pad":[)";
  for (std::size_t i = 0; i < n; ++i) pad += i == 0 ? "{}" : ",{}";
  return pad + "]}";
}

}  // namespace

TEST(JsonParse, ValuesAreCountedWithoutKeysOrStringContents) {
  const JsonBounds five{8, 5};
  EXPECT_EQ(json_over_bounds(R"({"a":1,"b":"x,y:[{","c":[true]})", five), JsonFault::none) << "5 values";
  EXPECT_EQ(json_over_bounds(R"({"a":1,"b":"x","c":[true, null]})", five), JsonFault::too_many_values);
  EXPECT_EQ(json_over_bounds(R"(["\"]]]]]]]]", -12.5e3])", five), JsonFault::none) << "an escaped quote";
  EXPECT_EQ(json_over_bounds("[[[[[[[[]]]]]]]]", five), JsonFault::too_many_values);
  EXPECT_EQ(json_over_bounds("[[[[[[[[[]]]]]]]]]", JsonBounds{8, 100}), JsonFault::too_deep);
  EXPECT_EQ(json_over_bounds("[[[[[[[[]]]]]]]]", JsonBounds{8, 100}), JsonFault::none);
}

TEST(JsonParse, RefusalsSayWhichBoundAndWhy) {
  std::string why;
  JsonFault fault = JsonFault::none;
  Json v = parse_json_bounded(empty_objects(10), &why, JsonBounds{128, 10}, &fault);
  EXPECT_TRUE(v.is_discarded());
  EXPECT_EQ(fault, JsonFault::too_many_values);
  EXPECT_EQ(why, "JSON holds more than 10 values");
  v = parse_json_bounded(std::string(200, '[') + std::string(200, ']'), &why, JsonBounds{}, &fault);
  EXPECT_EQ(fault, JsonFault::too_deep);
  EXPECT_EQ(why, "JSON nested deeper than 128 levels");
  v = parse_json_bounded(R"({"a": [1, 2})", &why, JsonBounds{}, &fault);
  EXPECT_TRUE(v.is_discarded());
  EXPECT_EQ(fault, JsonFault::malformed);
  EXPECT_NE(why.find("parse error"), std::string::npos) << why;
  v = parse_json_bounded(R"({"a": [1, 2]})", &why, JsonBounds{}, &fault);
  EXPECT_EQ(fault, JsonFault::none);
  EXPECT_EQ(v["a"][1], 2);
}

// 900,000 empty objects in an array took minutes with nlohmann's parser
// callback (at the end of each object it searched the parent array for a
// discarded value). Parsed now in one pass; the default bound leaves room
// for them, and one more value past it is refused.
TEST(JsonParse, AnArrayOfManyObjectsParsesInOnePass) {
  std::string why;
  Json v = parse_json_bounded(empty_objects(900'000), &why);
  ASSERT_FALSE(v.is_discarded()) << why;
  EXPECT_EQ(v["pad"].size(), 900'000u);
  JsonFault fault = JsonFault::none;
  std::string over = empty_objects(flockcpp::detail::kMaxJsonValues);
  EXPECT_TRUE(parse_json_bounded(over, &why, JsonBounds{}, &fault).is_discarded());
  EXPECT_EQ(fault, JsonFault::too_many_values);
}

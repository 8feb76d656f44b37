#include <gtest/gtest.h>

#include "storage/span_json.hpp"
#include "storage/duckdb/span_row.hpp"

using flockcpp::SpanAttribute;
using flockcpp::detail::append_attributes_json;

namespace {
std::string attrs_json(std::vector<SpanAttribute> attrs) {
  std::string out;
  append_attributes_json(out, attrs);
  return out;
}
}  // namespace

TEST(SpanJson, DottedKeysNest) {
  EXPECT_EQ(attrs_json({{"workflow.name", std::string("pizza")}, {"flock.workflow", true}}),
            R"({"flock":{"workflow":true},"workflow":{"name":"pizza"}})");
}

TEST(SpanJson, KeyThatIsBothValueAndPrefixKeepsBoth) {
  std::string expected = R"({"agent":{"_value":"x","name":"y"}})";
  EXPECT_EQ(attrs_json({{"agent", std::string("x")}, {"agent.name", std::string("y")}}), expected);
  EXPECT_EQ(attrs_json({{"agent.name", std::string("y")}, {"agent", std::string("x")}}), expected);
}

TEST(SpanJson, SiblingsThatShareAPrefixStringStaySeparate) {
  // "a.b" and "a_c" must not be grouped: only '.' separates levels.
  EXPECT_EQ(attrs_json({{"a_c", std::int64_t{1}}, {"a.b", std::int64_t{2}}, {"a", std::int64_t{3}}}),
            R"({"a":{"_value":3,"b":2},"a_c":1})");
}

TEST(SpanJson, AllValueKinds) {
  EXPECT_EQ(attrs_json({{"b", false},
                        {"i", std::int64_t{-7}},
                        {"d", 2.5},
                        {"s", std::string("q\"\\\n")},
                        {"vb", std::vector<bool>{true, false}},
                        {"vi", std::vector<std::int64_t>{1, 2}},
                        {"vd", std::vector<double>{0.5}},
                        {"vs", std::vector<std::string>{"x", "y"}},
                        {"j", std::make_shared<const flockcpp::Json>(flockcpp::Json{{"k", 1}})}}),
            R"({"b":false,"d":2.5,"i":-7,"j":"{\"k\":1}","s":"q\"\\\n","vb":[true,false],"vd":[0.5],"vi":[1,2],"vs":["x","y"]})");
}

TEST(SpanJson, NonFiniteDoublesStayValidJson) {
  EXPECT_EQ(attrs_json({{"n", std::numeric_limits<double>::quiet_NaN()},
                        {"p", std::numeric_limits<double>::infinity()}}),
            R"({"n":"NaN","p":"Infinity"})");
}

TEST(SpanJson, InvalidUtf8IsReplacedNotPassedThrough) {
  std::string bad = "ok\xC3(\xFF\xED\xA0\x80 end";  // truncated 2-byte, 0xFF, surrogate
  std::string out;
  flockcpp::detail::append_json_string(out, bad);
  EXPECT_TRUE(flockcpp::detail::is_valid_utf8(out));
  EXPECT_EQ(out, "\"ok\xEF\xBF\xBD(\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD end\"");
  std::string control;
  flockcpp::detail::append_json_string(control, std::string("a\x01z", 3));
  EXPECT_EQ(control, "\"a\\u0001z\"");
  // Valid multi-byte text passes unchanged.
  EXPECT_EQ(flockcpp::detail::valid_utf8("Grüße 🍕"), "Grüße 🍕");
}

TEST(SpanRow, ServiceAndOperationSplitAtFirstDot) {
  flockcpp::SpanData s;
  s.trace_id[0] = 1;
  s.span_id[7] = 2;
  s.name = "OutputUtilityComponent.on_post.evaluate";
  s.start_ns = 1'000'000;
  s.end_ns = 3'500'000;
  s.status = flockcpp::StatusCode::Error;
  s.status_description = "boom";
  flockcpp::detail::SpanRow row;
  flockcpp::detail::format_row(s, row);
  EXPECT_EQ(row.service, "OutputUtilityComponent");
  EXPECT_EQ(row.operation, "on_post.evaluate");
  EXPECT_EQ(row.trace_id, "01000000000000000000000000000000");
  EXPECT_EQ(row.span_id, "0000000000000002");
  EXPECT_TRUE(row.parent_id.empty());
  EXPECT_DOUBLE_EQ(row.duration_ms, 2.5);
  EXPECT_STREQ(row.status_code, "ERROR");

  s.name = "pizza_workflow";
  s.truncated_values = 2;
  flockcpp::detail::format_row(s, row);
  EXPECT_EQ(row.service, "pizza_workflow");
  EXPECT_TRUE(row.operation.empty());
  EXPECT_EQ(row.attributes, R"({"flock":{"truncated_values_count":2}})");
}

#include <gtest/gtest.h>

#include <flock/flock.hpp>

namespace shop {
struct Address {
  std::string city;
  int zip = 0;
};
struct Order {
  std::string id;
  std::vector<std::string> items;
  double total = 0;
  bool paid = false;
  std::optional<std::string> note;
  Address ship_to;
};
FLOCK_TYPE(Address, city, zip)
FLOCK_TYPE(Order, id, items, total, paid, note, ship_to)
}  // namespace shop

TEST(Types, RegisteredByNameWithSchema) {
  const flockcpp::TypeInfo* info = flockcpp::TypeRegistry::global().find("Order");
  ASSERT_NE(info, nullptr);
  const auto& s = info->schema;
  EXPECT_EQ(s["type"], "object");
  EXPECT_EQ(s["properties"]["items"]["type"], "array");
  EXPECT_EQ(s["properties"]["items"]["items"]["type"], "string");
  EXPECT_EQ(s["properties"]["total"]["type"], "number");
  EXPECT_EQ(s["properties"]["paid"]["type"], "boolean");
  EXPECT_EQ(s["properties"]["ship_to"]["properties"]["zip"]["type"], "integer");
  EXPECT_TRUE(s["properties"]["note"]["nullable"].get<bool>());
  // Optional fields are not required; the others are.
  auto req = s["required"].get<std::vector<std::string>>();
  EXPECT_EQ(std::count(req.begin(), req.end(), "note"), 0);
  EXPECT_EQ(std::count(req.begin(), req.end(), "id"), 1);
  EXPECT_EQ(flockcpp::type_name<shop::Order>(), std::string("Order"));
}

TEST(Types, JsonRoundTrip) {
  shop::Order o{"o1", {"a", "b"}, 12.5, true, std::nullopt, {"Berlin", 10115}};
  flockcpp::Json j = o;
  auto back = j.get<shop::Order>();
  EXPECT_EQ(back.id, "o1");
  EXPECT_EQ(back.items.size(), 2u);
  EXPECT_EQ(back.ship_to.city, "Berlin");
  EXPECT_FALSE(back.note.has_value());
}

TEST(Types, ValidationNamesTheProblem) {
  const auto& schema = flockcpp::TypeRegistry::global().find("Order")->schema;
  flockcpp::Json good = shop::Order{"o1", {}, 1, false, "x", {"B", 1}};
  EXPECT_FALSE(flockcpp::validate_against_schema(schema, good).has_value());

  flockcpp::Json missing = good;
  missing.erase("id");
  EXPECT_EQ(flockcpp::validate_against_schema(schema, missing).value(), "$: missing required field 'id'");

  flockcpp::Json wrong = good;
  wrong["ship_to"]["zip"] = "ten";
  EXPECT_EQ(flockcpp::validate_against_schema(schema, wrong).value(), "$.ship_to.zip: expected an integer, got string");

  flockcpp::Json extra = good;
  extra["colour"] = "red";
  EXPECT_EQ(flockcpp::validate_against_schema(schema, extra).value(), "$: unknown field 'colour'");

  flockcpp::Json item = good;
  item["items"] = flockcpp::Json::array({"a", 3});
  EXPECT_EQ(flockcpp::validate_against_schema(schema, item).value(), "$.items[1]: expected a string, got integer");

  flockcpp::Json null_note = good;
  null_note["note"] = nullptr;
  EXPECT_FALSE(flockcpp::validate_against_schema(schema, null_note).has_value());
}

TEST(Types, UnknownTypeIsNull) { EXPECT_EQ(flockcpp::TypeRegistry::global().find("NoSuchType"), nullptr); }

TEST(Blackboard, QueryFiltersAndPages) {
  flockcpp::BlackboardStore store;
  for (int i = 0; i < 10; ++i) {
    auto a = std::make_shared<flockcpp::Artifact>();
    a->id = std::to_string(i);
    a->type = i % 2 ? "A" : "B";
    a->payload = std::make_shared<const flockcpp::Json>(flockcpp::Json{{"i", i}});
    a->correlation_id = i < 5 ? "c1" : "c2";
    a->tags = i % 3 == 0 ? std::vector<std::string>{"x", "y"} : std::vector<std::string>{"x"};
    store.add(a);
  }
  flockcpp::ArtifactQuery q;
  q.type = "A";
  q.limit = 2;
  q.offset = 1;
  auto page = store.query(q);
  EXPECT_EQ(page.total, 5u);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0]->id, "3");
  EXPECT_EQ(page.items[1]->id, "5");

  flockcpp::ArtifactQuery tags;
  tags.tags = {"x", "y"};
  tags.correlation_id = "c2";
  auto t = store.query(tags);
  EXPECT_EQ(t.total, 2u);  // 6 and 9
  EXPECT_EQ(store.find("7")->type, "A");
  EXPECT_EQ(store.find("nope"), nullptr);
}

// The store locator of docs/configuration.md ("Where spans are stored"): the
// forms it takes, and every malformed value is a clear InvalidArgument, never
// a crash, a hang or a path taken literally.
#include <gtest/gtest.h>

#include <string>

#include <flock/error.hpp>

#include "common/store_locator.hpp"

using flockcpp::Error;
using flockcpp::ErrorCode;
using flockcpp::detail::file_store_locator;
using flockcpp::detail::parse_store_locator;
using flockcpp::detail::StoreKind;
using flockcpp::detail::StoreLocator;
using flockcpp::detail::try_parse_store_locator;

namespace {

// The InvalidArgument message for text; fails the test when it parses.
std::string refusal(std::string_view text) {
  try {
    parse_store_locator(text);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "parsed: " << std::string(text.substr(0, 100));
  return {};
}

bool mentions(const std::string& message, const std::string& part) { return message.find(part) != std::string::npos; }

StoreLocator clickhouse(std::string host, std::uint16_t port, std::string database) {
  StoreLocator l;
  l.kind = StoreKind::ClickHouse;
  l.host = std::move(host);
  l.port = port;
  l.database = std::move(database);
  return l;
}

}  // namespace

TEST(StoreLocator, APlainPathIsADuckDbFile) {
  for (const char* p : {".flock/traces.duckdb", "/var/lib/app/t.duckdb", "t.duckdb", " spaced name.duckdb", "."}) {
    StoreLocator l = parse_store_locator(p);
    EXPECT_EQ(l.kind, StoreKind::DuckDb);
    EXPECT_EQ(l.path, p);
  }
}

// Only the exact prefixes are schemes: a colon elsewhere is part of a path.
TEST(StoreLocator, AColonInAPathIsNotAScheme) {
  for (const char* p : {"my:file.duckdb", "C:/traces.duckdb", "C:\\traces.duckdb", "dir/duckdb:x", "./postgres://x",
                        "DUCKDB:x", "duckdbx", "clickhouse:/h/db", "a:b:c", ":x", "1abc://x"}) {
    StoreLocator l = parse_store_locator(p);
    EXPECT_EQ(l.kind, StoreKind::DuckDb) << p;
    EXPECT_EQ(l.path, p) << p;
  }
}

TEST(StoreLocator, DuckDbPrefixNamesTheSameFile) {
  EXPECT_EQ(parse_store_locator("duckdb:.flock/traces.duckdb"), parse_store_locator(".flock/traces.duckdb"));
  EXPECT_EQ(parse_store_locator("duckdb:/tmp/t.duckdb").path, "/tmp/t.duckdb");
  // The rest is taken literally, prefixes and colons included.
  EXPECT_EQ(parse_store_locator("duckdb:duckdb:x").path, "duckdb:x");
  EXPECT_EQ(parse_store_locator("duckdb:clickhouse://h/db").path, "clickhouse://h/db");
  EXPECT_EQ(parse_store_locator("duckdb:my:file.duckdb").path, "my:file.duckdb");
  // file_store_locator names exactly the file, whatever its name.
  for (const char* p : {"duckdb:x", "clickhouse://h/db", "postgres://x", "plain.duckdb"}) {
    EXPECT_EQ(parse_store_locator(file_store_locator(p)).path, p);
  }
}

TEST(StoreLocator, ClickHouseUrls) {
  EXPECT_EQ(parse_store_locator("clickhouse://127.0.0.1/db"), clickhouse("127.0.0.1", 8123, "db"));
  EXPECT_EQ(parse_store_locator("clickhouse://ch.example.com:9000/flock_traces"),
            clickhouse("ch.example.com", 9000, "flock_traces"));
  EXPECT_EQ(parse_store_locator("clickhouse://localhost:1/x"), clickhouse("localhost", 1, "x"));
  EXPECT_EQ(parse_store_locator("clickhouse://h:65535/x"), clickhouse("h", 65535, "x"));
  EXPECT_EQ(parse_store_locator("clickhouse://h:08123/x"), clickhouse("h", 8123, "x"));
  EXPECT_EQ(parse_store_locator("clickhouse://[::1]/db"), clickhouse("::1", 8123, "db"));
  EXPECT_EQ(parse_store_locator("clickhouse://[fe80::1]:8124/db"), clickhouse("fe80::1", 8124, "db"));
}

TEST(StoreLocator, MalformedValuesAreClearErrors) {
  EXPECT_TRUE(mentions(refusal(""), "empty"));
  EXPECT_TRUE(mentions(refusal("duckdb:"), "no path after 'duckdb:'"));
  EXPECT_TRUE(mentions(refusal("postgres://h/db"), "unknown scheme 'postgres://'"));
  EXPECT_TRUE(mentions(refusal("file:///tmp/x"), "unknown scheme 'file://'"));
  EXPECT_TRUE(mentions(refusal("ClickHouse://h/db"), "lower-case"));
  EXPECT_TRUE(mentions(refusal("clickhouse://"), "missing"));
  EXPECT_TRUE(mentions(refusal("clickhouse://h"), "missing database"));
  EXPECT_TRUE(mentions(refusal("clickhouse://h/"), "missing database"));
  EXPECT_TRUE(mentions(refusal("clickhouse://h:8123"), "missing database"));
  EXPECT_TRUE(mentions(refusal("clickhouse:///db"), "missing host"));
  EXPECT_TRUE(mentions(refusal("clickhouse://:8123/db"), "missing host"));
  EXPECT_TRUE(mentions(refusal("clickhouse://[]/db"), "missing host"));
  for (const char* bad_port : {"clickhouse://h:99999/db", "clickhouse://h:0/db", "clickhouse://h:65536/db",
                               "clickhouse://h:-1/db", "clickhouse://h:80a/db", "clickhouse://h: 80/db",
                               "clickhouse://h:18446744073709551617/db", "clickhouse://h:000000000080/db"}) {
    EXPECT_TRUE(mentions(refusal(bad_port), "port must be a number from 1 to 65535")) << bad_port;
  }
  EXPECT_TRUE(mentions(refusal("clickhouse://h:/db"), "empty port"));
  EXPECT_TRUE(mentions(refusal("clickhouse://::1/db"), "brackets"));
  EXPECT_TRUE(mentions(refusal("clickhouse://[::1/db"), "']'"));
  EXPECT_TRUE(mentions(refusal("clickhouse://[zz]/db"), "IPv6"));
  std::string with_password = refusal("clickhouse://user:secret@h/db");
  EXPECT_TRUE(mentions(with_password, "password"));
  EXPECT_FALSE(mentions(with_password, "secret")) << "a password stays out of the message: " << with_password;
  EXPECT_TRUE(mentions(refusal("clickhouse://h/db?x=1"), "query"));
  EXPECT_TRUE(mentions(refusal("clickhouse://h/a/b"), "'/'"));
  EXPECT_TRUE(mentions(refusal("clickhouse://h/my-db"), "database name"));
  EXPECT_TRUE(mentions(refusal("clickhouse://h/db;DROP"), "database name"));
  EXPECT_TRUE(mentions(refusal("clickhouse://h h/db"), "host"));
  // The message quotes the value.
  EXPECT_TRUE(mentions(refusal("clickhouse://h:99999/db"), "\"clickhouse://h:99999/db\""));
}

// `clickhouse://:99999/db`: two faults; either is named, no crash.
TEST(StoreLocator, SeveralFaultsAtOnce) {
  std::string m = refusal("clickhouse://:99999/db");
  EXPECT_TRUE(mentions(m, "host") || mentions(m, "port")) << m;
}

TEST(StoreLocator, NulBytesAreRefusedNotCut) {
  using namespace std::string_literals;
  for (std::string text : {"a.duckdb\0x"s, "\0"s, "duckdb:\0"s, "duckdb:a\0b"s, "clickhouse://h\0/db"s,
                           "clickhouse://h/db\0"s}) {
    std::string m = refusal(text);
    EXPECT_TRUE(mentions(m, "NUL")) << m;
    EXPECT_EQ(m.find('\0'), std::string::npos) << "the message carries no NUL";
  }
}

TEST(StoreLocator, HugeValuesAreHandledAndMessagesStayShort) {
  const std::string huge_path(1 << 20, 'a');
  EXPECT_EQ(parse_store_locator(huge_path).path.size(), huge_path.size());
  EXPECT_EQ(parse_store_locator("duckdb:" + huge_path).path, huge_path);
  for (std::string text : {"clickhouse://" + huge_path + "/db", "clickhouse://h/" + huge_path,
                           "clickhouse://h:" + std::string(1 << 20, '9') + "/db", huge_path + "://x",
                           "clickhouse://h/db" + std::string(1 << 20, '/'), std::string(1 << 20, ':'),
                           "clickhouse://" + std::string(1 << 20, '[')}) {
    std::string why;
    auto l = try_parse_store_locator(text, &why);
    if (l) {
      // Only a path may be that long: a run of colons is a file name.
      EXPECT_EQ(l->kind, StoreKind::DuckDb);
      continue;
    }
    std::string m = refusal(text);
    EXPECT_LT(m.size(), 600u) << "the message shows the start of the value only";
  }
}

TEST(StoreLocator, ControlBytesAreEscapedInMessages) {
  std::string m = refusal("postgres://\x1b[31mred\n");
  EXPECT_EQ(m.find('\x1b'), std::string::npos);
  EXPECT_EQ(m.find('\n'), std::string::npos);
}

TEST(StoreLocator, TryParseGivesTheReasonAlone) {
  std::string why;
  EXPECT_FALSE(try_parse_store_locator("duckdb:", &why).has_value());
  EXPECT_EQ(why.find("invalid trace store"), std::string::npos) << why;
  EXPECT_TRUE(mentions(why, "duckdb:"));
  EXPECT_TRUE(try_parse_store_locator("duckdb:x").has_value());
}

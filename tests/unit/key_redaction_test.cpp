#include <gtest/gtest.h>

#include <string>

#include "engines/llm/key_redaction.hpp"

using flockcpp::detail::redact_key;

namespace {

const std::string kKey = "sk-proj-9Zq7LeakCanary3xW4vT2mN8pQ5rS1tU6vW0xY4zA7b";  // 51 characters

// Whether any run of 8 characters of the key is left in text.
bool has_key_run(const std::string& text) {
  for (std::size_t i = 0; i + 8 <= kKey.size(); ++i) {
    if (text.find(kKey.substr(i, 8)) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST(KeyRedaction, TheWholeKeyIsReplaced) {
  EXPECT_EQ(redact_key("key " + kKey + " refused", kKey), "key [redacted] refused");
  EXPECT_EQ(redact_key(kKey + ", " + kKey, kKey), "[redacted], [redacted]");
}

// A page that echoes the key and is cut (an error message's 300 bytes) keeps
// a piece of it: any 8 characters of the key are too many.
TEST(KeyRedaction, EveryRunOfEightOrMoreIsReplaced) {
  for (std::size_t len = 8; len <= kKey.size(); ++len) {
    for (std::size_t at = 0; at + len <= kKey.size(); ++at) {
      std::string text = "<p>Bearer " + kKey.substr(at, len) + "</p>";
      std::string out = redact_key(text, kKey);
      EXPECT_FALSE(has_key_run(out)) << out;
      EXPECT_EQ(out, "<p>Bearer [redacted]</p>") << "run of " << len << " at " << at;
    }
  }
  std::string cut = "x" + kKey.substr(0, 34);
  EXPECT_EQ(redact_key(cut, kKey), "x[redacted]");
  EXPECT_EQ(redact_key(kKey.substr(30, 20) + " and " + kKey.substr(2, 9), kKey), "[redacted] and [redacted]");
}

TEST(KeyRedaction, ShorterRunsAndOtherTextStay) {
  std::string text = "sk-proj is a prefix; 9Zq7Lea is seven; nothing else";
  EXPECT_EQ(redact_key(text, kKey), text);
  EXPECT_EQ(redact_key("", kKey), "");
  EXPECT_EQ(redact_key("short", kKey), "short");
  EXPECT_EQ(redact_key(text, ""), text);
}

TEST(KeyRedaction, AKeyShorterThanARunIsReplacedWhole) {
  EXPECT_EQ(redact_key("k=abc; abcabc; ab", "abc"), "k=[redacted]; [redacted][redacted]; ab");
}

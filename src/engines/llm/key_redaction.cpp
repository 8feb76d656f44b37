#include "engines/llm/key_redaction.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

namespace flockcpp::detail {
namespace {

constexpr std::string_view kRedacted = "[redacted]";

std::uint64_t window_at(const char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

std::string redact_whole(std::string text, std::string_view key) {
  for (std::size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + kRedacted.size())) {
    text.replace(at, key.size(), kRedacted);
  }
  return text;
}

}  // namespace

std::string redact_key(std::string text, std::string_view key) {
  static_assert(kKeyRunRedacted == sizeof(std::uint64_t), "a window is one 64-bit word");
  if (key.empty()) return text;
  if (key.size() < kKeyRunRedacted) return redact_whole(std::move(text), key);
  if (text.size() < kKeyRunRedacted) return text;
  // Every 8-byte window of the key; a run of 8 or more characters of the key
  // in the text is exactly a chain of overlapping text windows found here.
  std::vector<std::uint64_t> windows;
  for (std::size_t i = 0; i + kKeyRunRedacted <= key.size(); ++i) windows.push_back(window_at(key.data() + i));
  std::sort(windows.begin(), windows.end());
  windows.erase(std::unique(windows.begin(), windows.end()), windows.end());

  std::string out;
  std::size_t copied = 0;   // text before this is in out
  std::size_t covered = 0;  // text before this is redacted (when > copied)
  for (std::size_t i = 0; i + kKeyRunRedacted <= text.size(); ++i) {
    if (!std::binary_search(windows.begin(), windows.end(), window_at(text.data() + i))) continue;
    if (i >= covered) {  // a new run: what lies before it is kept
      if (out.empty()) out.reserve(text.size());
      out.append(text, copied, i - copied);
      out += kRedacted;
    }
    covered = i + kKeyRunRedacted;
    copied = covered;
  }
  if (copied == 0) return text;
  out.append(text, copied, std::string::npos);
  return out;
}

}  // namespace flockcpp::detail

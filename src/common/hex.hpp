// Bytes as lowercase hex, two digits a byte: trace and span ids, OTLP bytes
// values, the \u00XX escapes of JSON text. The one encoder of the library
// (flockcpp::to_hex for ids is built on it).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace flockcpp::detail {

// Appends 2 * n hex digits to out.
inline void append_hex(std::string& out, const std::uint8_t* bytes, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  const std::size_t at = out.size();
  out.resize(at + 2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out[at + 2 * i] = kDigits[bytes[i] >> 4];
    out[at + 2 * i + 1] = kDigits[bytes[i] & 15];
  }
}

inline std::string hex_string(const std::uint8_t* bytes, std::size_t n) {
  std::string out;
  append_hex(out, bytes, n);
  return out;
}

}  // namespace flockcpp::detail

#include "exporters/otlp/protobuf_wire.hpp"

namespace flockcpp::detail {

bool WireFields::varint(std::uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && !rest_.empty(); shift += 7) {
    auto byte = static_cast<unsigned char>(rest_.front());
    rest_.remove_prefix(1);
    v |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;  // cut short, or longer than 10 bytes
}

bool WireFields::skip(std::size_t n) {
  if (n > rest_.size()) return false;
  rest_.remove_prefix(n);
  return true;
}

bool WireFields::next(WireField& field) {
  if (rest_.empty() || malformed_) return false;
  std::uint64_t key = 0;
  bool ok = varint(key) && (key >> 3) != 0 && (key >> 3) <= 0x1FFFFFFF;
  if (ok) {
    field.number = static_cast<std::uint32_t>(key >> 3);
    field.type = static_cast<std::uint32_t>(key & 7);
    field.bytes = {};
    std::uint64_t v = 0;
    switch (field.type) {
      case 0: ok = varint(v); break;
      case 1: ok = skip(8); break;
      case 5: ok = skip(4); break;
      case 2:
        ok = varint(v) && v <= rest_.size();
        if (ok) {
          field.bytes = rest_.substr(0, static_cast<std::size_t>(v));
          rest_.remove_prefix(static_cast<std::size_t>(v));
        }
        break;
      default: ok = false;  // groups (3, 4) are long deprecated; 6 and 7 do not exist
    }
  }
  malformed_ = !ok;
  return ok;
}

}  // namespace flockcpp::detail

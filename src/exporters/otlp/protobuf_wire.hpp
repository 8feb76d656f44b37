// Protobuf's wire format read one field at a time, building nothing: the
// OTLP receiver counts a request's spans with it before any is decoded, and
// then decodes them one by one, so a request costs memory in proportion to
// the spans it keeps, not to the messages it holds.
#pragma once
#include <cstdint>
#include <string_view>

namespace flockcpp::detail {

struct WireField {
  std::uint32_t number = 0;
  std::uint32_t type = 0;  // 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32
  std::string_view bytes;  // the payload of a length-delimited field
  bool is_message(std::uint32_t n) const { return number == n && type == 2; }
};

class WireFields {
 public:
  explicit WireFields(std::string_view message) : rest_(message) {}
  // The next field, or false at the end and on bytes that are not protobuf
  // (groups included); malformed() then tells which.
  bool next(WireField& field);
  bool malformed() const { return malformed_; }

 private:
  bool varint(std::uint64_t& v);
  bool skip(std::size_t n);
  std::string_view rest_;
  bool malformed_ = false;
};

}  // namespace flockcpp::detail

#include "common/json_parse.hpp"

#include <vector>

namespace flockcpp::detail {

JsonFault json_over_bounds(std::string_view text, const JsonBounds& bounds, std::string* message) {
  // Only what a valid document would mean is tracked: brackets and quotes
  // outside strings. Invalid text is the parser's to refuse; here it can
  // only be counted wrong, never read out of bounds.
  std::vector<bool> in_object;  // one per open container, at most max_depth + 1
  std::size_t values = 0;
  bool in_string = false;
  bool in_bare = false;  // inside a number, true, false or null
  bool expect_key = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    bool bare = false;
    switch (c) {
      case '{':
      case '[':
        ++values;
        in_object.push_back(c == '{');
        if (in_object.size() > static_cast<std::size_t>(bounds.max_depth)) {
          if (message != nullptr) *message = "JSON nested deeper than " + std::to_string(bounds.max_depth) + " levels";
          return JsonFault::too_deep;
        }
        expect_key = c == '{';
        break;
      case '}':
      case ']':
        if (!in_object.empty()) in_object.pop_back();
        expect_key = false;
        break;
      case ',': expect_key = !in_object.empty() && in_object.back(); break;
      case ':': expect_key = false; break;
      case '"':
        if (!expect_key) ++values;
        in_string = true;
        break;
      case ' ':
      case '\t':
      case '\n':
      case '\r': break;
      default:
        if (!in_bare) ++values;
        bare = true;
    }
    in_bare = bare;
    if (values > bounds.max_values) {
      if (message != nullptr) *message = "JSON holds more than " + std::to_string(bounds.max_values) + " values";
      return JsonFault::too_many_values;
    }
  }
  return JsonFault::none;
}

Json parse_json_bounded(std::string_view text, std::string* error, const JsonBounds& bounds, JsonFault* fault) {
  // The scan first, then nlohmann's parser without a callback: a callback
  // that may discard values makes it search the parent container at the end
  // of every object, which is quadratic in an array of objects.
  if (fault != nullptr) *fault = JsonFault::none;
  std::string why;
  JsonFault found = json_over_bounds(text, bounds, &why);
  if (found == JsonFault::none) {
    try {
      return Json::parse(text, /*cb=*/nullptr, /*allow_exceptions=*/true);
    } catch (const Json::exception& e) {
      found = JsonFault::malformed;
      why = e.what();
    }
  }
  if (error != nullptr) *error = why;
  if (fault != nullptr) *fault = found;
  return Json(Json::value_t::discarded);
}

}  // namespace flockcpp::detail

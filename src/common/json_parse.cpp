#include "common/json_parse.hpp"

namespace flockcpp::detail {

Json parse_json_bounded(std::string_view text, std::string* error, int max_depth) {
  bool too_deep = false;
  // Returning false drops the too-deep part; parsing goes on to the end (in
  // a loop, not recursively) and the whole value is then refused.
  auto bound = [&too_deep, max_depth](int depth, Json::parse_event_t, Json&) {
    if (depth > max_depth) too_deep = true;
    return !too_deep;
  };
  try {
    Json value = Json::parse(text, bound, /*allow_exceptions=*/true);
    if (!too_deep) return value;
    if (error != nullptr) *error = "JSON nested deeper than " + std::to_string(max_depth) + " levels";
  } catch (const Json::exception& e) {
    if (error != nullptr) *error = e.what();
  }
  return Json(Json::value_t::discarded);
}

}  // namespace flockcpp::detail

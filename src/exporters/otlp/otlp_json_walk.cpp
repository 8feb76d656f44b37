#include "exporters/otlp/otlp_json_walk.hpp"

#include <string>
#include <utility>
#include <vector>

#include "flock/error.hpp"

namespace flockcpp::detail {
namespace {

// Where a container or value sits in the request.
enum class Slot {
  request,          // the body itself: an object
  resource_spans,   // "resourceSpans": a list of ResourceSpans
  resource_span,    // one of them: an object
  scope_spans,      // "scopeSpans": a list of ScopeSpans
  scope_span,       // one of them: an object
  spans,            // "spans": a list of spans
  span,             // one of them: an object, built
  resource,         // "resource": built when an object
  scope,            // "scope": built when an object
  ignored,          // anything else, skipped
};

const char* list_name(Slot s) {
  switch (s) {
    case Slot::resource_spans:
    case Slot::resource_span: return "resourceSpans";
    case Slot::scope_spans:
    case Slot::scope_span: return "scopeSpans";
    default: return "spans";
  }
}

[[noreturn]] void not_a_request(const std::string& why = {}) {
  throw Error(ErrorCode::InvalidArgument,
              "the body is not an OTLP ExportTraceServiceRequest (JSON)" + (why.empty() ? why : ": " + why));
}

// One part (a span, resource or scope) built from the events inside it, up
// to a bound on its values; past it the rest is only followed to its end.
class PartBuilder {
 public:
  void begin(Slot slot, bool build, std::size_t max_values) {
    slot_ = slot;
    build_ = build;
    max_values_ = max_values;
    values_ = 1;
    over_ = false;
    active_ = true;
    depth_ = 0;
    root_ = build ? Json::object() : Json();
    stack_.assign(build ? 1 : 0, &root_);
  }
  bool active() const { return active_; }
  void key(std::string k) { key_ = std::move(k); }
  // make() gives the value; called only when it is built.
  template <class Make>
  void value(Make make) {
    add(make);
  }
  void open(bool object) {
    Json* c = add([object] { return object ? Json::object() : Json::array(); });
    ++depth_;
    if (c != nullptr) stack_.push_back(c);
  }
  // True when the part itself has ended.
  bool close() {
    if (depth_ == 0) {
      active_ = false;
      stack_.clear();
      return true;
    }
    --depth_;
    if (building()) stack_.pop_back();
    return false;
  }
  Slot slot() const { return slot_; }
  bool whole() const { return !over_; }
  Json take() { return over_ || !build_ ? Json() : std::move(root_); }

 private:
  bool building() const { return build_ && !over_; }
  // The new value's place, or null when nothing is built.
  template <class Make>
  Json* add(Make make) {
    if (++values_ > max_values_ && !over_) {
      over_ = true;
      stack_.clear();
      root_ = Json();  // what was built goes now
    }
    if (!building()) return nullptr;
    Json& top = *stack_.back();
    if (top.is_array()) {
      top.push_back(make());
      return &top.back();
    }
    Json& slot = top[key_];
    slot = make();
    return &slot;
  }

  Slot slot_ = Slot::span;
  bool build_ = true;
  std::size_t max_values_ = 0;
  std::size_t values_ = 0;
  bool over_ = false;
  bool active_ = false;
  int depth_ = 0;  // containers open inside the part
  Json root_;
  std::vector<Json*> stack_;  // open containers being built; pointers stay valid as
                              // a parent only grows once its open child has closed
  std::string key_;
};

class Walk final : public nlohmann::json_sax<Json> {
 public:
  Walk(const OtlpJsonParts& parts, std::size_t max_part_values, bool build)
      : parts_(parts), max_part_values_(max_part_values), build_(build) {}

  bool null() override {
    return scalar([] { return Json(nullptr); }, true);
  }
  bool boolean(bool v) override {
    return scalar([v] { return Json(v); });
  }
  bool number_integer(number_integer_t v) override {
    return scalar([v] { return Json(v); });
  }
  bool number_unsigned(number_unsigned_t v) override {
    return scalar([v] { return Json(v); });
  }
  bool number_float(number_float_t v, const string_t&) override {
    return scalar([v] { return Json(v); });
  }
  bool string(string_t& v) override {
    return scalar([&v] { return Json(std::move(v)); });
  }
  bool binary(binary_t&) override {  // not in JSON text
    return scalar([] { return Json(); });
  }
  bool key(string_t& k) override {
    if (part_.active()) {
      part_.key(std::move(k));
    } else {
      key_ = std::move(k);
    }
    return true;
  }
  bool start_object(std::size_t) override { return open(true); }
  bool start_array(std::size_t) override { return open(false); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    not_a_request();
  }

 private:
  // What a value at the current place is.
  Slot next() const {
    if (open_.empty()) return Slot::request;
    switch (open_.back()) {
      case Slot::request: return key_ == "resourceSpans" ? Slot::resource_spans : Slot::ignored;
      case Slot::resource_spans: return Slot::resource_span;
      case Slot::resource_span:
        return key_ == "resource" ? Slot::resource : key_ == "scopeSpans" ? Slot::scope_spans : Slot::ignored;
      case Slot::scope_spans: return Slot::scope_span;
      case Slot::scope_span: return key_ == "scope" ? Slot::scope : key_ == "spans" ? Slot::spans : Slot::ignored;
      case Slot::spans: return Slot::span;
      default: return Slot::ignored;
    }
  }

  template <class Make>
  bool scalar(Make make, bool is_null = false) {
    if (part_.active()) {
      part_.value(make);
      return true;
    }
    switch (next()) {
      case Slot::request: not_a_request();
      case Slot::resource_spans:
      case Slot::scope_spans:
      case Slot::spans:
        if (!is_null) not_a_request(std::string(list_name(next())) + " must be a list of objects");
        return true;
      case Slot::resource_span:
      case Slot::scope_span:
      case Slot::span: not_a_request(std::string(list_name(next())) + " must be a list of objects");
      default: return true;  // a resource or scope that is no object counts as none
    }
  }

  bool open(bool object) {
    if (part_.active()) {
      part_.open(object);
      return true;
    }
    const Slot slot = next();
    const bool list = slot == Slot::resource_spans || slot == Slot::scope_spans || slot == Slot::spans;
    const bool element = slot == Slot::request || slot == Slot::resource_span || slot == Slot::scope_span ||
                         slot == Slot::span;
    if ((list && object) || (element && !object)) {
      if (slot == Slot::request) not_a_request();
      not_a_request(std::string(list_name(slot)) + " must be a list of objects");
    }
    if (object && (slot == Slot::span || slot == Slot::resource || slot == Slot::scope)) {
      part_.begin(slot, build_, max_part_values_);
      return true;
    }
    if (slot == Slot::resource_span && parts_.resource_spans) parts_.resource_spans();
    if (slot == Slot::scope_span && parts_.scope_spans) parts_.scope_spans();
    open_.push_back(slot == Slot::resource || slot == Slot::scope ? Slot::ignored : slot);
    return true;
  }

  bool close() {
    if (part_.active()) {
      if (part_.close()) deliver();
      return true;
    }
    const Slot slot = open_.back();
    open_.pop_back();
    if (slot == Slot::resource_span && parts_.resource_spans_end) parts_.resource_spans_end();
    if (slot == Slot::scope_span && parts_.scope_spans_end) parts_.scope_spans_end();
    return true;
  }

  void deliver() {
    const bool whole = part_.whole();
    Json value = part_.take();
    if (part_.slot() == Slot::span) {
      if (parts_.span) parts_.span(value, whole);
      return;
    }
    if (!build_) return;
    const char* what = part_.slot() == Slot::resource ? "a resource" : "a scope";
    if (!whole) {
      throw Error(ErrorCode::TooLarge, std::string("the request holds ") + what + " of more than " +
                                           std::to_string(max_part_values_) + " JSON values");
    }
    const auto& fn = part_.slot() == Slot::resource ? parts_.resource : parts_.scope;
    if (fn) fn(value);
  }

  const OtlpJsonParts& parts_;
  const std::size_t max_part_values_;
  const bool build_;
  std::vector<Slot> open_;  // the containers open outside any part
  std::string key_;         // the last key outside any part
  PartBuilder part_;
};

}  // namespace

void walk_otlp_json(std::string_view text, const OtlpJsonParts& parts, std::size_t max_part_values, bool build) {
  Walk walk(parts, max_part_values, build);
  if (!Json::sax_parse(text, &walk)) not_a_request();
}

}  // namespace flockcpp::detail

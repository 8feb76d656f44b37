#include "storage/duckdb/sql_policy.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/json_parse.hpp"
#include "flock/error.hpp"
#include "storage/duckdb/duckdb_handle.hpp"

namespace flockcpp::detail {

namespace {

// Table functions that only read: generators, unnesting, JSON walking and the
// catalog views. Everything else DuckDB offers writes, reads files, runs SQL
// given as text or reports on other clients, and is refused.
const std::set<std::string, std::less<>> kAllowedTableFunctions = {
    "duckdb_columns",  "duckdb_constraints", "duckdb_databases",     "duckdb_dependencies",
    "duckdb_functions", "duckdb_indexes",    "duckdb_keywords",      "duckdb_schemas",
    "duckdb_sequences", "duckdb_tables",     "duckdb_types",         "duckdb_views",
    "generate_series",  "histogram",         "histogram_values",     "icu_calendar_names",
    "json_each",        "json_tree",         "pg_timezone_names",    "pragma_collations",
    "pragma_database_size", "pragma_metadata_info", "pragma_platform", "pragma_show",
    "pragma_storage_info", "pragma_table_info", "pragma_version",    "range",
    "repeat",           "repeat_row",        "summary",              "test_all_types",
    "unnest",
};

// PRAGMA statements that only read (each is a SELECT over one of the table
// functions above).
const std::set<std::string, std::less<>> kAllowedPragmas = {
    "collations", "database_list", "database_size", "functions",  "metadata_info", "platform",
    "show",       "show_databases", "show_tables",  "show_tables_expanded", "storage_info",
    "table_info", "version",
};

// Scalar functions with effects outside the query.
const std::set<std::string, std::less<>> kRefusedScalarFunctions = {"write_log"};

// Scalar functions that make a value as large as one argument says: which
// argument is the size.
struct SizeArgument {
  std::string_view function;
  std::size_t index;
};
constexpr SizeArgument kSizeArguments[] = {
    {"repeat", 1}, {"lpad", 1}, {"rpad", 1}, {"bar", 3}, {"bitstring", 1},
    {"to_base", 2}, {"list_resize", 1}, {"array_resize", 1},
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string allowed_list() {
  std::string out;
  for (const auto& name : kAllowedTableFunctions) out += (out.empty() ? "" : ", ") + name;
  return out;
}

const Json* member(const Json& node, const char* key) {
  if (!node.is_object()) return nullptr;
  auto it = node.find(key);
  return it == node.end() ? nullptr : &*it;
}

std::string text_member(const Json& node, const char* key) {
  const Json* v = member(node, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

// The expression inside any casts (a CAST without a child stays as it is,
// and is no constant).
const Json& without_casts(const Json& expr) {
  const Json* e = &expr;
  while (text_member(*e, "class") == "CAST") {
    const Json* child = member(*e, "child");
    if (child == nullptr) break;
    e = child;
  }
  return *e;
}

// The number a constant expression holds (through casts), or nothing when it
// is not a constant. NULL counts as 0: the function then returns NULL.
std::optional<double> constant_number(const Json& expr) {
  const Json* e = &without_casts(expr);
  if (text_member(*e, "class") != "CONSTANT") return std::nullopt;
  const Json* value = member(*e, "value");
  if (value == nullptr) return std::nullopt;
  const Json* is_null = member(*value, "is_null");
  if (is_null != nullptr && is_null->is_boolean() && is_null->get<bool>()) return 0.0;
  const Json* v = member(*value, "value");
  if (v == nullptr) return std::nullopt;
  if (v->is_number()) return v->get<double>();
  if (v->is_string()) {
    const std::string& s = v->get_ref<const std::string&>();
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size()) return d;
  }
  return std::nullopt;
}

// The largest value an expression can have when that is known before it
// runs: a constant, or least(...) with a constant among its arguments.
std::optional<double> bounded_number(const Json& expr) {
  if (auto c = constant_number(expr)) return c;
  if (text_member(expr, "class") == "FUNCTION" && lower(text_member(expr, "function_name")) == "least") {
    std::optional<double> bound;
    if (const Json* children = member(expr, "children"); children != nullptr && children->is_array()) {
      for (const Json& child : *children) {
        if (auto c = constant_number(child)) bound = bound ? std::min(*bound, *c) : *c;
      }
    }
    return bound;
  }
  return std::nullopt;
}

// The length of a constant string, or the items of a list of constants;
// -1 for anything else.
double constant_length(const Json& expr) {
  const Json* e = &without_casts(expr);
  if (text_member(*e, "class") == "CONSTANT") {
    const Json* value = member(*e, "value");
    const Json* v = value != nullptr ? member(*value, "value") : nullptr;
    if (v == nullptr || v->is_null()) return 0;
    return v->is_string() ? static_cast<double>(v->get_ref<const std::string&>().size()) : 1;
  }
  if (text_member(*e, "class") == "FUNCTION" && lower(text_member(*e, "function_name")) == "list_value") {
    const Json* children = member(*e, "children");
    if (children == nullptr || !children->is_array()) return 0;
    for (const Json& child : *children) {
      if (text_member(child, "class") != "CONSTANT") return -1;
    }
    return static_cast<double>(children->size());
  }
  return -1;
}

[[noreturn]] void refuse(const std::string& why) {
  throw Error(ErrorCode::Forbidden, why + " in this read-only SQL");
}

std::string limit_text() { return std::to_string(static_cast<long long>(kMaxGeneratedSize)); }

// printf('%1000000000d', 1) and format('{:>1000000000}', 1) pad to the width
// their pattern names.
void check_format_pattern(const std::string& name, const Json& children) {
  if (children.empty()) return;
  const Json& pattern = children[0];
  std::string klass = text_member(pattern, "class");
  const Json* value = klass == "CONSTANT" ? member(pattern, "value") : nullptr;
  const Json* text = value != nullptr ? member(*value, "value") : nullptr;
  if (text == nullptr || !text->is_string()) {
    refuse(name + "() needs a constant pattern here");
  }
  const std::string& s = text->get_ref<const std::string&>();
  double number = 0;
  for (char c : s) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      number = number * 10 + (c - '0');
      if (number > kMaxGeneratedSize) {
        refuse(name + "() with a width over " + limit_text() + " is not allowed");
      }
    } else {
      number = 0;
    }
  }
}

// range(...) and generate_series(...) as scalar functions build the whole
// list at once (the table functions stream it).
void check_list_range(const std::string& name, const Json& children) {
  std::vector<double> args;
  for (const Json& child : children) {
    auto c = constant_number(child);
    if (!c) {
      refuse(name + "() as a value needs constant numbers here; FROM " + name +
             "(...) streams rows instead");
    }
    args.push_back(*c);
  }
  double start = 0, stop = 0, step = 1;
  if (args.size() == 1) stop = args[0];
  if (args.size() >= 2) start = args[0], stop = args[1];
  if (args.size() >= 3) step = args[2];
  double count = step == 0 ? 0 : std::ceil((stop - start) / step);
  if (!(count <= kMaxGeneratedSize)) {
    refuse(name + "() making a list of more than " + limit_text() + " values is not allowed");
  }
}

void check_scalar_function(const Json& node) {
  std::string name = lower(text_member(node, "function_name"));
  static const Json kNoChildren = Json::array();
  const Json* children = member(node, "children");
  if (children == nullptr || !children->is_array()) children = &kNoChildren;
  if (kRefusedScalarFunctions.count(name) != 0) refuse(name + "() is not allowed");
  if (name == "printf" || name == "format") return check_format_pattern(name, *children);
  if (name == "range" || name == "generate_series") return check_list_range(name, *children);
  for (const auto& size : kSizeArguments) {
    if (name != size.function || children->size() <= size.index) continue;
    auto bound = bounded_number((*children)[size.index]);
    if (!bound) {
      refuse(name + "() needs a constant size here (or least(size, " + limit_text() + "))");
    }
    // repeat() multiplies its first argument, which must then be a constant
    // too: repeat(repeat(...), n) would grow without bound.
    double times = name == "repeat" ? constant_length((*children)[0]) : 1;
    if (times < 0) refuse("repeat() needs a constant string or list to repeat here");
    if (!(*bound * std::max(times, 1.0) <= kMaxGeneratedSize)) {
      refuse(name + "() making a value of more than " + limit_text() + " characters or items is not allowed");
    }
  }
}

// Walks the tree with its own stack: a deeply nested query must not use up
// the thread's.
void check_tree(const Json& root) {
  std::unordered_set<const Json*> table_function_calls;
  std::vector<const Json*> stack{&root};
  while (!stack.empty()) {
    const Json* node = stack.back();
    stack.pop_back();
    if (node->is_array()) {
      for (const Json& child : *node) stack.push_back(&child);
      continue;
    }
    if (!node->is_object()) continue;
    if (text_member(*node, "type") == "BASE_TABLE" && lower(text_member(*node, "table_name")) == "duckdb_logs") {
      // DuckDB's view over duckdb_logs(): other clients' statements.
      refuse("duckdb_logs is not allowed");
    }
    if (text_member(*node, "type") == "TABLE_FUNCTION") {
      const Json* function = member(*node, "function");
      std::string name = function != nullptr ? lower(text_member(*function, "function_name")) : "";
      if (kAllowedTableFunctions.count(name) == 0) {
        refuse("table function " + name + "() is not allowed; the allowed ones are " + allowed_list());
      }
      if (function != nullptr) table_function_calls.insert(function);
    } else if (text_member(*node, "class") == "FUNCTION" && table_function_calls.count(node) == 0) {
      check_scalar_function(*node);
    }
    for (const auto& item : node->items()) stack.push_back(&item.value());
  }
}

// The first word of the statement, past spaces, brackets and comments.
std::string first_word(const std::string& sql, std::size_t* after = nullptr) {
  std::size_t i = 0;
  while (i < sql.size()) {
    if (std::isspace(static_cast<unsigned char>(sql[i])) || sql[i] == '(') {
      ++i;
    } else if (sql.compare(i, 2, "--") == 0) {
      while (i < sql.size() && sql[i] != '\n') ++i;
    } else if (sql.compare(i, 2, "/*") == 0) {
      auto close = sql.find("*/", i + 2);
      i = close == std::string::npos ? sql.size() : close + 2;
    } else {
      break;
    }
  }
  std::string word;
  while (i < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '_')) {
    word += static_cast<char>(std::tolower(static_cast<unsigned char>(sql[i++])));
  }
  if (after != nullptr) *after = i;
  return word;
}

void check_pragma(const std::string& sql) {
  std::size_t after = 0;
  if (first_word(sql, &after) != "pragma") refuse("only SELECT queries are allowed");
  std::string name = first_word(sql.substr(after));
  if (kAllowedPragmas.count(name) == 0) {
    std::string allowed;
    for (const auto& p : kAllowedPragmas) allowed += (allowed.empty() ? "" : ", ") + p;
    refuse("PRAGMA " + name + " is not allowed; the allowed ones are " + allowed);
  }
}

}  // namespace

void check_sql_policy(DuckConnection& con, const std::string& sql) {
  // DuckDB's parser only: nothing is bound or run yet.
  JsonTable t = con.query_table("SELECT CAST(json_serialize_sql(CAST($1 AS VARCHAR)) AS VARCHAR)", {sql});
  if (t.rows.empty() || !t.rows[0][0].is_string()) {
    throw Error(ErrorCode::Internal, "DuckDB gave no syntax tree for the query");
  }
  std::string parse_error;
  // The tree is several levels per level of the query; DuckDB's parser bounds
  // the query's own depth.
  Json tree = parse_json_bounded(t.rows[0][0].get_ref<const std::string&>(), &parse_error, 100000);
  if (tree.is_discarded()) throw Error(ErrorCode::FailedPrecondition, "the query is too complex: " + parse_error);
  if (tree.value("error", false)) {
    // Statements other than plain SELECTs have no tree; of those that reach
    // here as SELECTs, only PRAGMA is taken.
    return check_pragma(sql);
  }
  check_tree(tree);
}

std::string explain_missing_function(const std::string& message) {
  auto at = message.find("is not in the catalog, but it exists in the ");
  if (at == std::string::npos) return message;
  auto ext_start = at + std::string_view("is not in the catalog, but it exists in the ").size();
  auto ext_end = message.find(" extension", ext_start);
  std::string extension = ext_end == std::string::npos ? "an" : message.substr(ext_start, ext_end - ext_start);
  return message.substr(0, at) + "is not available in this read-only SQL: it belongs to DuckDB's " + extension +
         " extension, and no extension can be installed or loaded here";
}

}  // namespace flockcpp::detail

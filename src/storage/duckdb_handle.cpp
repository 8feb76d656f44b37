#include "storage/duckdb_handle.hpp"

#include <cmath>
#include <string_view>

namespace flock::detail {

DuckDatabase::DuckDatabase(const std::string& path, const Options& options) {
  duckdb_config config = nullptr;
  if (duckdb_create_config(&config) != DuckDBSuccess) throw DuckDbError("duckdb: cannot create a configuration");
  auto set = [&](const char* k, const std::string& v) {
    if (duckdb_set_config(config, k, v.c_str()) != DuckDBSuccess) {
      duckdb_destroy_config(&config);
      throw DuckDbError(std::string("duckdb: cannot set ") + k);
    }
  };
  if (options.read_only) set("access_mode", "READ_ONLY");
  if (options.threads > 0) set("threads", std::to_string(options.threads));
  if (options.disable_external_access) set("enable_external_access", "false");
  if (options.lock_configuration) set("lock_configuration", "true");
  char* error = nullptr;
  duckdb_state st = duckdb_open_ext(path.c_str(), &db_, config, &error);
  duckdb_destroy_config(&config);
  if (st != DuckDBSuccess) {
    std::string msg = error ? error : "unknown error";
    if (error) duckdb_free(error);
    db_ = nullptr;
    throw DuckDbError(msg);
  }
}

DuckDatabase::~DuckDatabase() {
  if (db_ != nullptr) duckdb_close(&db_);
}

DuckConnection::DuckConnection(DuckDatabase& db) {
  if (duckdb_connect(db.get(), &con_) != DuckDBSuccess) throw DuckDbError("duckdb: cannot connect");
}

DuckConnection::~DuckConnection() {
  if (con_ != nullptr) duckdb_disconnect(&con_);
}

namespace {
struct Result {
  duckdb_result r{};
  ~Result() { duckdb_destroy_result(&r); }
};

void run(duckdb_connection con, const std::string& sql, Result& res) {
  if (duckdb_query(con, sql.c_str(), &res.r) != DuckDBSuccess) {
    const char* e = duckdb_result_error(&res.r);
    throw DuckDbError(e ? e : "duckdb: query failed");
  }
}
}  // namespace

void DuckConnection::execute(const std::string& sql) {
  Result res;
  run(con_, sql, res);
}

QueryResult DuckConnection::query(const std::string& sql) {
  Result res;
  run(con_, sql, res);
  QueryResult out;
  idx_t cols = duckdb_column_count(&res.r);
  for (idx_t c = 0; c < cols; ++c) out.columns.emplace_back(duckdb_column_name(&res.r, c));
  idx_t rows = duckdb_row_count(&res.r);
  out.rows.reserve(rows);
  for (idx_t r = 0; r < rows; ++r) {
    auto& row = out.rows.emplace_back();
    row.reserve(cols);
    for (idx_t c = 0; c < cols; ++c) {
      if (duckdb_value_is_null(&res.r, c, r)) {
        row.emplace_back(std::nullopt);
      } else {
        char* v = duckdb_value_varchar(&res.r, c, r);
        row.emplace_back(std::string(v ? v : ""));
        duckdb_free(v);
      }
    }
  }
  return out;
}

std::int64_t DuckConnection::query_int(const std::string& sql) {
  Result res;
  run(con_, sql, res);
  if (duckdb_row_count(&res.r) == 0 || duckdb_column_count(&res.r) == 0) return 0;
  return duckdb_value_int64(&res.r, 0, 0);
}

namespace {

bool is_json_column(duckdb_result& r, idx_t c) {
  duckdb_logical_type t = duckdb_column_logical_type(&r, c);
  char* alias = duckdb_logical_type_get_alias(t);
  bool json = alias != nullptr && std::string_view(alias) == "JSON";
  if (alias) duckdb_free(alias);
  duckdb_destroy_logical_type(&t);
  return json;
}

std::string value_text(duckdb_result& r, idx_t c, idx_t row) {
  char* v = duckdb_value_varchar(&r, c, row);
  std::string s = v ? v : "";
  duckdb_free(v);
  return s;
}

Json typed_value(duckdb_result& r, idx_t c, idx_t row, duckdb_type type, bool json) {
  if (duckdb_value_is_null(&r, c, row)) return nullptr;
  switch (type) {
    case DUCKDB_TYPE_BOOLEAN:
      return duckdb_value_boolean(&r, c, row);
    case DUCKDB_TYPE_TINYINT:
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_UTINYINT:
    case DUCKDB_TYPE_USMALLINT:
    case DUCKDB_TYPE_UINTEGER:
      return duckdb_value_int64(&r, c, row);
    case DUCKDB_TYPE_UBIGINT:
      return duckdb_value_uint64(&r, c, row);
    case DUCKDB_TYPE_FLOAT:
    case DUCKDB_TYPE_DOUBLE:
    case DUCKDB_TYPE_DECIMAL: {
      double d = duckdb_value_double(&r, c, row);
      if (std::isfinite(d)) return d;
      return value_text(r, c, row);
    }
    default:
      break;
  }
  std::string text = value_text(r, c, row);
  if (json) {
    Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_discarded()) return parsed;
  }
  return text;
}

struct Prepared {
  duckdb_prepared_statement stmt = nullptr;
  ~Prepared() { duckdb_destroy_prepare(&stmt); }
};

}  // namespace

JsonTable DuckConnection::query_table(const std::string& sql, const std::vector<SqlParam>& params) {
  Prepared p;
  if (duckdb_prepare(con_, sql.c_str(), &p.stmt) != DuckDBSuccess) {
    const char* e = duckdb_prepare_error(p.stmt);
    throw DuckDbError(e ? e : "duckdb: prepare failed");
  }
  for (std::size_t i = 0; i < params.size(); ++i) {
    idx_t at = i + 1;
    duckdb_state st = std::visit(
        [&](const auto& v) {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, std::string>) {
            return duckdb_bind_varchar_length(p.stmt, at, v.data(), v.size());
          } else if constexpr (std::is_same_v<V, std::int64_t>) {
            return duckdb_bind_int64(p.stmt, at, v);
          } else {
            return duckdb_bind_double(p.stmt, at, v);
          }
        },
        params[i]);
    if (st != DuckDBSuccess) throw DuckDbError("duckdb: cannot bind parameter " + std::to_string(at));
  }
  Result res;
  if (duckdb_execute_prepared(p.stmt, &res.r) != DuckDBSuccess) {
    const char* e = duckdb_result_error(&res.r);
    throw DuckDbError(e ? e : "duckdb: query failed");
  }
  JsonTable out;
  idx_t cols = duckdb_column_count(&res.r);
  std::vector<duckdb_type> types;
  std::vector<bool> json;
  for (idx_t c = 0; c < cols; ++c) {
    out.columns.emplace_back(duckdb_column_name(&res.r, c));
    types.push_back(duckdb_column_type(&res.r, c));
    json.push_back(is_json_column(res.r, c));
  }
  idx_t rows = duckdb_row_count(&res.r);
  out.rows.reserve(rows);
  for (idx_t r = 0; r < rows; ++r) {
    Json row = Json::array();
    for (idx_t c = 0; c < cols; ++c) row.push_back(typed_value(res.r, c, r, types[c], json[c]));
    out.rows.push_back(std::move(row));
  }
  return out;
}

Json DuckConnection::query_objects(const std::string& sql, const std::vector<SqlParam>& params) {
  JsonTable t = query_table(sql, params);
  Json out = Json::array();
  for (auto& row : t.rows) {
    Json obj = Json::object();
    for (std::size_t c = 0; c < t.columns.size(); ++c) obj[t.columns[c]] = std::move(row[c]);
    out.push_back(std::move(obj));
  }
  return out;
}

bool is_lock_conflict(const std::string& message) {
  return message.find("Could not set lock") != std::string::npos ||
         message.find("Conflicting lock") != std::string::npos;
}

std::string sql_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

}  // namespace flock::detail

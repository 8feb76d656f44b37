#include "storage/duckdb_handle.hpp"

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

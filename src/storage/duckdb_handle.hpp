// Thin RAII over DuckDB's C API (the stable boundary of the official
// library): a database, a connection, a materialized result.
#pragma once
#include <duckdb.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "flock/json.hpp"
#include "flock/trace_reader.hpp"

namespace flock::detail {

class DuckDbError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class DuckDatabase {
 public:
  struct Options {
    bool read_only = false;
    int threads = 0;  // 0: DuckDB's default
    bool lock_configuration = false;
    bool disable_external_access = false;
  };
  // Throws DuckDbError with DuckDB's message.
  DuckDatabase(const std::string& path, const Options& options);
  DuckDatabase(const std::string& path) : DuckDatabase(path, Options{}) {}
  ~DuckDatabase();
  DuckDatabase(const DuckDatabase&) = delete;
  DuckDatabase& operator=(const DuckDatabase&) = delete;
  duckdb_database get() const { return db_; }

 private:
  duckdb_database db_ = nullptr;
};


// A bound query parameter ($1, $2, ...).
using SqlParam = std::variant<std::string, std::int64_t, double>;

// A result with typed JSON values: numbers stay numbers, JSON columns are
// parsed, NULL is null.
struct JsonTable {
  std::vector<std::string> columns;
  std::vector<Json> rows;  // each an array, one value per column
};

class DuckConnection {
 public:
  explicit DuckConnection(DuckDatabase& db);
  ~DuckConnection();
  DuckConnection(const DuckConnection&) = delete;
  DuckConnection& operator=(const DuckConnection&) = delete;
  duckdb_connection get() const { return con_; }

  // Runs a statement; throws DuckDbError with DuckDB's message.
  void execute(const std::string& sql);
  QueryResult query(const std::string& sql);
  // First column of the first row as int64 (0 when there is none).
  std::int64_t query_int(const std::string& sql);
  // A prepared statement with bound parameters; throws DuckDbError.
  JsonTable query_table(const std::string& sql, const std::vector<SqlParam>& params = {});
  // The same as an array of objects keyed by column name.
  Json query_objects(const std::string& sql, const std::vector<SqlParam>& params = {});

 private:
  duckdb_connection con_ = nullptr;
};

// True when DuckDB refused to open a file because another process holds it.
bool is_lock_conflict(const std::string& message);

// SQL string literal with quotes doubled.
std::string sql_quote(const std::string& s);

}  // namespace flock::detail

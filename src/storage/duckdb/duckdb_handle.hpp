// Thin RAII over DuckDB's C API (the stable boundary of the official
// library): a database, a connection, results read chunk by chunk.
//
// Every instance is sealed: no file or network access from SQL, no
// extension installed or loaded (not even the known ones DuckDB would fetch
// on demand), no persistent secrets, a memory limit, and the configuration
// locked so SQL cannot undo any of it.
#pragma once
#include <duckdb.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "flock/error.hpp"
#include "flock/json.hpp"
#include "flock/trace_reader.hpp"

namespace flockcpp::detail {

// A DuckDB failure: an Error whose code follows DuckDB's error type (a file
// held by another process is Unavailable, a refused file access Forbidden),
// with DuckDB's own type kept for the store's finer decisions.
class DuckDbError : public Error {
 public:
  explicit DuckDbError(const std::string& what, duckdb_error_type type = DUCKDB_ERROR_INVALID);
  duckdb_error_type type() const { return type_; }

 private:
  duckdb_error_type type_;
};

class DuckDatabase {
 public:
  struct Options {
    bool read_only = false;
    int threads = 0;                  // 0: DuckDB's default
    std::size_t memory_limit_mb = 0;  // 0: FLOCK_TRACE_MEMORY_LIMIT_MB, else 256 or half a big file
    // Rows per row group of the tables written through this instance (0:
    // DuckDB's 122,880). A file opened read-write with a size is attached
    // to an in-memory instance (DuckDB takes the size only as an ATTACH
    // option), and every connection uses it as its default database.
    std::size_t row_group_size = 0;
  };
  // Throws DuckDbError with DuckDB's message.
  DuckDatabase(const std::string& path, const Options& options);
  explicit DuckDatabase(const std::string& path) : DuckDatabase(path, Options{}) {}
  ~DuckDatabase();
  DuckDatabase(const DuckDatabase&) = delete;
  DuckDatabase& operator=(const DuckDatabase&) = delete;
  duckdb_database get() const { return db_; }
  // The attached file's catalog name; empty when the file is the instance's
  // own database.
  const std::string& attached_as() const { return attached_as_; }

  // An attached file only, with no connection open: detach() lets go of
  // the file (DuckDB checkpoints it) and keeps the sealed instance, which
  // reattach() attaches again; opening an instance costs tens of
  // milliseconds, attaching a file a fraction of that. Both throw
  // DuckDbError (reattach: is_lock_conflict() when another process holds it).
  bool can_detach() const { return !attached_as_.empty(); }
  void detach();
  void reattach();

 private:
  void run_alone(const std::string& sql);
  void attach(const std::string& path, std::size_t row_group_size);
  duckdb_database db_ = nullptr;
  std::string attached_as_;
  std::string attach_sql_;
};

// A bound query parameter ($1, $2, ...).
using SqlParam = std::variant<std::string, std::int64_t, double>;

// A result with typed JSON values: numbers stay numbers, JSON columns are
// parsed, NULL is null.
struct JsonTable {
  std::vector<std::string> columns;
  std::vector<Json> rows;  // each an array, one value per column
  bool truncated = false;  // more rows than ResultBounds::max_rows
};

// How much of a result is read: rows past max_rows are not fetched; text past
// max_bytes (summed over the cells) is an Error (FailedPrecondition), since a
// cut value would lie.
struct ResultBounds {
  std::size_t max_rows = std::numeric_limits<std::size_t>::max();
  std::size_t max_bytes = std::numeric_limits<std::size_t>::max();
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
  // Every value as text (any column type).
  QueryResult query(const std::string& sql);
  // First column of the first row as int64 (0 when there is none).
  std::int64_t query_int(const std::string& sql);
  // A prepared statement with bound parameters; throws DuckDbError. Columns
  // must be of a type decoded natively (booleans, integers, floating point,
  // decimals, text): others are cast to VARCHAR in the SQL.
  JsonTable query_table(const std::string& sql, const std::vector<SqlParam>& params = {},
                        const ResultBounds& bounds = {});
  // The same as an array of objects keyed by column name.
  Json query_objects(const std::string& sql, const std::vector<SqlParam>& params = {});

 private:
  JsonTable read_table(const std::string& sql, const std::vector<SqlParam>& params, const ResultBounds& bounds,
                       bool parse_json);
  duckdb_connection con_ = nullptr;
};

// True for a column type query_table decodes without a cast.
bool is_native_column_type(duckdb_type type);

// DuckDB's error type named at the start of its message ("Permission Error:
// ..."), for the calls that report no type (duckdb_prepare, extracting
// statements); DUCKDB_ERROR_INVALID when the message names none.
duckdb_error_type error_type_of_message(const std::string& message);

// True when DuckDB refused to open a file because another process holds it.
// duckdb_open_ext reports no error type, so this reads the message.
bool is_lock_conflict(const std::string& message);

// SQL string literal with quotes doubled; identifier with quotes doubled.
std::string sql_quote(const std::string& s);
std::string sql_identifier(const std::string& s);

}  // namespace flockcpp::detail

#include "storage/duckdb/duckdb_handle.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <cmath>
#include <cstring>
#include <memory>
#include <string_view>
#include <thread>

#include "common/json_parse.hpp"
#include "tracing/env_util.hpp"

namespace flockcpp::detail {

namespace {

// A directory no process can create, not even root's (procfs): DuckDB finds
// no extension there and can install none.
constexpr const char* kNoDirectory = "/proc/flock-sealed-no-such-directory";

std::size_t default_memory_limit_mb(const std::string& path) {
  static const std::optional<std::size_t> configured = []() -> std::optional<std::size_t> {
    if (std::getenv("FLOCK_TRACE_MEMORY_LIMIT_MB") == nullptr) return std::nullopt;
    unsigned long long v = 256;
    read_env_uint("FLOCK_TRACE_MEMORY_LIMIT_MB", v, 16, 1024ULL * 1024);
    return static_cast<std::size_t>(v);
  }();
  if (configured) return *configured;
  // 256 MB, or half the file for a big store: a store of an earlier version
  // still has the primary key's index until the writer rebuilds it, which
  // thrashed once it no longer fitted (a 10M-span store at 256 MB took
  // minutes per flush). At most a quarter of the RAM.
  std::error_code ec;
  auto file_mb = static_cast<std::size_t>(std::filesystem::file_size(path, ec) >> 20);
  if (ec) file_mb = 0;
  long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  std::size_t ram_mb = pages > 0 && page > 0 ? (static_cast<std::size_t>(pages) * static_cast<std::size_t>(page)) >> 20 : 0;
  std::size_t mb = std::max<std::size_t>(256, file_mb / 2);
  if (ram_mb > 0) mb = std::min(mb, std::max<std::size_t>(256, ram_mb / 4));
  return mb;
}

}  // namespace

namespace {
ErrorCode code_of(const std::string& what, duckdb_error_type type) {
  if (is_lock_conflict(what)) return ErrorCode::Unavailable;
  switch (type) {
    case DUCKDB_ERROR_PERMISSION: return ErrorCode::Forbidden;
    case DUCKDB_ERROR_INTERRUPT: return ErrorCode::Timeout;
    case DUCKDB_ERROR_OUT_OF_MEMORY: return ErrorCode::FailedPrecondition;
    default: return ErrorCode::Internal;
  }
}

}  // namespace

duckdb_error_type error_type_of_message(const std::string& msg) {
  static constexpr std::pair<const char*, duckdb_error_type> kPrefixes[] = {
      {"Catalog Error", DUCKDB_ERROR_CATALOG},       {"Parser Error", DUCKDB_ERROR_PARSER},
      {"Binder Error", DUCKDB_ERROR_BINDER},         {"Permission Error", DUCKDB_ERROR_PERMISSION},
      {"Invalid Input Error", DUCKDB_ERROR_INVALID_INPUT}, {"Conversion Error", DUCKDB_ERROR_CONVERSION},
      {"INTERRUPT", DUCKDB_ERROR_INTERRUPT},         {"Out of Memory Error", DUCKDB_ERROR_OUT_OF_MEMORY},
      {"Not implemented Error", DUCKDB_ERROR_NOT_IMPLEMENTED}, {"Constraint Error", DUCKDB_ERROR_CONSTRAINT}};
  for (const auto& [prefix, type] : kPrefixes) {
    if (msg.rfind(prefix, 0) == 0) return type;
  }
  return DUCKDB_ERROR_INVALID;
}

DuckDbError::DuckDbError(const std::string& what, duckdb_error_type type)
    : Error(code_of(what, type), what), type_(type) {}

DuckDatabase::DuckDatabase(const std::string& path, const Options& options) {
  duckdb_config config = nullptr;
  if (duckdb_create_config(&config) != DuckDBSuccess) throw DuckDbError("duckdb: cannot create a configuration");
  struct FreeConfig {
    duckdb_config& c;
    ~FreeConfig() { duckdb_destroy_config(&c); }
  } free_config{config};
  auto set = [&](const char* k, const std::string& v) {
    if (duckdb_set_config(config, k, v.c_str()) != DuckDBSuccess) {
      throw DuckDbError(std::string("duckdb: cannot set ") + k + "=" + v);
    }
  };
  if (options.read_only) set("access_mode", "READ_ONLY");
  if (options.threads > 0) set("threads", std::to_string(options.threads));
  std::size_t mb = options.memory_limit_mb > 0 ? options.memory_limit_mb : default_memory_limit_mb(path);
  set("memory_limit", std::to_string(mb) + "MB");
  // An attached file is attached first, then sealed (below).
  bool attach_file = !options.read_only && options.row_group_size > 0 && !path.empty() && path != ":memory:";
  if (!attach_file) set("enable_external_access", "false");
  set("autoinstall_known_extensions", "false");
  set("autoload_known_extensions", "false");
  set("allow_community_extensions", "false");
  set("allow_unsigned_extensions", "false");
  set("extension_directory", kNoDirectory);
  set("allow_persistent_secrets", "false");
  set("secret_directory", kNoDirectory);
  // Files in DuckDB 1.4's own storage format (readable by DuckDB 1.4 and
  // later clients): the v1.0-compatible default converts every index at each
  // checkpoint.
  set("storage_compatibility_version", "latest");
  // The writer checkpoints when it lets go of the file (every hold); an
  // automatic checkpoint inside a commit would only make one flush slow.
  set("checkpoint_threshold", "1GB");
  if (!attach_file) set("lock_configuration", "true");
  char* error = nullptr;
  duckdb_state st = duckdb_open_ext(attach_file ? ":memory:" : path.c_str(), &db_, config, &error);
  if (st != DuckDBSuccess) {
    std::string msg = error ? error : "unknown error";
    if (error) duckdb_free(error);
    db_ = nullptr;
    throw DuckDbError(msg, DUCKDB_ERROR_IO);
  }
  if (attach_file) attach(path, options.row_group_size);
}

// The file attached with its row group size, then the instance sealed as
// every other one is: nothing else can be attached or read from SQL after.
// The catalog is named as DuckDB names a file it opens (its stem), so
// current_database() reads the same either way.
void DuckDatabase::attach(const std::string& path, std::size_t row_group_size) {
  std::string name = std::filesystem::path(path).stem().string();
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (name.empty() || lower == "memory" || lower == "system" || lower == "temp" || lower == "main") name = "flock_store";
  attach_sql_ = "ATTACH " + sql_quote(path) + " AS " + sql_identifier(name) + " (ROW_GROUP_SIZE " +
                std::to_string(row_group_size) + ")";
  try {
    run_alone(attach_sql_);
    // Turning external access off keeps the attached file (and its log)
    // reachable, and so attachable again: nothing else.
    run_alone("SET enable_external_access = false");
    run_alone("SET lock_configuration = true");
  } catch (const DuckDbError&) {
    duckdb_close(&db_);
    db_ = nullptr;
    throw;
  }
  attached_as_ = std::move(name);
}

void DuckDatabase::detach() {
  run_alone("USE memory");
  run_alone("DETACH " + sql_identifier(attached_as_));
}

void DuckDatabase::reattach() { run_alone(attach_sql_); }

// One statement on a connection of its own. DuckDB reports a file it cannot
// open as an IO, Catalog or Serialization error depending on the path taken:
// an IO error, as opening it directly reports (a refused access stays one).
void DuckDatabase::run_alone(const std::string& sql) {
  duckdb_connection con = nullptr;
  if (duckdb_connect(db_, &con) != DuckDBSuccess) throw DuckDbError("duckdb: cannot connect", DUCKDB_ERROR_IO);
  duckdb_result r{};
  bool ok = duckdb_query(con, sql.c_str(), &r) == DuckDBSuccess;
  std::string error;
  duckdb_error_type type = DUCKDB_ERROR_IO;
  if (!ok) {
    const char* e = duckdb_result_error(&r);
    error = e ? e : "duckdb: " + sql + " failed";
    if (duckdb_result_error_type(&r) == DUCKDB_ERROR_PERMISSION) type = DUCKDB_ERROR_PERMISSION;
  }
  duckdb_destroy_result(&r);
  duckdb_disconnect(&con);
  if (!ok) throw DuckDbError(error, type);
}

DuckDatabase::~DuckDatabase() {
  if (db_ != nullptr) duckdb_close(&db_);
}

DuckConnection::DuckConnection(DuckDatabase& db) {
  if (duckdb_connect(db.get(), &con_) != DuckDBSuccess) throw DuckDbError("duckdb: cannot connect");
  if (!db.attached_as().empty()) {
    try {
      execute("USE " + sql_identifier(db.attached_as()));
    } catch (...) {
      duckdb_disconnect(&con_);
      throw;
    }
  }
}

DuckConnection::~DuckConnection() {
  if (con_ != nullptr) duckdb_disconnect(&con_);
}

namespace {

struct Result {
  duckdb_result r{};
  ~Result() { duckdb_destroy_result(&r); }
};

struct Prepared {
  duckdb_prepared_statement stmt = nullptr;
  ~Prepared() { duckdb_destroy_prepare(&stmt); }
};

struct Pending {
  duckdb_pending_result p = nullptr;
  ~Pending() { duckdb_destroy_pending(&p); }
};

struct Chunk {
  duckdb_data_chunk c = nullptr;
  ~Chunk() { duckdb_destroy_data_chunk(&c); }
};

struct LogicalType {
  duckdb_logical_type t = nullptr;
  ~LogicalType() { duckdb_destroy_logical_type(&t); }
};

[[noreturn]] void throw_result_error(duckdb_result& r, const char* fallback) {
  const char* e = duckdb_result_error(&r);
  throw DuckDbError(e ? e : fallback, duckdb_result_error_type(&r));
}

void prepare(duckdb_connection con, const std::string& sql, Prepared& p) {
  if (duckdb_prepare(con, sql.c_str(), &p.stmt) != DuckDBSuccess) {
    std::string msg = duckdb_prepare_error(p.stmt) ? duckdb_prepare_error(p.stmt) : "duckdb: prepare failed";
    throw DuckDbError(msg, error_type_of_message(msg));
  }
}

void bind(Prepared& p, const std::vector<SqlParam>& params) {
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
    // DuckDB refuses text that is not UTF-8: that is the caller's input.
    if (st != DuckDBSuccess) {
      throw DuckDbError("parameter " + std::to_string(at) + " cannot be bound (text must be valid UTF-8)",
                        DUCKDB_ERROR_INVALID_INPUT);
    }
  }
}

// Executes through the pending API: DuckDB checks for an interrupt between
// the tasks it runs here (a streaming result would run them inside fetch,
// where an interrupt is not seen). Rows past a LIMIT are never produced, so
// the materialised result is bounded by the query's own LIMIT.
void run_pending(Prepared& p, Result& res) {
  Pending pending;
  if (duckdb_pending_prepared(p.stmt, &pending.p) != DuckDBSuccess) {
    const char* e = duckdb_pending_error(pending.p);
    throw DuckDbError(e ? e : "duckdb: cannot start the query");
  }
  // Task by task: the interrupt flag is checked between tasks.
  for (;;) {
    duckdb_pending_state st = duckdb_pending_execute_task(pending.p);
    if (st == DUCKDB_PENDING_RESULT_READY) break;
    if (st == DUCKDB_PENDING_ERROR) {
      const char* e = duckdb_pending_error(pending.p);
      std::string msg = e ? e : "duckdb: query failed";
      throw DuckDbError(msg, error_type_of_message(msg));
    }
    if (st == DUCKDB_PENDING_NO_TASKS_AVAILABLE) std::this_thread::yield();
  }
  if (duckdb_execute_pending(pending.p, &res.r) != DuckDBSuccess) throw_result_error(res.r, "duckdb: query failed");
}

// How one column is decoded.
struct Column {
  duckdb_type type = DUCKDB_TYPE_INVALID;
  bool json = false;
  duckdb_type decimal_storage = DUCKDB_TYPE_INVALID;
  std::uint8_t decimal_scale = 0;
};

Column describe(duckdb_result& r, idx_t c) {
  Column col;
  LogicalType t{duckdb_column_logical_type(&r, c)};
  col.type = duckdb_get_type_id(t.t);
  if (char* alias = duckdb_logical_type_get_alias(t.t)) {
    col.json = std::string_view(alias) == "JSON";
    duckdb_free(alias);
  }
  if (col.type == DUCKDB_TYPE_DECIMAL) {
    col.decimal_storage = duckdb_decimal_internal_type(t.t);
    col.decimal_scale = duckdb_decimal_scale(t.t);
  }
  return col;
}

double hugeint_to_double(std::uint64_t lower, std::int64_t upper) {
  return static_cast<double>(upper) * 18446744073709551616.0 + static_cast<double>(lower);
}

Json hugeint_json(const duckdb_hugeint& h) {
  // Fits in int64 when the upper half is the sign extension of the lower.
  auto low = static_cast<std::int64_t>(h.lower);
  if ((h.upper == 0 && low >= 0) || (h.upper == -1 && low < 0)) return low;
  return hugeint_to_double(h.lower, h.upper);
}

Json finite_or_text(double d) {
  if (std::isfinite(d)) return d;
  return std::isnan(d) ? "nan" : (d > 0 ? "inf" : "-inf");
}

// One cell; `bytes` grows by the text it holds.
Json cell(const Column& col, void* data, idx_t row, std::size_t& bytes, bool parse_json) {
  switch (col.type) {
    case DUCKDB_TYPE_BOOLEAN: return static_cast<bool*>(data)[row];
    case DUCKDB_TYPE_TINYINT: return static_cast<std::int8_t*>(data)[row];
    case DUCKDB_TYPE_SMALLINT: return static_cast<std::int16_t*>(data)[row];
    case DUCKDB_TYPE_INTEGER: return static_cast<std::int32_t*>(data)[row];
    case DUCKDB_TYPE_BIGINT: return static_cast<std::int64_t*>(data)[row];
    case DUCKDB_TYPE_UTINYINT: return static_cast<std::uint8_t*>(data)[row];
    case DUCKDB_TYPE_USMALLINT: return static_cast<std::uint16_t*>(data)[row];
    case DUCKDB_TYPE_UINTEGER: return static_cast<std::uint32_t*>(data)[row];
    case DUCKDB_TYPE_UBIGINT: return static_cast<std::uint64_t*>(data)[row];
    case DUCKDB_TYPE_HUGEINT: return hugeint_json(static_cast<duckdb_hugeint*>(data)[row]);
    case DUCKDB_TYPE_UHUGEINT: {
      const auto& u = static_cast<duckdb_uhugeint*>(data)[row];
      if (u.upper == 0) return u.lower;
      return static_cast<double>(u.upper) * 18446744073709551616.0 + static_cast<double>(u.lower);
    }
    case DUCKDB_TYPE_FLOAT: return finite_or_text(static_cast<float*>(data)[row]);
    case DUCKDB_TYPE_DOUBLE: return finite_or_text(static_cast<double*>(data)[row]);
    case DUCKDB_TYPE_DECIMAL: {
      double v = 0;
      switch (col.decimal_storage) {
        case DUCKDB_TYPE_SMALLINT: v = static_cast<std::int16_t*>(data)[row]; break;
        case DUCKDB_TYPE_INTEGER: v = static_cast<std::int32_t*>(data)[row]; break;
        case DUCKDB_TYPE_BIGINT: v = static_cast<double>(static_cast<std::int64_t*>(data)[row]); break;
        default: {
          const auto& h = static_cast<duckdb_hugeint*>(data)[row];
          v = hugeint_to_double(h.lower, h.upper);
        }
      }
      return v / std::pow(10.0, col.decimal_scale);
    }
    case DUCKDB_TYPE_VARCHAR:
    case DUCKDB_TYPE_BLOB: {
      auto* s = &static_cast<duckdb_string_t*>(data)[row];
      std::string_view text(duckdb_string_t_data(s), duckdb_string_t_length(*s));
      bytes += text.size();
      if (col.json && parse_json) {
        Json parsed = parse_json_bounded(text);
        if (!parsed.is_discarded()) return parsed;
      }
      return std::string(text);
    }
    default:
      throw DuckDbError("duckdb: column type " + std::to_string(static_cast<int>(col.type)) +
                        " is not decoded; cast it to VARCHAR in the query");
  }
}

template <class RowFn>
void read_chunks(duckdb_result& r, const std::vector<Column>& cols, std::size_t max_rows, RowFn&& on_row,
                 bool& truncated) {
  std::size_t seen = 0;
  for (;;) {
    Chunk chunk{duckdb_fetch_chunk(r)};
    if (chunk.c == nullptr) {
      if (const char* e = duckdb_result_error(&r)) throw DuckDbError(e, duckdb_result_error_type(&r));
      return;
    }
    idx_t n = duckdb_data_chunk_get_size(chunk.c);
    if (n == 0) return;
    std::vector<void*> data(cols.size());
    std::vector<std::uint64_t*> valid(cols.size());
    for (idx_t c = 0; c < cols.size(); ++c) {
      duckdb_vector v = duckdb_data_chunk_get_vector(chunk.c, c);
      data[c] = duckdb_vector_get_data(v);
      valid[c] = duckdb_vector_get_validity(v);
    }
    for (idx_t row = 0; row < n; ++row) {
      if (seen == max_rows) {
        truncated = true;
        return;
      }
      ++seen;
      on_row(data, valid, row);
    }
  }
}

std::vector<Column> columns_of(duckdb_result& r, std::vector<std::string>& names) {
  std::vector<Column> cols;
  idx_t n = duckdb_column_count(&r);
  for (idx_t c = 0; c < n; ++c) {
    names.emplace_back(duckdb_column_name(&r, c));
    cols.push_back(describe(r, c));
  }
  return cols;
}

bool all_native(duckdb_prepared_statement stmt) {
  idx_t n = duckdb_prepared_statement_column_count(stmt);
  for (idx_t c = 0; c < n; ++c) {
    if (!is_native_column_type(duckdb_prepared_statement_column_type(stmt, c))) return false;
  }
  return true;
}

std::string text_of(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_float()) {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.get<double>());
    return ec == std::errc() ? std::string(buf, end) : v.dump();
  }
  return v.dump();
}

}  // namespace

bool is_native_column_type(duckdb_type type) {
  switch (type) {
    case DUCKDB_TYPE_BOOLEAN:
    case DUCKDB_TYPE_TINYINT:
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_UTINYINT:
    case DUCKDB_TYPE_USMALLINT:
    case DUCKDB_TYPE_UINTEGER:
    case DUCKDB_TYPE_UBIGINT:
    case DUCKDB_TYPE_HUGEINT:
    case DUCKDB_TYPE_UHUGEINT:
    case DUCKDB_TYPE_FLOAT:
    case DUCKDB_TYPE_DOUBLE:
    case DUCKDB_TYPE_DECIMAL:
    case DUCKDB_TYPE_VARCHAR:
      return true;
    default:
      return false;
  }
}

void DuckConnection::execute(const std::string& sql) {
  Result res;
  if (duckdb_query(con_, sql.c_str(), &res.r) != DuckDBSuccess) throw_result_error(res.r, "duckdb: query failed");
}

JsonTable DuckConnection::query_table(const std::string& sql, const std::vector<SqlParam>& params,
                                      const ResultBounds& bounds) {
  return read_table(sql, params, bounds, /*parse_json=*/true);
}

JsonTable DuckConnection::read_table(const std::string& sql, const std::vector<SqlParam>& params,
                                     const ResultBounds& bounds, bool parse_json) {
  Prepared p;
  prepare(con_, sql, p);
  bind(p, params);
  Result res;
  run_pending(p, res);
  JsonTable out;
  std::vector<Column> cols = columns_of(res.r, out.columns);
  std::size_t bytes = 0;
  read_chunks(
      res.r, cols, bounds.max_rows,
      [&](const std::vector<void*>& data, const std::vector<std::uint64_t*>& valid, idx_t row) {
        Json r = Json::array();
        for (std::size_t c = 0; c < cols.size(); ++c) {
          if (valid[c] != nullptr && !duckdb_validity_row_is_valid(valid[c], row)) {
            r.push_back(nullptr);
          } else {
            r.push_back(cell(cols[c], data[c], row, bytes, parse_json));
          }
          bytes += 8;  // every cell costs something, text or not
        }
        if (bytes > bounds.max_bytes) {
          throw Error(ErrorCode::FailedPrecondition, "the result is larger than " + std::to_string(bounds.max_bytes / (1024 * 1024)) +
                               " MB; select fewer or shorter columns");
        }
        out.rows.push_back(std::move(r));
      },
      out.truncated);
  return out;
}

QueryResult DuckConnection::query(const std::string& sql) {
  // Types without a native decoding are cast to text by DuckDB itself.
  std::string text_sql = sql;
  {
    Prepared p;
    prepare(con_, sql, p);
    if (!all_native(p.stmt)) text_sql = "SELECT CAST(COLUMNS(*) AS VARCHAR) FROM (\n" + sql + "\n)";
  }
  // JSON stays the text DuckDB holds.
  JsonTable t = read_table(text_sql, {}, {}, /*parse_json=*/false);
  QueryResult out;
  out.columns = std::move(t.columns);
  out.rows.reserve(t.rows.size());
  for (const Json& r : t.rows) {
    auto& row = out.rows.emplace_back();
    for (const Json& v : r) {
      if (v.is_null()) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(text_of(v));
      }
    }
  }
  return out;
}

std::int64_t DuckConnection::query_int(const std::string& sql) {
  JsonTable t = query_table(sql, {}, ResultBounds{1});
  if (t.rows.empty() || t.rows[0].empty()) return 0;
  const Json& v = t.rows[0][0];
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_number()) return static_cast<std::int64_t>(v.get<double>());
  return 0;
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

std::string sql_identifier(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace flockcpp::detail

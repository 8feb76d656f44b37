#include "storage/duckdb/sql_sandbox.hpp"

#include <duckdb.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "flock/error.hpp"
#include "storage/duckdb/duckdb_handle.hpp"
#include "storage/duckdb/sql_policy.hpp"
#include "storage/duckdb/store_file.hpp"

namespace flockcpp::detail {

namespace fs = std::filesystem;

namespace {

std::atomic<int> g_running{0};
std::atomic<int> g_runaways{0};

// Exactly one statement, a SELECT, and (with check_policy) one that calls
// only what sql_policy allows; anything else is refused before it is bound
// or run.
void check_single_select(DuckConnection& connection, const std::string& sql, bool check_policy) {
  duckdb_connection con = connection.get();
  duckdb_extracted_statements extracted = nullptr;
  idx_t n = duckdb_extract_statements(con, sql.c_str(), &extracted);
  struct Free {
    duckdb_extracted_statements& e;
    ~Free() { duckdb_destroy_extracted(&e); }
  } free_extracted{extracted};
  if (n == 0) {
    const char* e = duckdb_extract_statements_error(extracted);
    std::string msg = e ? e : "";
    if (msg.empty()) throw Error(ErrorCode::FailedPrecondition, "the query is empty");
    throw Error(ErrorCode::FailedPrecondition, msg);
  }
  if (n > 1) {
    throw Error(ErrorCode::FailedPrecondition, "one statement at a time: the query has " +
                                                          std::to_string(n) + " statements");
  }
  if (check_policy) check_sql_policy(connection, sql);
  duckdb_prepared_statement stmt = nullptr;
  duckdb_state st = duckdb_prepare_extracted_statement(con, extracted, 0, &stmt);
  std::string error = st == DuckDBSuccess ? "" : (duckdb_prepare_error(stmt) ? duckdb_prepare_error(stmt) : "prepare failed");
  duckdb_statement_type type = st == DuckDBSuccess ? duckdb_prepared_statement_type(stmt) : DUCKDB_STATEMENT_TYPE_INVALID;
  duckdb_destroy_prepare(&stmt);
  if (st != DuckDBSuccess) {
    bool forbidden = error_type_of_message(error) == DUCKDB_ERROR_PERMISSION;
    throw Error(forbidden ? ErrorCode::Forbidden : ErrorCode::FailedPrecondition, explain_missing_function(error));
  }
  if (type != DUCKDB_STATEMENT_TYPE_SELECT) {
    throw Error(ErrorCode::Forbidden,
                       "only SELECT queries are allowed: the trace store is read-only here");
  }
}

// The statement without what may follow it: semicolons, spaces and
// comments (strings and quoted names are skipped over while scanning).
std::string strip_trailing(const std::string& sql) {
  std::size_t end = 0;  // one past the last character that is part of the statement
  for (std::size_t i = 0; i < sql.size();) {
    char c = sql[i];
    if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      while (i < sql.size() && sql[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      auto close = sql.find("*/", i + 2);
      i = close == std::string::npos ? sql.size() : close + 2;
    } else if (c == '\'' || c == '"') {
      std::size_t j = i + 1;
      while (j < sql.size()) {
        if (sql[j] == c && j + 1 < sql.size() && sql[j + 1] == c) {
          j += 2;  // doubled quote inside
        } else if (sql[j] == c) {
          break;
        } else {
          ++j;
        }
      }
      i = std::min(j + 1, sql.size());
      end = i;
    } else if (std::isspace(static_cast<unsigned char>(c)) || c == ';') {
      ++i;
    } else {
      end = ++i;
    }
  }
  return sql.substr(0, end);
}

// PRAGMA, SHOW, DESCRIBE and SUMMARIZE are SELECTs to DuckDB but cannot sit
// inside a subquery; their answers are small.
bool is_metadata_statement(const std::string& sql) {
  std::size_t i = 0;
  while (i < sql.size() && (std::isspace(static_cast<unsigned char>(sql[i])) || sql[i] == '(')) ++i;
  std::string word;
  while (i < sql.size() && std::isalpha(static_cast<unsigned char>(sql[i])))
    word += static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i++])));
  return word == "PRAGMA" || word == "SHOW" || word == "DESCRIBE" || word == "SUMMARIZE";
}


// The bounded statement: the user's query under a LIMIT, with every column
// DuckDB's reader does not decode (dates, lists, structs...) cast to text.
std::string bounded_statement(DuckConnection& connection, const std::string& sql, std::size_t max_rows) {
  duckdb_connection con = connection.get();
  if (is_metadata_statement(sql)) return sql;
  // The user's text sits on its own lines so a trailing comment cannot
  // swallow the bracket.
  std::string inner = "(\n" + strip_trailing(sql) + "\n)";
  std::string limit = " LIMIT " + std::to_string(max_rows + 1);
  std::string plain = "SELECT * FROM " + inner + " AS flock_user_query" + limit;
  try {
    check_single_select(connection, plain, /*check_policy=*/false);
  } catch (const Error& e) {
    throw Error(e.code(), "this query cannot be given a row limit: " + std::string(e.what()));
  }
  duckdb_prepared_statement stmt = nullptr;
  if (duckdb_prepare(con, plain.c_str(), &stmt) != DuckDBSuccess) {
    std::string e = duckdb_prepare_error(stmt) ? duckdb_prepare_error(stmt) : "prepare failed";
    duckdb_destroy_prepare(&stmt);
    throw Error(ErrorCode::FailedPrecondition, e);
  }
  idx_t n = duckdb_prepared_statement_column_count(stmt);
  std::vector<std::string> names;
  std::vector<bool> native;
  for (idx_t c = 0; c < n; ++c) {
    // The name is the caller's to free.
    const char* name = duckdb_prepared_statement_column_name(stmt, c);
    names.emplace_back(name != nullptr ? name : "");
    duckdb_free(const_cast<char*>(name));
    native.push_back(is_native_column_type(duckdb_prepared_statement_column_type(stmt, c)));
  }
  duckdb_destroy_prepare(&stmt);
  if (std::all_of(native.begin(), native.end(), [](bool b) { return b; })) return plain;
  std::string select, aliases;
  for (idx_t c = 0; c < n; ++c) {
    std::string col = "q.c" + std::to_string(c);
    if (c > 0) {
      select += ", ";
      aliases += ", ";
    }
    select += (native[c] ? col : "CAST(" + col + " AS VARCHAR)") + " AS " + sql_identifier(names[c]);
    aliases += "c" + std::to_string(c);
  }
  return "SELECT " + select + " FROM " + inner + " AS q(" + aliases + ")" + limit;
}

// One query on its own thread; shared with the caller, who may stop waiting.
struct Job {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  bool abandoned = false;  // the caller was answered before the query ended
  duckdb_connection con = nullptr;  // set while the query runs, for interrupt
  Json result;
  std::exception_ptr error;
};

void run_job(const std::shared_ptr<Job>& job, const std::string& path, const std::string& sql,
             const SqlLimits& limits) {
  try {
    auto lease = StoreFile::at(path).share(false, /*linger=*/true);
    DuckConnection con(lease.db());
    check_single_select(con, sql, /*check_policy=*/true);
    std::string bounded = bounded_statement(con, sql, limits.max_rows);
    con.execute("BEGIN TRANSACTION READ ONLY");
    {
      std::lock_guard lock(job->mu);
      job->con = con.get();
    }
    JsonTable table;
    std::exception_ptr failed;
    try {
      table = con.query_table(bounded, {}, ResultBounds{limits.max_rows, limits.max_result_bytes});
    } catch (...) {
      failed = std::current_exception();
    }
    {
      std::lock_guard lock(job->mu);
      job->con = nullptr;
    }
    try {
      con.execute("ROLLBACK");
    } catch (const DuckDbError&) {
    }
    if (failed) std::rethrow_exception(failed);
    bool truncated = table.truncated || table.rows.size() > limits.max_rows;
    if (table.rows.size() > limits.max_rows) table.rows.resize(limits.max_rows);
    Json rows = Json::array();
    for (auto& r : table.rows) rows.push_back(std::move(r));
    std::size_t count = rows.size();
    Json out{{"columns", table.columns}, {"rows", std::move(rows)}, {"row_count", count}, {"truncated", truncated}};
    std::lock_guard lock(job->mu);
    job->result = std::move(out);
  } catch (...) {
    std::lock_guard lock(job->mu);
    job->error = std::current_exception();
  }
  std::lock_guard lock(job->mu);
  job->done = true;
  g_running.fetch_sub(1);
  if (job->abandoned) g_runaways.fetch_sub(1);
  job->cv.notify_all();
}

[[noreturn]] void rethrow_as_error(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const DuckDbError& e) {
    if (e.type() == DUCKDB_ERROR_PERMISSION) throw Error(ErrorCode::Forbidden, e.what());
    if (e.code() == ErrorCode::Unavailable) throw;
    throw Error(ErrorCode::FailedPrecondition, explain_missing_function(e.what()));
  }
}

}  // namespace

int runaway_sql_queries() { return g_runaways.load(); }

Json run_sandboxed_sql(const std::string& path, const std::string& sql, const SqlLimits& limits) {
  if (sql.find('\0') != std::string::npos) throw Error(ErrorCode::InvalidArgument, "the query holds a NUL byte");
  if (sql.size() > kMaxSqlBytes) {
    throw Error(ErrorCode::InvalidArgument, "the query is " + std::to_string(sql.size()) +
                                                          " bytes long; at most " + std::to_string(kMaxSqlBytes) +
                                                          " are accepted");
  }
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(ErrorCode::FailedPrecondition, "no trace store at " + path + " yet");
  if (g_running.fetch_add(1) >= kMaxConcurrentSql) {
    g_running.fetch_sub(1);
    throw Error(ErrorCode::Unavailable,
                       std::to_string(kMaxConcurrentSql) + " queries are running already; try again shortly");
  }
  auto job = std::make_shared<Job>();
  std::thread([job, path, sql, limits] { run_job(job, path, sql, limits); }).detach();
  std::unique_lock lock(job->mu);
  if (!job->cv.wait_for(lock, limits.timeout, [&] { return job->done; })) {
    if (job->con != nullptr) duckdb_interrupt(job->con);
    // Most queries stop at the next chunk; one that does not is left to
    // finish on its own thread, and the caller is answered now.
    bool stopped = job->cv.wait_for(lock, std::chrono::milliseconds(250), [&] { return job->done; });
    if (!stopped) {
      job->abandoned = true;
      g_runaways.fetch_add(1);
    }
    throw Error(ErrorCode::Timeout,
                       "the query ran longer than " + std::to_string(limits.timeout.count()) + " ms and was cancelled");
  }
  if (job->error) rethrow_as_error(job->error);
  return std::move(job->result);
}

}  // namespace flockcpp::detail

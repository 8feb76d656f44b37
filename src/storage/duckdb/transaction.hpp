// One DuckDB transaction around `fn`: committed when fn returns, rolled back
// when it throws (the exception goes on; a failed rollback does not hide it).
#pragma once
#include <type_traits>
#include <utility>

#include "storage/duckdb/duckdb_handle.hpp"

namespace flockcpp::detail {

enum class TransactionMode { ReadWrite, ReadOnly };

template <class F>
auto in_transaction(DuckConnection& con, TransactionMode mode, F&& fn) -> decltype(fn()) {
  con.execute(mode == TransactionMode::ReadOnly ? "BEGIN TRANSACTION READ ONLY" : "BEGIN TRANSACTION");
  try {
    if constexpr (std::is_void_v<decltype(fn())>) {
      std::forward<F>(fn)();
      con.execute("COMMIT");
    } else {
      auto result = std::forward<F>(fn)();
      con.execute("COMMIT");
      return result;
    }
  } catch (...) {
    try {
      con.execute("ROLLBACK");
    } catch (const DuckDbError&) {
    }
    throw;
  }
}

}  // namespace flockcpp::detail

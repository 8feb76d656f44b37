// Where spans are stored, as one text: FLOCK_TRACE_STORE, the DB argument of
// every `flock` command, Flock::clear_traces(store), TraceStoreReader and
// DashboardServer all take the same forms (docs/configuration.md):
//
//   PATH                                a DuckDB file (no scheme)
//   duckdb:PATH                         the same file; PATH taken literally
//   clickhouse://HOST[:PORT]/DATABASE   ClickHouse over HTTP (port 8123)
//
// Only the exact, lower-case prefixes `duckdb:` and `clickhouse://` are
// schemes: `my:file.duckdb` or `C:/x` are paths. Any other `word://` prefix
// (`postgres://`, `ClickHouse://`) is refused as an unknown scheme rather
// than taken for a folder named `word:`; write `./word://...` to mean one.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flockcpp::detail {

enum class StoreKind { DuckDb, ClickHouse };

inline constexpr std::uint16_t kClickHouseHttpPort = 8123;

struct StoreLocator {
  StoreKind kind = StoreKind::DuckDb;
  std::string path;      // DuckDb: the file
  std::string host;      // ClickHouse: a name or an address (IPv6 without its brackets)
  std::uint16_t port = kClickHouseHttpPort;
  std::string database;  // ClickHouse: letters, digits and underscores

  bool operator==(const StoreLocator&) const = default;
};

// Throws flockcpp::Error (InvalidArgument) naming what is wrong: empty text,
// a NUL byte, `duckdb:` without a path, an unknown scheme, a missing host or
// database, a port outside 1..65535, credentials or a query in the URL.
StoreLocator parse_store_locator(std::string_view text);
// The same without throwing: nullopt, and the reason alone in `why`.
std::optional<StoreLocator> try_parse_store_locator(std::string_view text, std::string* why = nullptr);

// The locator of exactly this file, whatever its name: for code that holds
// a path (FLOCK_TRACE_PATH's) and hands it to code that parses locators.
inline std::string file_store_locator(std::string_view path) { return "duckdb:" + std::string(path); }

// The locator for messages: at most 80 bytes, control bytes escaped.
std::string printable_locator(std::string_view text);

}  // namespace flockcpp::detail

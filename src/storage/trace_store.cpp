// The one place a locator becomes a store implementation.
#include "storage/trace_store.hpp"

#include "common/store_locator.hpp"
#include "flock/error.hpp"
#include "storage/duckdb/duckdb_trace_store.hpp"

namespace flockcpp::detail {

std::shared_ptr<TraceStore> open_trace_store(std::string_view locator) {
  StoreLocator loc = parse_store_locator(locator);
  if (loc.kind == StoreKind::ClickHouse) {
    throw Error(ErrorCode::FailedPrecondition,
                "ClickHouse storage is not available in this build yet: cannot use \"" + printable_locator(locator) +
                    "\"; give a DuckDB file (a path or duckdb:PATH)");
  }
  return std::make_shared<DuckDbTraceStore>(loc.path);
}

}  // namespace flockcpp::detail

// TraceStoreReader, the public face of the store seam: each call goes to the
// store its locator names (storage/trace_store.hpp).
#include "flock/trace_reader.hpp"
#include "storage/trace_store.hpp"

namespace flockcpp {

TraceStoreReader::TraceStoreReader(std::string store)
    : store_(detail::open_trace_store(store)) {
  path_ = store_->local_file();
}

bool TraceStoreReader::exists() const { return store_->exists(); }
std::string TraceStoreReader::name() const { return store_->name(); }
std::vector<StoredSpan> TraceStoreReader::trace(const std::string& trace_id) const { return store_->trace(trace_id); }
QueryResult TraceStoreReader::query(const std::string& sql) const { return store_->query(sql); }
Json TraceStoreReader::list_traces(const TraceFilter& filter) const { return store_->list_traces(filter); }
std::optional<Json> TraceStoreReader::trace_json(const std::string& trace_id) const {
  return store_->trace_json(trace_id);
}
Json TraceStoreReader::services() const { return store_->services(); }
Json TraceStoreReader::stats() const { return store_->stats(); }
Json TraceStoreReader::workflow_stats() const { return store_->workflow_stats(); }
Json TraceStoreReader::service_stats() const { return store_->service_stats(); }
Json TraceStoreReader::agent_stats() const { return store_->agent_stats(); }
Json TraceStoreReader::model_stats() const { return store_->model_stats(); }
Json TraceStoreReader::agents_seen() const { return store_->agents_seen(); }
Json TraceStoreReader::dependencies(const std::string& by) const { return store_->dependencies(by); }
Json TraceStoreReader::run_sql(const std::string& sql, const SqlLimits& limits) const {
  return store_->run_sql(sql, limits);
}
ClearResult TraceStoreReader::clear() const { return store_->clear(); }

}  // namespace flockcpp

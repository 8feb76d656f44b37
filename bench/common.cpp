#include "common.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>

#include "storage/duckdb/duckdb_handle.hpp"
#include "storage/duckdb/schema.hpp"
#include "storage/duckdb/store_file.hpp"

namespace flock_bench {
namespace fs = std::filesystem;

namespace {
std::mutex g_mu;
std::map<std::string, Tally> g_tallies;
std::atomic<int> g_seq{0};

const fs::path& temp_dir() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("flock-bench-" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}
}  // namespace

std::string temp_trace_path(const std::string& tag) {
  return (temp_dir() / (tag + "-" + std::to_string(g_seq.fetch_add(1)) + ".duckdb")).string();
}

void remove_trace_file(const std::string& path) {
  std::error_code ec;
  fs::remove(path, ec);
  fs::remove(path + ".wal", ec);
}

void cleanup_temp() {
  std::error_code ec;
  fs::remove_all(temp_dir(), ec);
}

// Twelve spans per trace: a workflow root and eleven children, 1% errors,
// attributes shaped like the library's (nested JSON).
void generate_store(const std::string& path, std::int64_t spans) {
  // Building 10M rows at once needs more than the writer's own 256 MB bound
  // (it appends 4,096 at a time). The rows are a store written over time:
  // created_at is their start time (2023), older than the writer's 15-minute
  // repeat window, as a store's history is.
  flockcpp::detail::DuckDatabase::Options opts;
  opts.memory_limit_mb = 4096;
  flockcpp::detail::DuckDatabase db(path, opts);
  flockcpp::detail::DuckConnection con(db);
  flockcpp::detail::ensure_schema(con);
  con.execute(
      "INSERT INTO spans (trace_id, span_id, parent_id, name, service, operation, kind, start_time, end_time, "
      "duration_ms, status_code, status_description, attributes, events, links, resource, created_at) "
      "SELECT md5('t' || (i // 12)::VARCHAR), substr(md5('s' || i::VARCHAR), 1, 16), "
      "CASE WHEN i % 12 = 0 THEN NULL ELSE substr(md5('s' || (i - i % 12)::VARCHAR), 1, 16) END, "
      "n, split_part(n, '.', 1), nullif(split_part(n, '.', 2), ''), 'INTERNAL', st, st + d * 1000000, d, "
      "CASE WHEN i % 100 = 7 THEN 'ERROR' ELSE 'OK' END, CASE WHEN i % 100 = 7 THEN 'boom' END, "
      "CASE WHEN i % 12 = 0 THEN json_object('flock', json_object('workflow', true), 'workflow', "
      "json_object('name', 'wf_' || ((i // 12) % 5)::VARCHAR)) "
      // One model call per trace, half of them to a model without a price.
      "WHEN i % 12 = 4 THEN json_object('agent', json_object('name', 'agent_' || (i % 7)::VARCHAR), 'gen_ai', "
      "json_object('request', json_object('model', 'gpt-4o-mini'), 'response', json_object('model', CASE WHEN "
      "i % 24 = 4 THEN 'gpt-4o-mini-2024-07-18' ELSE 'my-llama' END), 'usage', json_object('input_tokens', "
      "100 + i % 50, 'output_tokens', 20 + i % 10))) "
      "ELSE json_object('agent', json_object('name', "
      "'agent_' || (i % 7)::VARCHAR), 'correlation_id', 'corr-' || (i // 12)::VARCHAR, 'input', "
      "json_object('value', '{\"dish\":\"risotto\",\"guests\":4}')) END, '[]', '[]', "
      "'{\"service\":{\"name\":\"bench\"}}', epoch_ms(st // 1000000) "
      "FROM (SELECT range AS i, "
      "['pipeline', 'Flock.publish', 'Agent.execute', 'OutputUtilityComponent.on_initialize', "
      "'FunctionEngine.evaluate', 'OutputUtilityComponent.on_post_evaluate', 'Agent.execute', "
      "'FunctionEngine.evaluate', 'Agent.execute', 'FunctionEngine.evaluate', 'Flock.run_until_idle', "
      "'Flock.shutdown'][range % 12 + 1] AS n, "
      "1700000000000000000 + (range // 12) * 50000000 + (range % 12) * 100000 AS st, "
      "CASE WHEN range % 12 = 0 THEN 40.0 ELSE (range % 9) + 0.5 END AS d "
      "FROM range(" +
      std::to_string(spans) + "))");
  // Their summaries, as the writer would have kept them.
  // In time order, as a writer appends them over time.
  con.execute(std::string("INSERT INTO traces ") + flockcpp::detail::traces_from_spans_sql() +
              " GROUP BY trace_id ORDER BY start_time");
  con.execute(std::string("INSERT INTO trace_models ") + flockcpp::detail::trace_models_from_spans_sql() +
              " GROUP BY ALL");
  con.execute(flockcpp::detail::fill_trace_models_sql("true"));
  con.execute("CHECKPOINT");
}


std::int64_t count_rows(const std::string& path) {
  try {
    auto lease = flockcpp::detail::StoreFile::at(path).share(false);
    flockcpp::detail::DuckConnection con(lease.db());
    return con.query_int("SELECT count(*) FROM spans");
  } catch (const std::exception&) {
    return -1;
  }
}

flockcpp::TraceConfig file_config(const std::string& path) {
  flockcpp::TraceConfig c;
  c.trace_file = true;
  c.trace_file_path = path;
  return c;
}

void record_tally(const std::string& bench, std::uint64_t produced, std::int64_t rows, std::uint64_t dropped,
                  std::uint64_t lost) {
  std::lock_guard lock(g_mu);
  Tally& t = g_tallies[bench];
  t.produced += produced;
  if (rows < 0) {
    ++t.unreadable;
  } else {
    t.rows += rows;
  }
  t.dropped += dropped;
  t.lost += lost;
  ++t.calls;
}

std::map<std::string, Tally> tallies() {
  std::lock_guard lock(g_mu);
  return g_tallies;
}

std::size_t flush_every() {
  static const std::size_t n = [] {
    std::size_t v = 4096;
    if (const char* e = std::getenv("FLOCK_BENCH_FLUSH_EVERY")) v = std::strtoull(e, nullptr, 10);
    std::size_t cap = flockcpp::TraceConfig{}.thread_queue_capacity;
    if (v == 0 || v >= cap) v = cap / 2;
    return v;
  }();
  return n;
}

flockcpp::OtlpExporterOptions loopback_otlp_options(const std::string& endpoint, std::size_t batch) {
  flockcpp::OtlpExporterOptions o;
  o.endpoint = endpoint;
  o.schedule_delay = std::chrono::milliseconds(50);
  o.max_queue_size = 1u << 20;
  o.max_export_batch_size = batch;
  return o;
}

}  // namespace flock_bench

// The `flock` command (docs/cli.md): the dashboard over a trace file, and a
// terminal view of the same store. Exit status: 0 success, 1 failure, 2 bad
// usage; messages on stderr.
#include <flock/flock.hpp>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <iostream>

namespace {

using flockcpp::Error;
using flockcpp::ErrorCode;
using flockcpp::Json;

constexpr const char* kDefaultDb = ".flock/traces.duckdb";
constexpr const char* kDbHelp = "trace store: a path or duckdb:PATH (clickhouse:// URLs: not available yet)";

// The one place an Error becomes an exit status: 2 for bad usage (a
// malformed argument), 1 for every other failure.
int exit_code(ErrorCode code) { return code == ErrorCode::InvalidArgument ? 2 : 1; }

// DB is a store locator (a path, duckdb:PATH or a clickhouse:// URL): the
// reader parses it and refuses a malformed one (exit 2) and ClickHouse (exit
// 1, not available yet).
void require_store(const std::string& db) {
  flockcpp::TraceStoreReader store(db);
  if (!store.exists()) {
    throw Error(ErrorCode::NotFound, "no trace store at " + store.path() +
                                         ": a program records one when run with FLOCK_TRACE_FILE=true "
                                         "(FLOCK_TRACE_PATH picks the file), or give the store's path as DB");
  }
}

// A trace id from a unique prefix of at least 6 hex digits, as git takes
// commit ids; the full id is taken as it is.
std::string resolve_trace_id(const std::string& db, std::string id) {
  std::transform(id.begin(), id.end(), id.begin(), [](unsigned char c) { return std::tolower(c); });
  if (id.size() < 6 || id.size() > 32 ||
      !std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isxdigit(c) != 0; })) {
    throw Error(ErrorCode::InvalidArgument,
                "TRACE_ID must be 6 to 32 hex characters (a unique prefix is enough), got '" + id + "'");
  }
  if (id.size() == 32) return id;
  Json r = flockcpp::TraceStoreReader(db).run_sql(
      "SELECT trace_id FROM traces WHERE trace_id LIKE '" + id + "%' ORDER BY start_time DESC LIMIT 6");
  const Json& rows = r["rows"];
  if (rows.empty()) throw Error(ErrorCode::NotFound, "no trace starts with " + id + " in " + db);
  if (rows.size() > 1) {
    std::string some;
    for (const auto& row : rows) some += "\n  " + row[0].get<std::string>();
    throw Error(ErrorCode::InvalidArgument, "the prefix " + id + " is ambiguous; it starts " +
                                                (rows.size() > 5 ? "these and more" : "these") + " traces:" + some);
  }
  return rows[0][0].get<std::string>();
}

bool use_color() {
  const char* no_color = std::getenv("NO_COLOR");
  return ::isatty(STDOUT_FILENO) == 1 && (no_color == nullptr || *no_color == '\0');
}

std::string cell(const Json& v) {
  if (v.is_null()) return "NULL";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

flockcpp::QueryResult as_table(const Json& columns, const Json& rows) {
  flockcpp::QueryResult t;
  for (const auto& c : columns) t.columns.push_back(c.get<std::string>());
  for (const auto& r : rows) {
    auto& out = t.rows.emplace_back();
    for (const auto& v : r) out.push_back(v.is_null() ? std::nullopt : std::optional<std::string>(cell(v)));
  }
  return t;
}

// One format for every duration (the tree's too): two decimals.
std::string ms(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

int traces_list(const std::string& db, const std::string& workflow, int limit, bool json) {
  require_store(db);
  flockcpp::TraceFilter f;
  if (!workflow.empty()) f.workflow = workflow;
  f.limit = limit;
  Json page = flockcpp::TraceStoreReader(db).list_traces(f);
  if (json) {
    std::cout << page.dump(2) << "\n";
    return 0;
  }
  Json rows = Json::array();
  for (const auto& t : page["items"]) {
    std::string name = t["workflow_name"].is_string() ? t["workflow_name"].get<std::string>() : cell(t["root_name"]);
    rows.push_back(Json::array({t["trace_id"], flockcpp::iso8601_ns(t["start_time"].get<std::int64_t>()), name,
                                ms(t["duration_ms"].get<double>()), t["span_count"], t["error_count"]}));
  }
  std::cout << flockcpp::render_table(as_table(Json::array({"trace_id", "start", "workflow / root", "duration_ms", "spans", "errors"}), rows));
  std::cout << page["items"].size() << " of " << page["total"] << " traces, newest first\n";
  return 0;
}

int traces_show(const std::string& db, std::string trace_id, bool json) {
  require_store(db);
  trace_id = resolve_trace_id(db, trace_id);
  if (json) {
    auto t = flockcpp::TraceStoreReader(db).trace_json(trace_id);
    if (!t) throw Error(ErrorCode::NotFound, "no trace " + trace_id + " in " + db);
    std::cout << t->dump(2) << "\n";
    return 0;
  }
  auto spans = flockcpp::TraceStoreReader(db).trace(trace_id);
  if (spans.empty()) throw Error(ErrorCode::NotFound, "no trace " + trace_id + " in " + db);
  std::cout << flockcpp::render_trace_tree(spans, use_color());
  return 0;
}

int traces_query(const std::string& db, const std::string& sql, bool json) {
  require_store(db);
  Json r = flockcpp::TraceStoreReader(db).run_sql(sql);
  if (json) {
    Json objects = Json::array();
    for (const auto& row : r["rows"]) {
      Json o = Json::object();
      for (std::size_t i = 0; i < r["columns"].size(); ++i) o[r["columns"][i].get<std::string>()] = row[i];
      objects.push_back(std::move(o));
    }
    std::cout << objects.dump(2) << "\n";
  } else {
    std::cout << flockcpp::render_table(as_table(r["columns"], r["rows"]));
    if (r["truncated"].get<bool>()) std::cout << "(truncated at " << r["row_count"] << " rows)\n";
  }
  return 0;
}

int traces_stats(const std::string& db, bool json) {
  require_store(db);
  flockcpp::TraceStoreReader q(db);
  Json stats = q.stats();
  Json workflows = q.workflow_stats()["workflows"];
  if (json) {
    stats["workflows"] = workflows;
    std::cout << stats.dump(2) << "\n";
    return 0;
  }
  for (const char* k : {"total_spans", "total_traces", "services_count", "oldest_trace", "newest_trace", "database_size_mb"})
    std::cout << k << ": " << cell(stats[k]) << "\n";
  if (!workflows.empty()) {
    Json rows = Json::array();
    for (const auto& w : workflows)
      rows.push_back(Json::array({w["workflow_name"], w["runs"], w["errors"], w["avg_ms"], w["p50_ms"], w["p95_ms"], w["max_ms"]}));
    std::cout << "\n"
              << flockcpp::render_table(
                     as_table(Json::array({"workflow", "runs", "errors", "avg_ms", "p50_ms", "p95_ms", "max_ms"}), rows));
  }
  return 0;
}

int traces_clear(const std::string& db) {
  flockcpp::TraceStoreReader store(db);
  flockcpp::ClearResult r = store.clear();
  if (!r.success) throw Error(ErrorCode::FailedPrecondition, r.error);
  std::cout << "deleted " << r.deleted_count << " spans from " << store.path() << "\n";
  return 0;
}

int dashboard(const std::string& db, const std::string& host, int port) {
  flockcpp::TraceStoreReader store(db);
  if (!store.exists()) {
    // A hub for OTLP senders starts empty: the first spans received create
    // the store (a program records one itself with FLOCK_TRACE_FILE=true).
    std::cerr << "flock: no trace store at " << store.path()
              << " yet: serving an empty one; spans sent to POST /v1/traces create it (a program records one "
                 "itself when run with FLOCK_TRACE_FILE=true)\n";
  }
  // Signals are taken by sigwait below, on this thread, not by a handler:
  // block them before any server thread exists so every thread inherits it.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  flockcpp::ServeOptions opts;
  opts.host = host;
  opts.port = port;
  flockcpp::DashboardServer server(db, opts);
  server.start();
  int signo = 0;
  sigwait(&set, &signo);
  server.stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"flock: the dashboard and a terminal view of a Flock trace store", "flock"};
  app.set_version_flag("--version", std::string("flock ") + flockcpp::kVersion);
  app.require_subcommand(1);
  std::string db = kDefaultDb;
  std::string host = "127.0.0.1";
  int port = 8344;
  std::string workflow;
  int limit = 20;
  bool json = false;
  std::string trace_id;
  std::string sql;

  auto* dash = app.add_subcommand("dashboard", "the dashboard and HTTP API over a trace file (created by the first OTLP spans received), no agents");
  dash->add_option("DB", db, kDbHelp)->capture_default_str();
  dash->add_option("--host", host, "address to listen on (not loopback: set FLOCK_API_TOKEN)")->capture_default_str();
  dash->add_option("--port", port, "port (0: any free port)")->capture_default_str()->check(CLI::Range(0, 65535));

  auto* traces = app.add_subcommand("traces", "read the trace store in the terminal");
  traces->require_subcommand(1);
  auto* list = traces->add_subcommand("list", "trace summaries, newest first");
  list->add_option("DB", db, kDbHelp)->capture_default_str();
  list->add_option("--workflow", workflow, "only runs of this workflow");
  list->add_option("--limit", limit, "how many")->capture_default_str()->check(CLI::Range(1, 1000));
  list->add_flag("--json", json, "JSON instead of a table");
  auto* show = traces->add_subcommand("show", "one trace as an indented tree with durations");
  show->add_option("TRACE_ID", trace_id, "the trace id, or a unique prefix of at least 6 hex digits")->required();
  show->add_option("DB", db, kDbHelp)->capture_default_str();
  show->add_flag("--json", json, "every span as JSON");
  auto* query = traces->add_subcommand("query", "a read-only SQL query over the spans table");
  query->add_option("SQL", sql, "one SELECT")->required();
  query->add_option("DB", db, kDbHelp)->capture_default_str();
  query->add_flag("--json", json, "rows as JSON objects");
  auto* stats = traces->add_subcommand("stats", "store totals and per-workflow statistics");
  stats->add_option("DB", db, kDbHelp)->capture_default_str();
  stats->add_flag("--json", json, "JSON instead of text");
  auto* clear = traces->add_subcommand("clear", "delete every span (the file shrinks)");
  clear->add_option("DB", db, kDbHelp)->capture_default_str();

  // An unknown command is named as such (CLI11 would only say a subcommand
  // is required).
  auto known = [](const CLI::App* parent, const char* name) {
    for (const CLI::App* sub : parent->get_subcommands({})) {
      if (sub->get_name() == name) return true;
    }
    return false;
  };
  if (argc > 1 && argv[1][0] != '-' && !known(&app, argv[1])) {
    std::cerr << "flock: unknown command '" << argv[1] << "' (commands: dashboard, traces; see flock --help)\n";
    return 2;
  }
  if (argc > 2 && std::string(argv[1]) == "traces" && argv[2][0] != '-' &&
      !known(traces, argv[2])) {
    std::cerr << "flock: unknown command 'traces " << argv[2]
              << "' (commands: traces list, show, query, stats, clear; see flock traces --help)\n";
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  try {
    if (*dash) return dashboard(db, host, port);
    if (*list) return traces_list(db, workflow, limit, json);
    if (*show) return traces_show(db, trace_id, json);
    if (*query) return traces_query(db, sql, json);
    if (*stats) return traces_stats(db, json);
    if (*clear) return traces_clear(db);
  } catch (const Error& e) {
    std::cerr << "flock: " << e.what() << "\n";
    // A query past its time limit may still be inside the store (one call of a
    // scalar function is not interruptible): leave without running
    // destructors under it.
    if (e.code() == ErrorCode::Timeout) {
      std::cerr.flush();
      std::_Exit(exit_code(e.code()));
    }
    return exit_code(e.code());
  } catch (const std::exception& e) {
    std::cerr << "flock: " << e.what() << "\n";
    return 1;
  }
  return 2;
}

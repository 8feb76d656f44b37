// The HTTP API's pieces without sockets: the router's auth, CORS, host and
// validation rules, static files, time parsing, the trace queries and the
// safe SQL route over a real store file.
#include <gtest/gtest.h>

#include "temp_folder.hpp"

#include <filesystem>
#include <atomic>
#include <fstream>
#include <thread>

#include <flock/flock.hpp>

#include "common/store_locator.hpp"
#include "server/api_router.hpp"
#include "server/event_hub.hpp"
#include "server/static_files.hpp"
#include "exporters/store/store_span_exporter.hpp"
#include "storage/stored_span.hpp"
#include "storage/time_text.hpp"

namespace fs = std::filesystem;
using namespace flockcpp;
using flockcpp::http::Request;
using flockcpp::http::Response;

namespace {

class ServerTest : public testing::Test {
 protected:
  void SetUp() override {
    folder_ = std::make_unique<testing_support::TempFolder>("flock-server");
    dir_ = folder_->path();
    path_ = (dir_ / "traces.duckdb").string();
  }
  void TearDown() override { folder_.reset(); }
  std::unique_ptr<testing_support::TempFolder> folder_;

  // Two traces: a workflow with a failing child, and a plain publish.
  void write_store() {
    auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
    std::vector<SpanData> batch;
    auto span = [&](std::uint8_t trace, std::uint8_t id, std::uint8_t parent, std::string name, std::int64_t start,
                    std::int64_t ms) -> SpanData& {
      SpanData& s = batch.emplace_back();
      s.trace_id[15] = trace;
      s.span_id[7] = id;
      s.parent_span_id[7] = parent;
      s.name = std::move(name);
      s.start_ns = start;
      s.end_ns = start + ms * 1'000'000;
      s.status = StatusCode::Ok;
      return s;
    };
    SpanData& wf = span(1, 1, 0, "pizza_workflow", 1'000'000'000'000'000'000, 50);
    wf.attributes = {{"flock.workflow", true}, {"workflow.name", std::string("pizza_workflow")}};
    SpanData& exec = span(1, 2, 1, "Agent.execute", 1'000'000'000'001'000'000, 20);
    exec.attributes = {{"agent.name", std::string("chef")}, {"correlation_id", std::string("c-1")},
                       {"artifact.tags", std::vector<std::string>{"vip", "night"}}};
    exec.status = StatusCode::Error;
    exec.status_description = "boom";
    span(2, 3, 0, "Flock.publish", 1'000'000'001'000'000'000, 1).attributes = {
        {"correlation_id", std::string("c-2")}};
    ASSERT_EQ(exporter->export_batch(batch), ExportResult::Success);
  }

  detail::ApiRouter router(const std::string& token = "", std::vector<std::string> origins = {}) {
    ServeOptions o;
    o.cors_origins = std::move(origins);
    o.query_timeout = std::chrono::milliseconds(300);
    return detail::ApiRouter(nullptr, detail::open_trace_store(detail::file_store_locator(path_)), o, token, hub_,
                             nullptr, true);
  }

  static Request get(std::string path, std::vector<std::pair<std::string, std::string>> query = {}) {
    Request r;
    r.method = "GET";
    r.path = std::move(path);
    r.query = std::move(query);
    r.headers = {{"host", "127.0.0.1:8344"}};
    return r;
  }
  static Request post(std::string path, std::string body) {
    Request r = get(std::move(path));
    r.method = "POST";
    r.body = std::move(body);
    r.headers.emplace_back("content-type", "application/json");
    return r;
  }
  static Json body(const Response& r) { return Json::parse(r.body); }

  fs::path dir_;
  std::string path_;
  detail::EventHub hub_;
};

}  // namespace

TEST(TimeParsing, IsoAndNanoseconds) {
  EXPECT_EQ(detail::parse_time_ns("1700000000000000000"), 1'700'000'000'000'000'000);
  EXPECT_EQ(detail::parse_time_ns("2023-11-14T22:13:20Z"), 1'700'000'000'000'000'000);
  EXPECT_EQ(detail::parse_time_ns("2023-11-14T22:13:20.5Z"), 1'700'000'000'500'000'000);
  EXPECT_EQ(detail::parse_time_ns("2023-11-14T23:13:20+01:00"), 1'700'000'000'000'000'000);
  EXPECT_EQ(detail::parse_time_ns("2023-11-14"), 1'699'920'000'000'000'000);
  for (const char* bad : {"", "yesterday", "2023-13-01", "2023-11-14T25:00", "12a", "99999999999999999999"})
    EXPECT_FALSE(detail::parse_time_ns(bad).has_value()) << bad;
  EXPECT_EQ(iso8601_ns(1'700'000'000'123'456'789), "2023-11-14T22:13:20.123456Z");
}

TEST(StoredSpan, NestedAttributesFlattenBack) {
  Json nested = Json::parse(R"({"agent": {"_value": "x", "name": "chef"}, "n": 3, "tags": ["a", "b"], "ok": true})");
  auto attrs = detail::attributes_from_json(nested);
  std::map<std::string, RecordedValue> by_key;
  for (auto& a : attrs) by_key[a.key] = a.value;
  EXPECT_EQ(std::get<std::string>(by_key.at("agent")), "x");
  EXPECT_EQ(std::get<std::string>(by_key.at("agent.name")), "chef");
  EXPECT_EQ(std::get<std::int64_t>(by_key.at("n")), 3);
  EXPECT_EQ(std::get<std::vector<std::string>>(by_key.at("tags")), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(std::get<bool>(by_key.at("ok")));
}

TEST_F(ServerTest, StaticFilesStayInsideTheirFolder) {
  fs::create_directories(dir_ / "web" / "assets");
  std::ofstream(dir_ / "web" / "index.html") << "<html>app</html>";
  std::ofstream(dir_ / "web" / "assets" / "a.js") << "js";
  std::ofstream(dir_ / "secret.txt") << "secret";
  detail::StaticFiles files((dir_ / "web").string());
  EXPECT_EQ(files.serve("/assets/a.js")->body, "js");
  EXPECT_EQ(files.serve("/")->body, "<html>app</html>");
  EXPECT_FALSE(files.serve("/traces/abc").has_value());  // the dashboard routes in the #fragment
  EXPECT_FALSE(files.serve("/../secret.txt").has_value());
  EXPECT_FALSE(files.serve("/assets/../../secret.txt").has_value());
  EXPECT_FALSE(files.serve("/missing.js").has_value());
}

TEST_F(ServerTest, TokenGuardsEveryRouteButHealth) {
  write_store();
  auto r = router("s3cret");
  EXPECT_EQ(r.handle(get("/api/health")).status, 200);
  Response denied = r.handle(get("/api/traces"));
  EXPECT_EQ(denied.status, 401);
  EXPECT_NE(body(denied)["error"].get<std::string>().find("Bearer"), std::string::npos);
  Request wrong = get("/api/traces");
  wrong.headers.emplace_back("authorization", "Bearer nope");
  EXPECT_EQ(r.handle(wrong).status, 401);
  Request right = get("/api/traces");
  right.headers.emplace_back("authorization", "Bearer s3cret");
  EXPECT_EQ(r.handle(right).status, 200);
}

TEST_F(ServerTest, CorsOnlyForListedOriginsAndNeverAWildcard) {
  auto header = [](const Response& res, const std::string& name) -> std::string {
    for (auto& [k, v] : res.headers)
      if (k == name) return v;
    return "";
  };
  auto open = router();
  Request req = get("/api/health");
  req.headers.emplace_back("origin", "http://evil.example");
  EXPECT_EQ(header(open.handle(req), "Access-Control-Allow-Origin"), "");
  auto listed = router("", {"http://tools.example"});
  req.headers.back().second = "http://tools.example";
  EXPECT_EQ(header(listed.handle(req), "Access-Control-Allow-Origin"), "http://tools.example");
}

TEST_F(ServerTest, ForeignHostIsRefusedOnLoopback) {
  auto r = router();
  Request req = get("/api/health");
  req.headers = {{"host", "attacker.example:8344"}};
  EXPECT_EQ(r.handle(req).status, 403);
  req.headers = {{"host", "localhost:8344"}};
  EXPECT_EQ(r.handle(req).status, 200);
}

TEST_F(ServerTest, TraceListFiltersAndValidation) {
  write_store();
  auto r = router();
  Json all = body(r.handle(get("/api/traces")));
  ASSERT_EQ(all["total"], 2);
  EXPECT_EQ(all["items"][0]["root_name"], "Flock.publish");  // newest first
  EXPECT_EQ(all["items"][1]["workflow_name"], "pizza_workflow");
  EXPECT_EQ(all["items"][1]["error_count"], 1);
  EXPECT_EQ(body(r.handle(get("/api/traces", {{"status", "error"}})))["total"], 1);
  EXPECT_EQ(body(r.handle(get("/api/traces", {{"workflow", "pizza_workflow"}})))["total"], 1);
  EXPECT_EQ(body(r.handle(get("/api/traces", {{"correlation_id", "c-2"}})))["items"][0]["root_name"], "Flock.publish");
  EXPECT_EQ(body(r.handle(get("/api/traces", {{"min_duration_ms", "10"}})))["total"], 1);
  EXPECT_EQ(body(r.handle(get("/api/traces", {{"tag", "night"}})))["items"][0]["root_name"], "pizza_workflow");
  EXPECT_EQ(body(r.handle(get("/api/traces", {{"tag", "nope"}})))["total"], 0);
  Json page = body(r.handle(get("/api/traces", {{"limit", "1"}, {"offset", "5"}})));
  EXPECT_EQ(page["items"].size(), 0u);
  EXPECT_EQ(page["total"], 2);
  for (auto bad : std::vector<std::pair<std::string, std::string>>{
           {"limit", "-1"}, {"limit", "x"}, {"offset", "-3"}, {"status", "sideways"}, {"since", "noon"},
           {"min_duration_ms", "-5"}}) {
    Response res = r.handle(get("/api/traces", {bad}));
    EXPECT_EQ(res.status, 400) << bad.first << "=" << bad.second;
    EXPECT_NE(body(res)["error"].get<std::string>().find(bad.first), std::string::npos);
  }
  EXPECT_EQ(r.handle(get("/api/traces/xyz")).status, 400);
  EXPECT_EQ(r.handle(get("/api/traces/" + std::string(32, 'f'))).status, 404);
}

TEST_F(ServerTest, OneTraceAndItsOtlpForm) {
  write_store();
  auto r = router();
  std::string id = std::string(30, '0') + "01";
  Json t = body(r.handle(get("/api/traces/" + id)));
  ASSERT_EQ(t["spans"].size(), 2u);
  EXPECT_EQ(t["spans"][1]["attributes"]["agent"]["name"], "chef");
  EXPECT_EQ(t["spans"][1]["status_code"], "ERROR");
  Json otlp = body(r.handle(get("/api/traces/" + id + "/otlp")));
  Json spans = otlp["resourceSpans"][0]["scopeSpans"][0]["spans"];
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[1]["traceId"], id);
  EXPECT_EQ(spans[1]["parentSpanId"], spans[0]["spanId"]);
}

TEST_F(ServerTest, SqlRouteIsReadOnlyBoundedAndSealed) {
  write_store();
  auto r = router();
  auto query = [&](const std::string& sql) { return r.handle(post("/api/traces/query", Json{{"sql", sql}}.dump())); };
  Response ok = query("SELECT name FROM spans ORDER BY start_time -- trailing comment");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(body(ok)["row_count"], 3);
  for (const char* refused : {"SELECT * FROM read_text('/etc/passwd')", "SELECT * FROM read_csv('/etc/passwd')",
                              "ATTACH '/tmp/flock-x.duckdb' AS x", "COPY spans TO '/tmp/flock-x.csv'",
                              "INSTALL httpfs", "LOAD httpfs", "DELETE FROM spans", "SET threads = 1"}) {
    EXPECT_EQ(query(refused).status, 403) << refused;
  }
  EXPECT_EQ(query("SELECT 1; SELECT 2").status, 400);
  EXPECT_EQ(query("SELEKT").status, 400);
  Response slow = query("SELECT sum(hash(a.range * b.range)) FROM range(100000) a, range(100000) b");
  EXPECT_EQ(slow.status, 408) << slow.body;
  Json big = body(query("SELECT * FROM range(20000)"));
  EXPECT_TRUE(big["truncated"].get<bool>());
  EXPECT_EQ(big["row_count"], 10000);
  // Still three spans: nothing above wrote.
  EXPECT_EQ(body(query("SELECT count(*) FROM spans"))["rows"][0][0], 3);
}

TEST_F(ServerTest, BadBodiesAreClearErrors) {
  write_store();
  auto r = router();
  Request no_type = post("/api/traces/query", R"({"sql": "SELECT 1"})");
  no_type.headers.pop_back();
  EXPECT_EQ(r.handle(no_type).status, 415);
  Response malformed = r.handle(post("/api/traces/query", "{\"sql\": "));
  EXPECT_EQ(malformed.status, 400);
  EXPECT_NE(body(malformed)["error"].get<std::string>().find("malformed JSON"), std::string::npos);
  EXPECT_EQ(r.handle(post("/api/traces/query", "[1]")).status, 400);
  EXPECT_EQ(r.handle(post("/api/artifacts", R"({"type": "X", "payload": {}})")).status, 409);  // no blackboard
  EXPECT_EQ(r.handle(get("/api/nowhere")).status, 404);
  EXPECT_EQ(r.handle(post("/api/traces", "{}")).status, 405);
}

TEST_F(ServerTest, StatsAndClear) {
  write_store();
  auto r = router();
  Json stats = body(r.handle(get("/api/traces/stats")));
  EXPECT_EQ(stats["total_spans"], 3);
  EXPECT_EQ(stats["total_traces"], 2);
  EXPECT_GT(stats["database_size_mb"].get<double>(), 0);
  Json wf = body(r.handle(get("/api/workflows/stats")))["workflows"];
  ASSERT_EQ(wf.size(), 1u);
  EXPECT_EQ(wf[0]["runs"], 1);
  EXPECT_EQ(wf[0]["errors"], 1);
  EXPECT_DOUBLE_EQ(wf[0]["max_ms"].get<double>(), 50.0);
  Json cleared = body(r.handle(post("/api/traces/clear", "{}")));
  EXPECT_TRUE(cleared["success"].get<bool>());
  EXPECT_EQ(cleared["deleted_count"], 3);
  EXPECT_EQ(body(r.handle(get("/api/traces")))["total"], 0);
}

TEST_F(ServerTest, MissingStoreReadsAsEmpty) {
  auto r = router();
  EXPECT_EQ(body(r.handle(get("/api/traces")))["total"], 0);
  EXPECT_EQ(body(r.handle(get("/api/traces/stats")))["total_spans"], 0);
  EXPECT_EQ(r.handle(get("/api/traces/" + std::string(32, 'a'))).status, 404);
}

// The writer and readers of one file in one process share a DuckDB
// instance: reads never fail on the file lock and see what was flushed.
TEST_F(ServerTest, ReadersShareTheWritersInstance) {
  auto exporter = detail::make_store_span_exporter(path_, TraceConfig{});
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      TraceStoreReader q(path_);
      while (!stop.load()) {
        try {
          (void)q.list_traces(TraceFilter{});
          (void)q.stats();
          ++reads;
        } catch (const std::exception& e) {
          ++failures;
          ADD_FAILURE() << e.what();
        }
      }
    });
  }
  std::int64_t written = 0;
  for (int batch = 0; batch < 40; ++batch) {
    std::vector<SpanData> spans(25);
    for (auto& s : spans) {
      ++written;
      s.trace_id[0] = static_cast<std::uint8_t>(batch + 1);
      s.span_id[0] = static_cast<std::uint8_t>(written & 0xff);
      s.span_id[1] = static_cast<std::uint8_t>(written >> 8);
      s.name = "Agent.execute";
      s.start_ns = 1'000'000'000 + written;
      s.end_ns = s.start_ns + 10;
    }
    EXPECT_EQ(exporter->export_batch(spans), ExportResult::Success);  // not ASSERT: the readers are joined below
  }
  while (reads.load() < 4 && failures.load() == 0) std::this_thread::yield();
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(TraceStoreReader(path_).stats()["total_spans"], written);
  EXPECT_EQ(TraceStoreReader(path_).list_traces(TraceFilter{})["total"], 40);
}

// One rule decides what is loopback, for the bind address and for Host.
TEST(Loopback, NumericLoopbackNamesOnly) {
  for (const char* yes : {"127.0.0.1", "127.0.0.1:8344", "127.1.2.3", "localhost", "localhost:80", "::1", "[::1]:8344"})
    EXPECT_TRUE(detail::is_loopback_host(yes)) << yes;
  for (const char* no : {"0.0.0.0", "10.0.0.1", "127.0.0.1.evil.example", "127.attacker.example:80", "[::2]:80",
                         "127.0.0.256", "localhost.evil"})
    EXPECT_FALSE(detail::is_loopback_host(no)) << no;
}

// Host is parsed whole: an IP-literal or a name, then at most ":digits".
// What follows a loopback prefix makes it another host.
TEST(Loopback, HostHeaderIsParsedStrictly) {
  for (const char* yes : {"[::1]", "[::1]:1", "LOCALHOST:65535", "127.0.0.1:08344"})
    EXPECT_TRUE(detail::is_loopback_host(yes)) << yes;
  for (const char* no : {"[::1].evil.example", "[::1]evil", "[::1]:80.evil.example", "[::1]:", "[::1",
                         "127.0.0.1:8344@evil.example", "127.0.0.1:@evil.example", "localhost:80:80",
                         "localhost:", "localhost:123456", "localhost:80x", "localhost@evil.example",
                         "127.0.0.1 evil.example", "", ":80", "[]:80"})
    EXPECT_FALSE(detail::is_loopback_host(no)) << no;
}

#include <gtest/gtest.h>

#include <cstdlib>

#include <flock/trace_config.hpp>

namespace {
// Sets variables for one test and removes them afterwards.
class Env {
 public:
  Env(std::initializer_list<std::pair<const char*, const char*>> vars) {
    for (auto [k, v] : vars) {
      setenv(k, v, 1);
      names_.push_back(k);
    }
  }
  ~Env() {
    for (auto* k : names_) unsetenv(k);
  }

 private:
  std::vector<const char*> names_;
};
}  // namespace

TEST(TraceConfig, DefaultsAsApiMdSays) {
  auto c = flockcpp::TraceConfig::from_env();
  EXPECT_TRUE(c.auto_trace);
  EXPECT_FALSE(c.trace_file);
  EXPECT_EQ(c.trace_file_path, ".flock/traces.duckdb");
  EXPECT_FALSE(c.auto_workflow_trace);
  EXPECT_FALSE(c.ttl_days.has_value());
  EXPECT_FALSE(c.sdk_disabled);
}

TEST(TraceConfig, ReadsEveryVariable) {
  Env env{{"FLOCK_AUTO_TRACE", "false"},
          {"FLOCK_TRACE_FILE", "TRUE"},
          {"FLOCK_TRACE_SERVICES", R"(["Flock", "AGENT"])"},
          {"FLOCK_TRACE_IGNORE", R"(["Flock.shutdown"])"},
          {"FLOCK_TRACE_TTL_DAYS", "2.5"},
          {"FLOCK_AUTO_WORKFLOW_TRACE", "1"},
          {"OTEL_SERVICE_NAME", "pizzeria"},
          {"OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=prod,team=a%20b"},
          {"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "100"}};
  auto c = flockcpp::TraceConfig::from_env();
  EXPECT_FALSE(c.auto_trace);
  EXPECT_TRUE(c.trace_file);
  EXPECT_EQ(c.services, (std::vector<std::string>{"flock", "agent"}));
  EXPECT_EQ(c.ignore, (std::vector<std::string>{"Flock.shutdown"}));
  EXPECT_DOUBLE_EQ(c.ttl_days.value(), 2.5);
  EXPECT_TRUE(c.auto_workflow_trace);
  EXPECT_EQ(c.service_name, "pizzeria");
  ASSERT_EQ(c.resource_attributes.size(), 2u);
  EXPECT_EQ(std::get<std::string>(c.resource_attributes[1].second), "a b");
  EXPECT_EQ(c.limits.attribute_value_length, 100u);
}

TEST(TraceConfig, BadValuesWarnNamingTheVariableAndKeepDefaults) {
  Env env{{"FLOCK_AUTO_TRACE", "maybe"},
          {"FLOCK_TRACE_TTL_DAYS", "abc"},
          {"FLOCK_TRACE_SERVICES", "flock,agent"},
          {"OTEL_SDK_DISABLED", "yes please"},
          {"OTEL_RESOURCE_ATTRIBUTES", "novalue"}};
  testing::internal::CaptureStderr();
  auto c = flockcpp::TraceConfig::from_env();
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(c.auto_trace);
  EXPECT_FALSE(c.ttl_days.has_value());
  EXPECT_TRUE(c.services.empty());
  EXPECT_FALSE(c.sdk_disabled);
  EXPECT_TRUE(c.resource_attributes.empty());
  for (const char* var : {"FLOCK_AUTO_TRACE", "FLOCK_TRACE_TTL_DAYS", "FLOCK_TRACE_SERVICES", "OTEL_SDK_DISABLED",
                          "OTEL_RESOURCE_ATTRIBUTES"}) {
    EXPECT_NE(err.find(var), std::string::npos) << var << " not named in: " << err;
  }
}

TEST(TraceConfig, OnlyTrueDisablesTheSdk) {
  {
    Env env{{"OTEL_SDK_DISABLED", "True"}};
    EXPECT_TRUE(flockcpp::TraceConfig::from_env().sdk_disabled);
  }
  {
    Env env{{"OTEL_SDK_DISABLED", "false"}};
    EXPECT_FALSE(flockcpp::TraceConfig::from_env().sdk_disabled);
  }
}

// Values past a variable's range, or past the integer type behind it, are a
// warning naming the variable and the default: never an overflow.
TEST(TraceConfig, OutOfRangeValuesKeepDefaults) {
  const flockcpp::TraceConfig defaults;
  Env env{{"FLOCK_TRACE_QUEUE_SIZE", "4294967296"},
          {"FLOCK_TRACE_FLUSH_MS", "18446744073709551615"},
          {"FLOCK_TRACE_TTL_DAYS", "1e300"},
          {"FLOCK_TRACE_MAX_QUEUE_BYTES", "99999999999999999999999"},
          {"FLOCK_TRACE_EXIT_GRACE_MS", "-5"},
          {"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "4294967296"},
          {"OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "4294967295"},
          {"OTEL_SPAN_EVENT_COUNT_LIMIT", "1e3"},
          {"OTEL_BSP_SCHEDULE_DELAY", "18446744073709551615"},
          {"OTEL_EXPORTER_OTLP_TIMEOUT", "99999999999"},
          {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"}};
  testing::internal::CaptureStderr();
  auto c = flockcpp::TraceConfig::from_env();
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(c.thread_queue_capacity, defaults.thread_queue_capacity);
  EXPECT_EQ(c.flush_interval, defaults.flush_interval);
  EXPECT_FALSE(c.ttl_days.has_value());
  EXPECT_EQ(c.max_pending_bytes, defaults.max_pending_bytes);
  EXPECT_EQ(c.exit_grace, defaults.exit_grace);
  EXPECT_EQ(c.limits.attribute_count, defaults.limits.attribute_count);
  EXPECT_EQ(c.limits.attribute_value_length, defaults.limits.attribute_value_length);
  EXPECT_EQ(c.limits.event_count, defaults.limits.event_count);
  ASSERT_TRUE(c.otlp.has_value());
  EXPECT_EQ(c.otlp->schedule_delay, flockcpp::OtlpExporterOptions{}.schedule_delay);
  EXPECT_EQ(c.otlp->timeout, flockcpp::OtlpExporterOptions{}.timeout);
  for (const char* name : {"FLOCK_TRACE_QUEUE_SIZE", "FLOCK_TRACE_FLUSH_MS", "FLOCK_TRACE_TTL_DAYS",
                           "FLOCK_TRACE_MAX_QUEUE_BYTES", "FLOCK_TRACE_EXIT_GRACE_MS", "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
                           "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_SPAN_EVENT_COUNT_LIMIT",
                           "OTEL_BSP_SCHEDULE_DELAY", "OTEL_EXPORTER_OTLP_TIMEOUT"}) {
    EXPECT_NE(err.find(name), std::string::npos) << name << " not named in:\n" << err;
  }
}

TEST(TraceConfig, InRangeValuesAreTaken) {
  Env env{{"FLOCK_TRACE_QUEUE_SIZE", "1048576"},
          {"FLOCK_TRACE_FLUSH_MS", "60000"},
          {"FLOCK_TRACE_TTL_DAYS", "36500"},
          {"FLOCK_TRACE_MAX_QUEUE_BYTES", "1048576"},
          {"FLOCK_TRACE_EXIT_GRACE_MS", "0"}};
  auto c = flockcpp::TraceConfig::from_env();
  EXPECT_EQ(c.thread_queue_capacity, 1048576u);
  EXPECT_EQ(c.flush_interval.count(), 60000);
  EXPECT_EQ(c.ttl_days, 36500.0);
  EXPECT_EQ(c.max_pending_bytes, 1048576u);
  EXPECT_EQ(c.exit_grace.count(), 0);
}

// FLOCK_TRACE_STORE (docs/configuration.md, "Where spans are stored").
namespace {
void expect_same_store(const flockcpp::TraceConfig& a, const flockcpp::TraceConfig& b) {
  EXPECT_EQ(a.trace_file, b.trace_file);
  EXPECT_EQ(a.trace_file_path, b.trace_file_path);
}
}  // namespace

TEST(TraceConfig, TraceStoreDuckDbIsTheFileAndPath) {
  flockcpp::TraceConfig by_file;
  {
    Env env{{"FLOCK_TRACE_FILE", "true"}, {"FLOCK_TRACE_PATH", "/tmp/x/t.duckdb"}};
    by_file = flockcpp::TraceConfig::from_env();
  }
  testing::internal::CaptureStderr();
  flockcpp::TraceConfig by_store;
  {
    Env env{{"FLOCK_TRACE_STORE", "duckdb:/tmp/x/t.duckdb"}};
    by_store = flockcpp::TraceConfig::from_env();
  }
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  EXPECT_TRUE(by_store.trace_file);
  expect_same_store(by_store, by_file);
  // A plain path is the same too.
  Env env{{"FLOCK_TRACE_STORE", "/tmp/x/t.duckdb"}};
  expect_same_store(flockcpp::TraceConfig::from_env(), by_file);
}

TEST(TraceConfig, TraceStoreWinsOverTraceFileAndPath) {
  Env env{{"FLOCK_TRACE_FILE", "false"}, {"FLOCK_TRACE_PATH", "other.duckdb"}, {"FLOCK_TRACE_STORE", "duckdb:my:t.duckdb"}};
  auto c = flockcpp::TraceConfig::from_env();
  EXPECT_TRUE(c.trace_file);
  EXPECT_EQ(c.trace_file_path, "my:t.duckdb");
}

TEST(TraceConfig, MalformedTraceStoreWarnsAndTheDefaultApplies) {
  for (const char* bad : {"duckdb:", "postgres://h/db", "clickhouse://:99999/db", "clickhouse://h"}) {
    {
      Env env{{"FLOCK_TRACE_STORE", bad}};
      testing::internal::CaptureStderr();
      auto c = flockcpp::TraceConfig::from_env();
      std::string err = testing::internal::GetCapturedStderr();
      EXPECT_NE(err.find("FLOCK_TRACE_STORE"), std::string::npos) << err;
      EXPECT_NE(err.find(bad), std::string::npos) << err;
      EXPECT_FALSE(c.trace_file) << bad;
      EXPECT_EQ(c.trace_file_path, ".flock/traces.duckdb") << bad;
    }
    // The default is FLOCK_TRACE_FILE / FLOCK_TRACE_PATH.
    Env env{{"FLOCK_TRACE_STORE", bad}, {"FLOCK_TRACE_FILE", "true"}, {"FLOCK_TRACE_PATH", "p.duckdb"}};
    testing::internal::CaptureStderr();
    auto c = flockcpp::TraceConfig::from_env();
    testing::internal::GetCapturedStderr();
    EXPECT_TRUE(c.trace_file) << bad;
    EXPECT_EQ(c.trace_file_path, "p.duckdb") << bad;
  }
}

TEST(TraceConfig, ClickHouseTraceStoreIsRefusedAndNoFileIsWritten) {
  Env env{{"FLOCK_TRACE_STORE", "clickhouse://127.0.0.1:8123/flock"}, {"FLOCK_TRACE_FILE", "true"}};
  testing::internal::CaptureStderr();
  auto c = flockcpp::TraceConfig::from_env();
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("FLOCK_TRACE_STORE"), std::string::npos) << err;
  EXPECT_NE(err.find("ClickHouse storage is not available in this build yet"), std::string::npos) << err;
  EXPECT_FALSE(c.trace_file);
}

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
  auto c = flock::TraceConfig::from_env();
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
  auto c = flock::TraceConfig::from_env();
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
  auto c = flock::TraceConfig::from_env();
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
    EXPECT_TRUE(flock::TraceConfig::from_env().sdk_disabled);
  }
  {
    Env env{{"OTEL_SDK_DISABLED", "false"}};
    EXPECT_FALSE(flock::TraceConfig::from_env().sdk_disabled);
  }
}

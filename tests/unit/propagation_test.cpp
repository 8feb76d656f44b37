#include <gtest/gtest.h>

#include <flock/flock.hpp>

using namespace flockcpp;

TEST(TraceParent, ParsesAndFormatsTheSpecExample) {
  auto ctx = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  ASSERT_TRUE(ctx.has_value());
  EXPECT_EQ(to_hex(ctx->trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(to_hex(ctx->span_id), "00f067aa0ba902b7");
  EXPECT_TRUE(ctx->sampled);
  EXPECT_TRUE(ctx->remote);
  EXPECT_EQ(format_traceparent(*ctx), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  EXPECT_EQ(format_tracestate(*ctx), "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  auto unsampled = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  ASSERT_TRUE(unsampled.has_value());
  EXPECT_FALSE(unsampled->sampled);
  EXPECT_EQ(format_traceparent(*unsampled).substr(53), "00");
}

TEST(TraceParent, IgnoresWhatTheSpecSaysToIgnore) {
  for (const char* bad : {
           "",
           "garbage",
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",     // version ff
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",     // uppercase
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",     // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",     // zero span id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xx",  // extra field in version 00
           "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",      // short trace id
           "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",     // wrong separators
           "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",    // later version, no '-' after flags
       }) {
    EXPECT_FALSE(parse_traceparent(bad).has_value()) << bad;
  }
  // A later version may append fields after a '-'.
  EXPECT_TRUE(parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-holds").has_value());
}

TEST(TraceState, MalformedIsDroppedButTheParentStays) {
  for (const char* bad : {"noequals", "UPPER=1", "a=1,a=2", "k=va,lue=", "k=v\x01", "=v"}) {
    auto ctx = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", bad);
    ASSERT_TRUE(ctx.has_value()) << bad;
    EXPECT_EQ(ctx->trace_state, nullptr) << bad;
  }
  auto ok = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", " a=1 ,, tenant@sys=x ");
  ASSERT_TRUE(ok && ok->trace_state);
  EXPECT_EQ(*ok->trace_state, "a=1,tenant@sys=x");
}

TEST(TraceContext, InjectAndExtractThroughHeaders) {
  HttpHeaders in{{"TraceParent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}, {"tracestate", "a=1"}};
  auto remote = extract_trace_context(in);
  ASSERT_TRUE(remote.has_value());
  Flock flock;
  std::string trace;
  HttpHeaders out;
  {
    auto run = flock.traced_run("continued", *remote);
    trace = run.trace_id();
    inject_trace_context(out);
    EXPECT_EQ(out["traceparent"], "00-4bf92f3577b34da6a3ce929d0e0e4736-" + run.span_id() + "-01");
  }
  EXPECT_EQ(trace, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(out["tracestate"], "a=1");
  HttpHeaders none;
  inject_trace_context(none);
  EXPECT_TRUE(none.empty());
}

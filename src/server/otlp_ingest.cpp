#include "server/otlp_ingest.hpp"

#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>

#include "exporters/otlp/otlp_decoding.hpp"
#include "common/log.hpp"
#include "flock/error.hpp"
#include "flock/trace_config.hpp"
#include "server/http_errors.hpp"
#include "server/http_params.hpp"
#include "tracing/pipeline.hpp"

namespace flockcpp::detail {

using http::Request;
using http::Response;

namespace {

enum class Encoding { Protobuf, Json };

Encoding encoding_of(const Request& req) {
  const std::string* type = req.header("content-type");
  std::string t = type == nullptr ? std::string() : lower(*type);
  t = t.substr(0, t.find(';'));
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.pop_back();
  if (t == "application/x-protobuf") return Encoding::Protobuf;
  if (t == "application/json") return Encoding::Json;
  throw Error(ErrorCode::Unsupported,
              "send OTLP traces as Content-Type: application/x-protobuf or application/json" +
                  (t.empty() ? std::string() : " (not " + t + ")"));
}

// gzip (or zlib) inflated with a bound on the output: a small body that
// would inflate to gigabytes is refused before it does.
std::string inflate_bounded(const std::string& body) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) throw Error(ErrorCode::Internal, "zlib could not start");
  std::string out;
  // A gzip member ends with its inflated size (mod 2^32): room for that,
  // within the bound, at once, not the double that growing by appends
  // leaves behind. Only a hint: a wrong one costs an append's growth.
  if (body.size() >= 18 && static_cast<unsigned char>(body[0]) == 0x1f && static_cast<unsigned char>(body[1]) == 0x8b) {
    std::size_t size = 0;
    for (int i = 1; i <= 4; ++i) size = size << 8 | static_cast<unsigned char>(body[body.size() - static_cast<std::size_t>(i)]);
    out.reserve(std::min(size, kMaxInflatedOtlpBytes));
  }
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  zs.avail_in = static_cast<uInt>(body.size());
  int rc = Z_OK;
  char buf[64 * 1024];
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      throw Error(ErrorCode::InvalidArgument, "the body is not valid gzip");
    }
    const std::size_t produced = sizeof buf - zs.avail_out;
    if (out.size() + produced > kMaxInflatedOtlpBytes) {  // refused before it grows past the bound
      inflateEnd(&zs);
      throw Error(ErrorCode::TooLarge, "the gzip body inflates to more than " +
                                           std::to_string(kMaxInflatedOtlpBytes >> 20) + " MiB");
    }
    out.append(buf, produced);
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      throw Error(ErrorCode::InvalidArgument, "the gzip body ends early");
    }
  }
  inflateEnd(&zs);
  return out;
}

// The body as sent, or inflated into `inflated` (no copy of a plain one).
std::string_view body_of(const Request& req, std::string& inflated) {
  const std::string* enc = req.header("content-encoding");
  std::string e = enc == nullptr ? std::string() : lower(*enc);
  if (e.empty() || e == "identity") return req.body;
  if (e == "gzip") return inflated = inflate_bounded(req.body);
  throw Error(ErrorCode::Unsupported, "Content-Encoding " + e + " is not supported (gzip or none)");
}

// OTLP/HTTP answers in the request's own encoding; errors carry a
// google.rpc.Status for protobuf requests.
Response answer(Encoding enc, int status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = enc == Encoding::Protobuf ? "application/x-protobuf" : "application/json";
  r.body = std::move(body);
  return r;
}

int grpc_code(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidArgument: return 3;   // INVALID_ARGUMENT
    case ErrorCode::TooLarge: return 8;          // RESOURCE_EXHAUSTED
    case ErrorCode::Unavailable: return 14;      // UNAVAILABLE
    case ErrorCode::Unsupported: return 12;      // UNIMPLEMENTED
    default: return 13;                          // INTERNAL
  }
}

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec1, ec2;
  return std::filesystem::weakly_canonical(a, ec1) == std::filesystem::weakly_canonical(b, ec2) && !ec1 && !ec2;
}

void ensure_pipeline_writes(const std::string& store) {
  static std::mutex mu;
  static std::string settled;  // the store already checked
  std::lock_guard lock(mu);
  if (settled == store) return;
  settled = store;
  TraceConfig c = tracing::current_config();
  if (c.sdk_disabled) return;  // ingest answers 503
  if (c.trace_file) {
    if (!same_file(c.trace_file_path, store)) {
      logf(LogLevel::Warning, "OTLP spans received here are written to %s, the trace file of this process, not to %s",
           c.trace_file_path.c_str(), store.c_str());
    }
    return;
  }
  c.trace_file = true;
  c.trace_file_path = store;
  tracing::configure(std::move(c));
}

}  // namespace

Response receive_otlp_traces(const Request& req, const std::string* served_file) {
  const Encoding enc = encoding_of(req);  // 415 in JSON: the client's encoding is unknown
  try {
    if (served_file != nullptr) ensure_pipeline_writes(*served_file);
    std::string inflated;
    std::string_view body = body_of(req, inflated);
    // A request over the queue's own bounds could never be taken: 413
    // before its spans are built, where 503 would have it retried forever.
    const TraceConfig config = tracing::current_config();
    const OtlpRequestBounds bounds{config.max_pending_spans, config.max_pending_bytes};
    ReceivedSpans got = enc == Encoding::Protobuf ? decode_otlp_protobuf(body, bounds) : decode_otlp_json(body, bounds);
    if (!got.spans.empty() && !ingest_spans(std::move(got.spans))) {
      throw Error(ErrorCode::Unavailable, "the trace queue is full or tracing is off in this process; retry later");
    }
    std::string why = got.rejected > 0 ? std::to_string(got.rejected) + " span(s) rejected: " + got.first_rejection
                                       : std::string();
    return answer(enc, 200,
                  enc == Encoding::Protobuf ? encode_export_response_protobuf(got.rejected, why)
                                            : encode_export_response_json(got.rejected, why));
  } catch (const Error& e) {
    if (enc == Encoding::Json) return error_response(e);
    Response r = error_response(e);
    r.content_type = "application/x-protobuf";
    r.body = encode_rpc_status_protobuf(grpc_code(e.code()), e.what());
    return r;
  }
}

}  // namespace flockcpp::detail

#include "server/static_files.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace flockcpp::detail {

namespace fs = std::filesystem;

namespace {

const char* content_type(const fs::path& p) {
  std::string ext = p.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json" || ext == ".map") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

std::optional<std::string> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  if (!in.good() && !in.eof()) return std::nullopt;
  return ss.str();
}

bool has_index(const fs::path& dir) {
  std::error_code ec;
  return !dir.empty() && fs::is_regular_file(dir / "index.html", ec);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// True when `inner` is `root` or below it (both canonical).
bool is_within(const fs::path& root, const fs::path& inner) {
  auto r = root.begin();
  auto i = inner.begin();
  for (; r != root.end(); ++r, ++i) {
    if (i == inner.end() || *r != *i) return false;
  }
  return true;
}

}  // namespace

std::optional<std::string> safe_relative_path(std::string_view raw_path) {
  if (raw_path.empty() || raw_path[0] != '/') return std::nullopt;
  std::string decoded;
  decoded.reserve(raw_path.size());
  for (std::size_t i = 0; i < raw_path.size(); ++i) {
    char c = raw_path[i];
    if (c == '%') {
      int hi = i + 2 < raw_path.size() ? hex_digit(raw_path[i + 1]) : -1;
      int lo = hi >= 0 ? hex_digit(raw_path[i + 2]) : -1;
      if (lo < 0) return std::nullopt;  // a lone '%' is not a path we made
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    decoded.push_back(c);
  }
  for (unsigned char c : decoded) {
    if (c < 0x20 || c == 0x7f || c == '\\' || c == '%') return std::nullopt;
  }
  if (decoded == "/") return std::string("index.html");
  // Segment by segment: "//etc" (absolute once the leading slash is gone),
  // "a//b", "." and ".." are all refused rather than normalised away.
  std::string rel = decoded.substr(1);
  std::size_t start = 0;
  for (;;) {
    std::size_t slash = rel.find('/', start);
    std::string_view seg(rel.data() + start, (slash == std::string::npos ? rel.size() : slash) - start);
    if (seg.empty() || seg == "." || seg == "..") return std::nullopt;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return rel;
}

StaticFiles::StaticFiles(std::string root) : root_(std::move(root)) {
  std::error_code ec;
  fs::path c = fs::canonical(root_, ec);
  if (!ec) canonical_ = c.string();
}

std::optional<http::Response> StaticFiles::serve(std::string_view raw_path) const {
  if (canonical_.empty()) return std::nullopt;
  auto rel = safe_relative_path(raw_path);
  if (!rel) return std::nullopt;
  // Resolve symbolic links and check the result is still inside the root.
  std::error_code ec;
  fs::path file = fs::canonical(fs::path(canonical_) / *rel, ec);
  if (ec || !is_within(fs::path(canonical_), file) || !fs::is_regular_file(file, ec)) return std::nullopt;
  auto body = read_file(file);
  if (!body) return std::nullopt;
  http::Response res;
  res.content_type = content_type(file);
  res.body = std::move(*body);
  bool hashed = rel->rfind("assets/", 0) == 0;
  res.headers.emplace_back("Cache-Control", hashed ? "public, max-age=31536000, immutable" : "no-cache");
  return res;
}

std::string find_web_root(const std::string& configured) {
  if (!configured.empty()) return configured;
  if (const char* env = std::getenv("FLOCK_WEB_ROOT"); env != nullptr && *env != '\0') return env;
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&find_web_root), &info) != 0 && info.dli_fname != nullptr) {
    std::error_code ec;
    fs::path lib = fs::weakly_canonical(fs::path(info.dli_fname), ec);
    fs::path installed = lib.parent_path().parent_path() / "share" / "flock" / "web";
    if (has_index(installed)) return installed.string();
  }
#ifdef FLOCK_BUILD_WEB_DIR
  if (has_index(FLOCK_BUILD_WEB_DIR)) return FLOCK_BUILD_WEB_DIR;
#endif
  return {};
}

}  // namespace flockcpp::detail

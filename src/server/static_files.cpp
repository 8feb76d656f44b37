#include "server/static_files.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace flock::detail {

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
  return ss.str();
}

bool has_index(const fs::path& dir) {
  std::error_code ec;
  return !dir.empty() && fs::is_regular_file(dir / "index.html", ec);
}

}  // namespace

std::optional<flock_http::Response> StaticFiles::serve(const std::string& path) const {
  if (root_.empty() || path.empty() || path[0] != '/') return std::nullopt;
  // No way out of the root: reject any dot-dot segment outright.
  fs::path rel = fs::path(path.substr(1)).lexically_normal();
  for (const auto& part : rel) {
    if (part == "..") return std::nullopt;
  }
  fs::path file = fs::path(root_) / rel;
  std::error_code ec;
  bool is_asset = fs::is_regular_file(file, ec);
  if (!is_asset) {
    // Client-side routes fall back to the app; a missing file with an
    // extension is a real 404.
    if (rel.has_extension()) return std::nullopt;
    file = fs::path(root_) / "index.html";
  }
  auto body = read_file(file);
  if (!body) return std::nullopt;
  flock_http::Response res;
  res.content_type = content_type(file);
  res.body = std::move(*body);
  bool hashed = path.rfind("/assets/", 0) == 0;
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

}  // namespace flock::detail

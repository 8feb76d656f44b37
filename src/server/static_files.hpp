// The dashboard's built files (web/ built by Vite), served from a folder
// with single-page-app fallback to index.html.
#pragma once
#include <optional>
#include <string>

#include "server/http_transport.hpp"

namespace flock::detail {

class StaticFiles {
 public:
  explicit StaticFiles(std::string root) : root_(std::move(root)) {}
  const std::string& root() const { return root_; }
  // nullopt: not a dashboard path (the caller answers 404).
  std::optional<flock_http::Response> serve(const std::string& path) const;

 private:
  std::string root_;
};

// Where the dashboard files are: FLOCK_WEB_ROOT, then the install tree beside
// libflock (<prefix>/share/flock/web), then this build's tree. Empty when none
// holds an index.html.
std::string find_web_root(const std::string& configured);

}  // namespace flock::detail

// The dashboard's built files (web/ built by Vite), served from one folder
// and nothing outside it.
//
// A request path is decoded once and refused (404) when it holds a NUL, a
// control character, a backslash, a '%' left after decoding (double
// encoding), an empty, "." or ".." segment, or when the file it names
// resolves, symbolic links included, outside the folder.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "server/http_transport.hpp"

namespace flockcpp::detail {

// The file a request path names, relative to the web root, or nullopt when
// the path is one of the refused forms above. "/" is "index.html".
std::optional<std::string> safe_relative_path(std::string_view raw_path);

class StaticFiles {
 public:
  explicit StaticFiles(std::string root);
  const std::string& root() const { return root_; }
  // nullopt: not a dashboard file (the caller answers 404). `raw_path` is
  // the request target's path as received, still percent-encoded.
  std::optional<http::Response> serve(std::string_view raw_path) const;

 private:
  std::string root_;       // as configured
  std::string canonical_;  // symbolic links resolved; empty when it does not exist
};

// Where the dashboard files are: FLOCK_WEB_ROOT, then the install tree beside
// libflock (<prefix>/share/flock/web), then this build's tree. Empty when none
// holds an index.html.
std::string find_web_root(const std::string& configured);

}  // namespace flockcpp::detail

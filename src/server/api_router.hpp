// Request in, answer out: the guard first (Host, origin, preflight), then
// the dashboard's static files or the API's route table (with the token),
// and every Error mapped to its status in one place (http_errors.hpp).
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "flock/server.hpp"
#include "server/api_handlers.hpp"
#include "server/event_hub.hpp"
#include "server/http_transport.hpp"
#include "server/request_guard.hpp"
#include "server/static_files.hpp"

namespace flockcpp::detail {

class ApiRouter {
 public:
  // flock may be null (a trace file alone).
  ApiRouter(Flock* flock, std::shared_ptr<const TraceStore> store, ServeOptions options, std::string token, EventHub& events,
            std::unique_ptr<StaticFiles> files, bool loopback);
  http::Response handle(const http::Request& req) const;

 private:
  using Handler = std::function<http::Response(const http::Request&)>;
  struct Route {
    std::string method;  // GET also answers HEAD
    std::string path;
    Handler handler;
  };

  http::Response route(const http::Request& req) const;
  http::Response static_file(const http::Request& req) const;

  RequestGuard guard_;
  std::string served_file_;  // the trace file served alone (no agents here), else empty
  ApiHandlers handlers_;
  std::unique_ptr<StaticFiles> files_;
  bool dashboard_;
  std::vector<Route> routes_;
};

}  // namespace flockcpp::detail

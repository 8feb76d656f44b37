#include "http_get.hpp"

#include <httplib.h>

namespace flock_bench {

std::string http_get(int port, const std::string& path, int& status) {
  // One client per thread, kept alive between requests like a browser's.
  thread_local std::unique_ptr<httplib::Client> client;
  thread_local int client_port = 0;
  if (!client || client_port != port) {
    client = std::make_unique<httplib::Client>("127.0.0.1", port);
    client->set_keep_alive(true);
    client->set_tcp_nodelay(true);
    client->set_read_timeout(120, 0);
    client_port = port;
  }
  auto res = client->Get(path.c_str());
  if (!res) {
    status = -1;
    return {};
  }
  status = res->status;
  return res->body;
}

}  // namespace flock_bench

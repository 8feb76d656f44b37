// A plain HTTP GET on loopback, in its own translation unit: cpp-httplib's
// <fcntl.h> declares `struct flock`, which clashes with namespace flockcpp.
#pragma once
#include <string>

namespace flock_bench {
// Body of GET http://127.0.0.1:port/path; status set to the HTTP status (-1 on a transport error).
std::string http_get(int port, const std::string& path, int& status);
}  // namespace flock_bench

#include "tracing/demangle.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <exception>
#include <memory>

namespace flockcpp::detail {

std::string demangle(const char* mangled) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> out(abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
  return status == 0 && out ? std::string(out.get()) : std::string(mangled);
}

std::string exception_type_name(const std::exception& e) { return demangle(typeid(e).name()); }

}  // namespace flockcpp::detail

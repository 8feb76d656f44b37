#pragma once
#include <string>
#include <typeinfo>

namespace flockcpp::detail {
// "ns::Foo<int>" for a mangled name.
std::string demangle(const char* mangled);
// The dynamic type of an exception, demangled ("std::runtime_error").
std::string exception_type_name(const std::exception& e);
}  // namespace flockcpp::detail

// check.h — error reporting for the whole project.
// SYN_CHECK(cond, parts...) throws syn::Error("file:line: parts...") when cond is false, so every
// failure names where it happened and (by convention) the shapes or file involved.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace syn {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <class... Parts>
std::string str_cat(const Parts&... parts) {
  std::ostringstream os;
  (os << ... << parts);
  return os.str();
}

template <class... Parts>
[[noreturn]] void fail(const char* file, int line, const Parts&... parts) {
  throw Error(str_cat(file, ":", line, ": ", parts...));
}

}  // namespace syn

#define SYN_CHECK(cond, ...)                                   \
  do {                                                         \
    if (!(cond)) ::syn::fail(__FILE__, __LINE__, __VA_ARGS__); \
  } while (0)

#define SYN_FAIL(...) ::syn::fail(__FILE__, __LINE__, __VA_ARGS__)

// error_text.h — what the tests ask of an error: the message a call throws, and whether it names
// what it should (the file, the key, the shape), so bad-input tests read as one line each:
//   CHECK(contains(error_of([&] { load("x.bin"); }), "x.bin"));
#pragma once
#include <functional>
#include <string>

#include "engine/check.h"

namespace syn::test {

// The message of the syn::Error that f throws; "" when it throws none (any other exception
// propagates, so a crash of the wrong kind still fails the test).
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

inline bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace syn::test

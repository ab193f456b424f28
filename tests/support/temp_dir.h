// temp_dir.h — a fresh, uniquely named directory under the system's temp folder for one test,
// removed with everything in it when the test ends. mkdtemp makes the name unique, so suites run
// in parallel (CTest -j, several worktrees) never share or delete each other's files.
#pragma once
#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace syn::test {

struct TempDir {
  explicit TempDir(const std::string& prefix) {
    std::string d = (std::filesystem::temp_directory_path() / (prefix + "_XXXXXX")).string();
    REQUIRE(mkdtemp(d.data()) != nullptr);
    path = d;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::filesystem::path path;
};

}  // namespace syn::test

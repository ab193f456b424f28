// flag_checks.cpp — see flag_checks.h.
#include "apps/cli/flag_checks.h"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "apps/cli/app_config.h"
#include "engine/check.h"
#include "engine/io/safe_file.h"

namespace fs = std::filesystem;

namespace syn::app {
namespace {

// The message of the syn::Error a check throws, without the "file:line: " prefix that means
// nothing to a user; "" when it throws none.
template <class F>
std::string problem_of(F&& check) {
  try {
    check();
  } catch (const Error& e) {
    std::string m = e.what();
    // "path/file.cpp:123: message" -> "message"
    if (size_t colon = m.find(": "); colon != std::string::npos) {
      size_t line = m.rfind(':', colon - 1);
      if (line != std::string::npos && m.find_first_not_of("0123456789", line + 1) == colon)
        m.erase(0, colon + 2);
    }
    return m;
  }
  return "";
}

// A folder the app will create (with its parents): the nearest existing ancestor must be a
// writable folder.
void folder_problem(const std::string& key, const fs::path& dir) {
  std::error_code ec;
  fs::path up = dir.parent_path();
  while (!up.empty() && !fs::exists(up, ec)) up = up.parent_path();
  if (up.empty()) up = ".";
  SYN_CHECK(fs::is_directory(up, ec), "--", key, ": cannot create '", dir.string(), "': '",
            up.string(), "' is not a folder");
  SYN_CHECK(access(up.c_str(), W_OK) == 0, "--", key, ": cannot create '", dir.string(), "' in '",
            up.string(), "' (", std::strerror(errno), ")");
}

}  // namespace

FlagChecks& FlagChecks::int_at_least(const std::string& key, int64_t min) {
  std::string p = problem_of([&] {
    int64_t v = cfg_.get_int(key);
    SYN_CHECK(v >= min, "--", key, " must be at least ", min, ", got ", v);
  });
  if (!p.empty()) problems_.push_back(p);
  return *this;
}

FlagChecks& FlagChecks::int_in(const std::string& key, int64_t lo, int64_t hi) {
  std::string p = problem_of([&] {
    int64_t v = cfg_.get_int(key);
    SYN_CHECK(v >= lo && v <= hi, "--", key, " must be in ", lo, "..", hi, ", got ", v);
  });
  if (!p.empty()) problems_.push_back(p);
  return *this;
}

FlagChecks& FlagChecks::float_in(const std::string& key, double lo, double hi) {
  std::string p = problem_of([&] {
    double v = cfg_.get_float(key);
    SYN_CHECK(std::isfinite(v) && v >= lo && v <= hi, "--", key, " must be a number in [", lo, ", ",
              hi, "], got ", v);
  });
  if (!p.empty()) problems_.push_back(p);
  return *this;
}

FlagChecks& FlagChecks::not_blank(const std::string& key, const std::string& what) {
  std::string p = problem_of([&] {
    const std::string& v = cfg_.get_string(key);
    SYN_CHECK(v.find_first_not_of(" \t\r\n") != std::string::npos, "--", key, " (", what,
              ") is empty");
  });
  if (!p.empty()) problems_.push_back(p);
  return *this;
}

FlagChecks& FlagChecks::one_of(const std::string& key, const std::vector<std::string>& choices) {
  std::string p = problem_of([&] {
    const std::string& v = cfg_.get_string(key);
    if (v.empty()) return;
    for (const auto& c : choices)
      if (v == c) return;
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
    SYN_FAIL("--", key, " must be one of ", list, ", got '", v, "'");
  });
  if (!p.empty()) problems_.push_back(p);
  return *this;
}

FlagChecks& FlagChecks::input_file(const std::string& key, bool optional, const std::string& hint) {
  std::string p = problem_of([&] {
    const std::string& v = cfg_.get_string(key);
    if (v.empty() && optional) return;
    SYN_CHECK(!v.empty(), "--", key, " is empty: a file is needed");
    io::check_input_file(resolve_source_path(v), "--" + key);
  });
  if (!p.empty() && !hint.empty()) p += " (" + hint + ")";
  if (!p.empty()) problems_.push_back(p);
  return *this;
}

FlagChecks& FlagChecks::output_file(const std::string& key, bool app_creates_folder) {
  std::string p = problem_of([&] {
    const std::string& v = cfg_.get_string(key);
    if (v.empty()) return;
    const fs::path parent = fs::path(v).parent_path();
    std::error_code ec;
    if (app_creates_folder && !parent.empty() && !fs::exists(parent, ec)) {
      folder_problem(key, parent);
      return;
    }
    io::check_output_path(v, "--" + key);
  });
  if (!p.empty()) problems_.push_back(p);
  return *this;
}

FlagChecks& FlagChecks::output_folder(const std::string& key) {
  std::string p = problem_of([&] {
    const std::string& v = cfg_.get_string(key);
    if (v.empty()) return;
    std::error_code ec;
    fs::path dir(v);
    if (fs::exists(dir, ec)) {
      SYN_CHECK(fs::is_directory(dir, ec), "--", key, " '", v, "' exists and is not a folder");
      return;
    }
    folder_problem(key, dir);
  });
  if (!p.empty()) problems_.push_back(p);
  return *this;
}

FlagChecks& FlagChecks::attempt(const std::function<void()>& check) {
  std::string p = problem_of(check);
  if (!p.empty()) problems_.push_back(p);
  return *this;
}

FlagChecks& FlagChecks::require(bool ok, const std::string& problem) {
  if (!ok) problems_.push_back(problem);
  return *this;
}

void FlagChecks::done() const {
  if (problems_.empty()) return;
  // The apps print "<app>: error: " before the message, so it does not name the app again.
  if (problems_.size() == 1) throw Error(problems_.front());
  std::string msg = str_cat(problems_.size(), " problems with the flags of ", app_, ":");
  for (const auto& p : problems_) msg += "\n  - " + p;
  throw Error(msg);
}

}  // namespace syn::app

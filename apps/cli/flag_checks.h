// flag_checks.h — every app checks all its flags and paths before any expensive stage and reports
// every problem at once (issue 20), instead of failing on the first after minutes of work:
//
//   app::FlagChecks checks(cfg, "imagine");
//   checks.int_at_least("steps", 1).float_in("guidance_scale", 0, 100)
//         .output_file("output").input_file("weights");
//   checks.done();   // throws one syn::Error listing each problem, or returns
//
// Each check names the flag (--key), the value given and what is allowed. Path checks use
// engine/io/safe_file.h's rules: inputs must be readable regular files, outputs absent or regular
// files in an existing folder.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/config.h"

namespace syn::app {

class FlagChecks {
 public:
  FlagChecks(const Config& cfg, std::string app) : cfg_(cfg), app_(std::move(app)) {}

  FlagChecks& int_at_least(const std::string& key, int64_t min);
  FlagChecks& int_in(const std::string& key, int64_t lo, int64_t hi);
  // Finite and within [lo, hi].
  FlagChecks& float_in(const std::string& key, double lo, double hi);
  FlagChecks& not_blank(const std::string& key, const std::string& what);
  // The value, when not empty, must be one of `choices`.
  FlagChecks& one_of(const std::string& key, const std::vector<std::string>& choices);
  // The value (a path) must name a readable regular file; an empty value is allowed when
  // `optional`. Relative paths resolve like the apps' defaults (resolve_source_path). `hint`,
  // when given, follows the problem (e.g. "build it with apps/build_emoji_dataset").
  FlagChecks& input_file(const std::string& key, bool optional = false,
                         const std::string& hint = "");
  // The value, when not empty, must be a path an output may be written to; with
  // `app_creates_folder` its folder may be missing if the app can create it.
  FlagChecks& output_file(const std::string& key, bool app_creates_folder = false);
  // The value, when not empty, must be a folder or a path whose parent folder exists (the app
  // creates it); never an existing file.
  FlagChecks& output_folder(const std::string& key);
  // A check of the app's own that throws syn::Error (e.g. building a model config from the
  // flags): its message is recorded as a problem instead of ending the run.
  FlagChecks& attempt(const std::function<void()>& check);
  // A rule of the app's own: `problem` is recorded when `ok` is false.
  FlagChecks& require(bool ok, const std::string& problem);

  const std::vector<std::string>& problems() const { return problems_; }
  // Throws one syn::Error when any check failed: the problem itself, or "N problems with the
  // flags of <app>:" and one "  - problem" line each.
  void done() const;

 private:
  const Config& cfg_;
  std::string app_;
  std::vector<std::string> problems_;
};

}  // namespace syn::app

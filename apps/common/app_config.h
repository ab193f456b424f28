// app_config.h — the shared start of every app: load the YAML defaults (or --config FILE), apply
// --key value overrides, print --help, set the thread count. Returns the positional arguments.
#pragma once
#include <string>
#include <vector>

#include "engine/config.h"

namespace syn::app {

struct AppArgs {
  Config config;
  std::vector<std::string> positional;
  bool help = false;  // --help was printed; the app should exit 0
};

// `default_config` is a path relative to the source tree's config/ folder.
AppArgs parse_app_args(int argc, char** argv, const std::string& default_config,
                       const std::string& usage);

}  // namespace syn::app

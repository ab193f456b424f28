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

// A one-letter form of a config key, e.g. {"-o", "output"}: "-o out.png" means
// "--output out.png" (image-writing apps take -o as their users expect).
struct ShortFlag {
  std::string flag, key;
};

// `default_config` is a path relative to the source tree's config/ folder.
AppArgs parse_app_args(int argc, char** argv, const std::string& default_config,
                       const std::string& usage, const std::vector<ShortFlag>& short_flags = {});

// For apps that take flags only: an error "<app> takes no positional arguments, got '<first>'"
// (followed by " (<hint>)" when a hint is given) when there are any.
void require_no_positional(const AppArgs& args, const std::string& app,
                           const std::string& hint = "");

// A data or weights path from a config: an absolute path or one that exists from the working
// directory is returned as is; otherwise, when it exists under the source tree, that path (so the
// shipped defaults such as models/weights/... work from any directory); otherwise unchanged, for
// the caller's "does not exist" error.
std::string resolve_source_path(const std::string& path);

}  // namespace syn::app

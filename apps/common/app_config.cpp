// app_config.cpp — see app_config.h.
#include "apps/common/app_config.h"

#include "engine/check.h"

#include <cstring>
#include <filesystem>
#include <iostream>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace syn::app {

AppArgs parse_app_args(int argc, char** argv, const std::string& default_config,
                       const std::string& usage) {
  // --config FILE is taken out first: it decides which defaults the other flags override.
  std::string path = std::string(SYN_SOURCE_DIR) + "/config/" + default_config;
  std::vector<const char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--config") == 0) {
      SYN_CHECK(i + 1 < argc, "--config needs a file name");
      path = argv[++i];
    } else if (std::strncmp(argv[i], "--config=", 9) == 0) {
      path = argv[i] + 9;
    } else {
      rest.push_back(argv[i]);
    }
  }
  SYN_CHECK(std::filesystem::exists(path), "config file '", path, "' does not exist");
  AppArgs args;
  args.config = Config::load(path);
  args.positional = args.config.apply_overrides((int)rest.size(), rest.data());
  if (args.config.help_requested()) {
    args.config.print_help(std::cout, usage + "\n  --config FILE  YAML defaults (default: " +
                                          path + ")");
    args.help = true;
  }
  if (args.config.has("workers") && args.config.get_int("workers") > 0) {
#ifdef _OPENMP
    omp_set_num_threads((int)args.config.get_int("workers"));
#endif
  }
  return args;
}

}  // namespace syn::app

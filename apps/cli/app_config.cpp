// app_config.cpp — see app_config.h.
#include "apps/cli/app_config.h"

#include <cstring>
#include <filesystem>
#include <iostream>

#include "engine/check.h"
#include "engine/io/safe_file.h"
#include "engine/thread_pool.h"

namespace syn::app {

AppArgs parse_app_args(int argc, char** argv, const std::string& default_config,
                       const std::string& usage, const std::vector<ShortFlag>& short_flags) {
  // --config FILE is taken out first: it decides which defaults the other flags override.
  // Short flags become their --key form before the overrides are parsed.
  std::string path = std::string(SYN_SOURCE_DIR) + "/config/" + default_config;
  std::vector<std::string> long_forms;  // owns the rewritten "--key" strings
  long_forms.reserve((size_t)argc);     // at most one per argument: no reallocation
  std::vector<const char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    const ShortFlag* short_flag = nullptr;
    for (const auto& f : short_flags)
      if (f.flag == argv[i]) short_flag = &f;
    if (short_flag) {
      SYN_CHECK(i + 1 < argc, short_flag->flag, " needs a value (it is --", short_flag->key, ")");
      long_forms.push_back("--" + short_flag->key);
      rest.push_back(long_forms.back().c_str());
    } else if (std::strcmp(argv[i], "--config") == 0) {
      SYN_CHECK(i + 1 < argc, "--config needs a file name");
      path = argv[++i];
    } else if (std::strncmp(argv[i], "--config=", 9) == 0) {
      path = argv[i] + 9;
    } else {
      rest.push_back(argv[i]);
    }
  }
  SYN_CHECK(std::filesystem::exists(path), "config file '", path, "' does not exist");
  // A FIFO, a device (/dev/zero) or a huge file is refused before it is read.
  io::check_input_file(path, "--config");
  SYN_CHECK(std::filesystem::file_size(path) <= io::kSmallFileLimit, "--config '", path,
            "' is over ", io::kSmallFileLimit, " bytes: not a config file");
  AppArgs args;
  args.config = Config::load(path);
  args.positional = args.config.apply_overrides((int)rest.size(), rest.data());
  if (args.config.help_requested()) {
    args.config.print_help(std::cout,
                           usage + "\n  --config FILE  YAML defaults (default: " + path + ")");
    args.help = true;
  }
  if (args.config.has("workers")) {
    const int64_t workers = args.config.get_int("workers");
    SYN_CHECK(workers >= 0 && workers <= 4096,
              "--workers must be 0 (all cores) or a thread count"
              " up to 4096, got ",
              workers);
  }
  if (args.config.has("workers") && args.config.get_int("workers") > 0)
    set_num_threads((int)args.config.get_int("workers"));
  return args;
}

std::string resolve_source_path(const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty() || fs::path(path).is_absolute() || fs::exists(path)) return path;
  fs::path in_tree = fs::path(SYN_SOURCE_DIR) / path;
  return fs::exists(in_tree) ? in_tree.string() : path;
}

void require_no_positional(const AppArgs& args, const std::string& app, const std::string& hint) {
  SYN_CHECK(args.positional.empty(), app, " takes no positional arguments, got '",
            args.positional.empty() ? std::string() : args.positional[0], "'",
            hint.empty() ? std::string() : " (" + hint + ")");
}

}  // namespace syn::app

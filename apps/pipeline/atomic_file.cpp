// atomic_file.cpp — see atomic_file.h.
#include "apps/pipeline/atomic_file.h"

#include <filesystem>
#include <fstream>
#include <system_error>

#include "engine/check.h"

namespace syn::app {

void write_text_atomic(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary);
    SYN_CHECK(f.good(), "cannot write '", tmp, "'");
    f << text;
    f.flush();
    SYN_CHECK(f.good(), "failed writing '", tmp, "'");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  SYN_CHECK(!ec, "cannot rename '", tmp, "' to '", path, "': ", ec.message());
}

}  // namespace syn::app

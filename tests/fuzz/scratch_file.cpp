// scratch_file.cpp — the per-process scratch files of the fuzz targets whose parser reads a path
// (audio, PNG, torch and Synesthesia checkpoints): one directory per process, so parallel
// fuzzers and CTest runs never share a file, removed when the process exits normally.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "tests/fuzz/fuzz_target.h"

namespace syn::fuzz {

namespace fs = std::filesystem;

namespace {

struct ScratchDir {
  fs::path path;
  ScratchDir() {
    const char* tmp = std::getenv("TMPDIR");
    path = fs::path(tmp && *tmp ? tmp : "/tmp") / ("syn_fuzz." + std::to_string((long)getpid()));
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

const fs::path& dir() {
  static ScratchDir d;
  return d.path;
}

}  // namespace

std::string scratch_dir() { return dir().string(); }

std::string write_scratch_file(const uint8_t* data, size_t size, const std::string& suffix) {
  const std::string path = (dir() / ("input" + suffix)).string();
  write_file(path, data, size);
  return path;
}

void write_file(const std::string& path, const uint8_t* data, size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), (std::streamsize)size);
  out.close();
  // Not a finding in the parser: the harness itself could not run.
  if (!out) throw std::runtime_error("fuzz harness: cannot write the scratch file " + path);
}

}  // namespace syn::fuzz

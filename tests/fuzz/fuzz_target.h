// fuzz_target.h — what every fuzz target in tests/fuzz/ shares: the libFuzzer entry point's
// declaration, the one failure mode a parser may show on bad bytes (syn::Error), and a scratch
// file for the parsers that only read from a path.
//
// A target is one file defining LLVMFuzzerTestOneInput. It is linked either with libFuzzer
// (clang, SYN_FUZZ=ON) or with mutation_driver.cpp (any compiler, the CI test). Either way an
// exception other than syn::Error escapes the entry point and is reported as a finding, as are
// crashes, sanitizer reports, oversized allocations and hangs.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace syn::fuzz {

// How many syn::Errors expect_only_syn_errors has swallowed, and the last one's message: the
// mutation driver reports which seeds were refused, so a harness that refuses everything (and so
// tests nothing) shows.
inline long rejected_count = 0;
inline std::string last_rejection;

// Runs `parse`; a syn::Error (the documented answer to malformed input) is swallowed, every
// other exception propagates.
template <class F>
void expect_only_syn_errors(F&& parse) {
  try {
    parse();
  } catch (const syn::Error& e) {
    ++rejected_count;
    last_rejection = e.what();
  }
}

// Writes the bytes to this process's scratch file with the given suffix (".wav", ".pt", ...)
// and returns its path. The same path is reused by every call in the process with that suffix.
std::string write_scratch_file(const uint8_t* data, size_t size, const std::string& suffix);
// Writes the bytes to `path` (replacing it).
void write_file(const std::string& path, const uint8_t* data, size_t size);
// This process's scratch directory (created on first use, under $TMPDIR or /tmp).
std::string scratch_dir();

}  // namespace syn::fuzz

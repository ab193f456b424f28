// mutation_driver.cpp — runs a fuzz target without libFuzzer, for CI with any compiler: each seed
// file of a directory, then a fixed number of deterministic mutations of each (bit flips, byte
// overwrites, truncations, length-field overwrites with boundary values, chunk deletions and
// duplications), through the target's LLVMFuzzerTestOneInput.
//
//   fuzz_npy_mutation tests/fuzz/seeds/npy [--mutations 300] [--findings DIR]
//
// A finding — an exception other than syn::Error, an allocation over 1 GiB (a length field
// trusted before it was checked against the input), or an input taking over 10 s — writes the
// input to DIR/finding-<seed>-<k> (default: the working directory), prints how to replay it
// (pass that file instead of the directory) and exits 1 after the remaining inputs. A crash or
// sanitizer report ends the process; the driver first prints which seed and mutation was running
// (the same inputs come on every run: each mutation stream is seeded by the seed's file name and
// the mutation number).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_target.h"

namespace fs = std::filesystem;

namespace {

constexpr size_t kAllocationLimit = size_t(1) << 30;
constexpr double kSecondsLimit = 10.0;

// What is running, for the message of a finding that cannot return (an oversized allocation).
std::string g_current = "(no input yet)";

struct SplitMix {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  size_t below(size_t n) { return n == 0 ? 0 : (size_t)(next() % n); }
};

uint64_t hash_name(const std::string& s) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// One mutation step. Boundary values are what a length or count field turns dangerous with.
void mutate_once(std::vector<uint8_t>& b, SplitMix& rng) {
  static const uint64_t kBoundary[] = {0,          1,           0x7F,        0x80,
                                       0xFF,       0x7FFF,      0x8000,      0xFFFF,
                                       0x7FFFFFFF, 0x80000000u, 0xFFFFFFFFu, 0x7FFFFFFFFFFFFFFFull,
                                       ~0ull,      1ull << 40,  1ull << 20,  0x10000};
  if (b.empty()) {
    b.push_back((uint8_t)rng.next());
    return;
  }
  switch (rng.below(7)) {
    case 0:  // flip one bit
      b[rng.below(b.size())] ^= (uint8_t)(1u << rng.below(8));
      break;
    case 1:  // one byte to a random value
      b[rng.below(b.size())] = (uint8_t)rng.next();
      break;
    case 2:  // truncate
      b.resize(rng.below(b.size()));
      break;
    case 3:    // a 1/2/4/8-byte field, either byte order, to a boundary value
    case 4: {  // (twice as likely: length fields are where parsers go wrong)
      const size_t width = size_t(1) << rng.below(4);
      if (b.size() < width) break;
      const size_t at = rng.below(b.size() - width + 1);
      uint64_t v = kBoundary[rng.below(sizeof kBoundary / sizeof kBoundary[0])];
      if (rng.below(4) == 0) v = b.size() + rng.below(16) - 8;  // near the input's own size
      const bool big_endian = rng.below(2) == 1;
      for (size_t i = 0; i < width; ++i)
        b[at + (big_endian ? width - 1 - i : i)] = (uint8_t)(v >> (8 * i));
      break;
    }
    case 5: {  // delete a chunk
      const size_t at = rng.below(b.size());
      const size_t n = 1 + rng.below(std::min<size_t>(64, b.size() - at));
      b.erase(b.begin() + (ptrdiff_t)at, b.begin() + (ptrdiff_t)(at + n));
      break;
    }
    default: {  // duplicate a chunk somewhere else
      const size_t from = rng.below(b.size());
      const size_t n = 1 + rng.below(std::min<size_t>(64, b.size() - from));
      std::vector<uint8_t> chunk(b.begin() + (ptrdiff_t)from, b.begin() + (ptrdiff_t)(from + n));
      b.insert(b.begin() + (ptrdiff_t)rng.below(b.size() + 1), chunk.begin(), chunk.end());
      break;
    }
  }
}

std::vector<uint8_t> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
}

struct Runner {
  fs::path findings_dir = ".";
  int findings = 0;

  // Runs one input; on a finding saves it and returns false.
  bool run(const std::vector<uint8_t>& input, const std::string& label) {
    g_current = label;
    std::string problem;
    const auto start = std::chrono::steady_clock::now();
    try {
      LLVMFuzzerTestOneInput(input.data(), input.size());
    } catch (const std::exception& e) {
      problem = std::string("an exception other than syn::Error: ") + e.what();
    } catch (...) {
      problem = "an exception of unknown type";
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (problem.empty() && seconds > kSecondsLimit)
      problem =
          "took " + std::to_string(seconds) + " s (limit " + std::to_string(kSecondsLimit) + " s)";
    if (problem.empty()) return true;
    ++findings;
    const fs::path out = findings_dir / ("finding-" + label);
    std::ofstream(out, std::ios::binary)
        .write(reinterpret_cast<const char*>(input.data()), (std::streamsize)input.size());
    std::cerr << "FINDING in " << label << ": " << problem << "\n  input saved to " << out.string()
              << " (" << input.size() << " bytes; replay: pass that file as the only argument)\n";
    return false;
  }
};

// Names the input that crashed (the sanitizers print their own report before this runs).
void on_crash(int sig) {
  const char* head = "\nCRASH (signal) while running input ";
  (void)!write(2, head, std::strlen(head));
  (void)!write(2, g_current.c_str(), g_current.size());
  (void)!write(2, "\n", 1);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

}  // namespace

// Oversized allocations are findings even where they would succeed: a hostile length field must
// not make a reader ask for gigabytes before it checks the input is that long.
void* operator new(size_t n) {
  if (n > kAllocationLimit) {
    std::fprintf(stderr, "FINDING in %s: an allocation of %zu bytes (limit %zu)\n",
                 g_current.c_str(), n, kAllocationLimit);
    std::abort();
  }
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

int main(int argc, char** argv) {
  std::vector<fs::path> inputs;
  int mutations = 300;
  Runner runner;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--mutations" && i + 1 < argc) {
      mutations = std::atoi(argv[++i]);
    } else if (a == "--findings" && i + 1 < argc) {
      runner.findings_dir = argv[++i];
    } else if (fs::is_directory(a)) {
      for (const auto& e : fs::directory_iterator(a))
        if (e.is_regular_file()) inputs.push_back(e.path());
    } else if (fs::is_regular_file(a)) {
      inputs.push_back(a);
    } else {
      std::cerr << argv[0] << ": '" << a << "' is neither a seed directory, a file nor a flag\n"
                << "usage: " << argv[0]
                << " SEED_DIR_OR_FILE... [--mutations N] [--findings DIR]\n";
      return 2;
    }
  }
  if (inputs.empty()) {
    std::cerr << argv[0] << ": no seed files given (usage: " << argv[0]
              << " SEED_DIR_OR_FILE... [--mutations N] [--findings DIR])\n";
    return 2;
  }
  std::sort(inputs.begin(), inputs.end());
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) std::signal(sig, on_crash);
  const auto start = std::chrono::steady_clock::now();
  long runs = 0;
  for (const fs::path& p : inputs) {
    const std::vector<uint8_t> seed = read_file(p);
    const std::string name = p.filename().string();
    ++runs;
    const long rejected_before = syn::fuzz::rejected_count;
    if (!runner.run(seed, name)) continue;
    if (syn::fuzz::rejected_count != rejected_before)
      std::cout << "seed " << name << " is refused: " << syn::fuzz::last_rejection << "\n";
    for (int k = 0; k < mutations; ++k) {
      SplitMix rng{hash_name(name) ^ (uint64_t)k * 0x632BE59BD9B4E019ull};
      std::vector<uint8_t> b = seed;
      const size_t steps = 1 + rng.below(4);
      for (size_t s = 0; s < steps; ++s) mutate_once(b, rng);
      ++runs;
      runner.run(b, name + "-" + std::to_string(k));
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << argv[0] << ": " << inputs.size() << " seeds, " << runs << " inputs in " << seconds
            << " s, " << runner.findings << " findings\n";
  return runner.findings == 0 ? 0 : 1;
}

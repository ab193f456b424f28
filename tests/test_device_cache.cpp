// test_device_cache.cpp — the CPU cache of large blocks (engine/device.cpp): a freed large block
// is handed out again for a request of the same size class (no new system allocation), small
// blocks bypass the cache, tensors built on reused blocks hold exactly what they are given
// (zeros() really zeroes a recycled block, from_vector copies every element), and trim_cache
// returns every cached byte. Run with SYN_CPU_NO_CACHE=1 (the escape hatch) the reuse checks
// are skipped and the round-trip check still runs.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "engine/device.h"
#include "engine/tensor.h"

using namespace syn;

namespace {
bool cache_disabled() {
  const char* off = std::getenv("SYN_CPU_NO_CACHE");
  return off && off[0] == '1';
}
}  // namespace

TEST_CASE("a freed large CPU block is reused for the same size class") {
  if (cache_disabled()) return;  // the escape hatch is on: nothing is cached by design
  cpu::trim_cache();
  const int64_t n = 3 << 20;  // 12 MiB of floats
  const cpu::CacheStats s0 = cpu::cache_stats();
  const float* first = nullptr;
  {
    Tensor a = Tensor::full({n}, 7.0f);
    first = a.data();
    const cpu::CacheStats s1 = cpu::cache_stats();
    CHECK(s1.system_allocs == s0.system_allocs + 1);
    CHECK(s1.live_blocks == s0.live_blocks + 1);
    CHECK(s1.live_bytes >= s0.live_bytes + (size_t)n * 4);
  }
  const cpu::CacheStats s2 = cpu::cache_stats();
  CHECK(s2.cached_blocks == s0.cached_blocks + 1);
  CHECK(s2.live_blocks == s0.live_blocks);
  // a slightly smaller request in the same class gets the same block back
  Tensor b = Tensor::zeros({n - 1000});
  const cpu::CacheStats s3 = cpu::cache_stats();
  CHECK(b.data() == first);
  CHECK(s3.cache_hits == s2.cache_hits + 1);
  CHECK(s3.system_allocs == s2.system_allocs);
  CHECK(s3.cached_blocks == s2.cached_blocks - 1);
  // zeros() on a recycled block (it held 7s) is all zeros
  std::vector<float> v = b.to_vector();
  bool all_zero = true;
  for (float x : v) all_zero &= x == 0.0f;
  CHECK(all_zero);
  // a much larger request is a different class: a new system allocation
  Tensor c = Tensor::empty({4 * n});
  CHECK(cpu::cache_stats().system_allocs == s3.system_allocs + 1);
}

TEST_CASE("small CPU blocks bypass the cache; trim_cache empties it") {
  if (cache_disabled()) return;
  cpu::trim_cache();
  const cpu::CacheStats s0 = cpu::cache_stats();
  { Tensor small = Tensor::full({1000}, 1.0f); }
  const cpu::CacheStats s1 = cpu::cache_stats();
  CHECK(s1.system_allocs == s0.system_allocs);
  CHECK(s1.cached_blocks == 0);
  { Tensor big1 = Tensor::empty({1 << 20}), big2 = Tensor::empty({1 << 21}); }
  const cpu::CacheStats s2 = cpu::cache_stats();
  CHECK(s2.cached_blocks == 2);
  CHECK(s2.cached_bytes >= (size_t)(3 << 20) * 4);
  const size_t freed = cpu::trim_cache();
  CHECK(freed == s2.cached_bytes);
  const cpu::CacheStats s3 = cpu::cache_stats();
  CHECK(s3.cached_blocks == 0);
  CHECK(s3.cached_bytes == 0);
  CHECK(s3.system_frees == s2.system_frees + 2);
}

TEST_CASE("values round-trip through recycled blocks of many sizes") {
  // Allocate, fill, free and reallocate blocks of assorted sizes around the 1 MiB threshold and
  // the class boundaries; every tensor must read back exactly what was written into it.
  for (int round = 0; round < 3; ++round)
    for (int64_t n : {int64_t{262143}, int64_t{262144}, int64_t{262145}, int64_t{327680},
                      int64_t{393217}, int64_t{1 << 21}, int64_t{(1 << 21) + 1}}) {
      std::vector<float> src((size_t)n);
      for (int64_t i = 0; i < n; ++i) src[(size_t)i] = (float)((i * 7 + round) % 1001);
      Tensor t = Tensor::from_vector(src, {n});
      CHECK(t.to_vector() == src);
      CHECK(reinterpret_cast<uintptr_t>(t.data()) % 64 == 0);  // still 64-byte aligned
    }
}

// device.cpp — CPU allocation (with a cache of large blocks) and the device-independent dispatch
// of memory primitives.
//
// Why a CPU cache: glibc serves requests above its mmap threshold (at most 32 MiB) with a fresh
// mmap and returns them with munmap, so every large tensor is page-faulted in again, 4 KiB at a
// time: ~20-30 ms per 90 MB activation (musicnn's [10, 204, 187, 59] conv output; SampleCNN's
// first layers), often more than the op that fills it. Freed blocks of at least kCacheMinBytes
// therefore go to size-class free lists (the CUDA allocator's classes: four steps per power of
// two, at most 25% waste) and are handed out again still mapped. The cache is bounded
// (kCacheMaxBytes); a block that would exceed the bound is returned to the system. Smaller
// blocks go straight to aligned_alloc / free (malloc is fast there). SYN_CPU_NO_CACHE=1 in the
// environment turns caching off; cpu::trim_cache() empties it.
#include "engine/device.h"

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "engine/check.h"

namespace syn {

namespace {

constexpr size_t kCacheMinBytes = size_t{1} << 20;
constexpr size_t kCacheMaxBytes = size_t{2} << 30;

// Four steps per power of two (the largest power of two p <= bytes, step p/4), whole pages.
size_t cpu_class(size_t bytes) {
  size_t p = 1;
  while (p <= bytes / 2) p <<= 1;
  const size_t step = p / 4;
  const size_t cls = (bytes + step - 1) / step * step;
  return (cls + 4095) / 4096 * 4096;
}

class CpuCache {
 public:
  CpuCache() {
    const char* off = std::getenv("SYN_CPU_NO_CACHE");
    caching_ = !(off && off[0] == '1');
  }

  // Null when the request is small (the caller uses aligned_alloc).
  void* allocate(size_t bytes) {
    if (bytes < kCacheMinBytes) return nullptr;
    const size_t cls = cpu_class(bytes);
    std::lock_guard<std::mutex> lock(mu_);
    void* p = nullptr;
    auto it = free_.find(cls);
    if (it != free_.end() && !it->second.empty()) {
      p = it->second.back();
      it->second.pop_back();
      stats_.cached_bytes -= cls, stats_.cached_blocks -= 1, stats_.cache_hits += 1;
    } else {
      p = std::aligned_alloc(64, cls);
      if (p == nullptr) {  // give the cache back and try once more
        trim_locked();
        p = std::aligned_alloc(64, cls);
      }
      SYN_CHECK(p != nullptr, "out of host memory allocating ", bytes, " bytes");
      stats_.system_allocs += 1;
    }
    live_[p] = cls;
    stats_.live_bytes += cls, stats_.live_blocks += 1;
    return p;
  }

  // False when p is not a large block (the caller frees it).
  bool release(void* p) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = live_.find(p);
    if (it == live_.end()) return false;
    const size_t cls = it->second;
    live_.erase(it);
    stats_.live_bytes -= cls, stats_.live_blocks -= 1;
    if (caching_ && stats_.cached_bytes + cls <= kCacheMaxBytes) {
      free_[cls].push_back(p);
      stats_.cached_bytes += cls, stats_.cached_blocks += 1;
    } else {
      std::free(p);
      stats_.system_frees += 1;
    }
    return true;
  }

  size_t trim() {
    std::lock_guard<std::mutex> lock(mu_);
    return trim_locked();
  }

  cpu::CacheStats stats() {
    std::lock_guard<std::mutex> lock(mu_);
    return stats_;
  }

 private:
  size_t trim_locked() {
    size_t released = 0;
    for (auto& [cls, blocks] : free_) {
      for (void* p : blocks) std::free(p), released += cls, stats_.system_frees += 1;
      blocks.clear();
    }
    free_.clear();
    stats_.cached_bytes = 0, stats_.cached_blocks = 0;
    return released;
  }

  std::mutex mu_;
  bool caching_ = true;
  std::map<size_t, std::vector<void*>> free_;  // class size -> free blocks
  std::unordered_map<void*, size_t> live_;     // large block -> class size
  cpu::CacheStats stats_;
};

// Never destroyed: tensors in static storage may be freed after other statics are gone.
CpuCache& cpu_cache() {
  static CpuCache* c = new CpuCache();
  return *c;
}

}  // namespace

namespace cpu {
CacheStats cache_stats() { return cpu_cache().stats(); }
size_t trim_cache() { return cpu_cache().trim(); }
}  // namespace cpu

const char* device_name(Device d) { return d == Device::CPU ? "cpu" : "cuda"; }

bool cuda_available() { return cuda::available(); }

void* device_alloc(Device d, size_t bytes) {
  if (bytes == 0) bytes = 64;  // never hand out null for empty tensors
  if (d == Device::CUDA) return cuda::malloc_bytes(bytes);
  if (void* big = cpu_cache().allocate(bytes)) return big;
  size_t rounded = (bytes + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, rounded);
  SYN_CHECK(p != nullptr, "out of host memory allocating ", bytes, " bytes");
  return p;
}

void device_free(Device d, void* ptr) {
  if (ptr == nullptr) return;
  if (d == Device::CUDA)
    cuda::free_bytes(ptr);
  else if (!cpu_cache().release(ptr))
    std::free(ptr);
}

void device_copy(void* dst, Device dst_dev, const void* src, Device src_dev, size_t bytes) {
  if (bytes == 0) return;
  if (dst_dev == Device::CPU && src_dev == Device::CPU) {
    std::memcpy(dst, src, bytes);
  } else if (dst_dev == Device::CUDA && src_dev == Device::CPU) {
    cuda::memcpy_bytes(dst, src, bytes, 0);
  } else if (dst_dev == Device::CPU && src_dev == Device::CUDA) {
    cuda::memcpy_bytes(dst, src, bytes, 1);
  } else {
    cuda::memcpy_bytes(dst, src, bytes, 2);
  }
}

void device_fill(Device d, float* ptr, size_t count, float value) {
  if (d == Device::CUDA) {
    cuda::fill(ptr, count, value);
    return;
  }
  for (size_t i = 0; i < count; ++i) ptr[i] = value;
}

#ifndef SYN_WITH_CUDA
namespace cuda {
static const char* kNoCuda =
    "this build of Synesthesia has no CUDA support (configure on a machine with nvcc)";
void* malloc_bytes(size_t) { SYN_FAIL(kNoCuda); }
void free_bytes(void*) {}
void memcpy_bytes(void*, const void*, size_t, int) { SYN_FAIL(kNoCuda); }
void fill(float*, size_t, float) { SYN_FAIL(kNoCuda); }
bool available() { return false; }
CacheStats cache_stats() { return {}; }
size_t trim_cache() { return 0; }
size_t allocation_class(size_t bytes) { return bytes; }
}  // namespace cuda
#endif

}  // namespace syn

// device.h — where tensor memory lives, and the raw allocation / copy primitives.
// CPU memory is 64-byte aligned (one AVX-512 vector). CUDA memory is only available when the
// project was built with CUDA (SYN_WITH_CUDA); otherwise asking for it is a clear error.
#pragma once
#include <cstddef>
#include <cstdint>

namespace syn {

enum class Device : uint8_t { CPU, CUDA };

const char* device_name(Device d);

// True when this build has CUDA and a usable GPU is present at run time.
bool cuda_available();

void* device_alloc(Device d, size_t bytes);
void device_free(Device d, void* ptr);
// Copies between any two devices (host<->device, device<->device, host<->host).
void device_copy(void* dst, Device dst_dev, const void* src, Device src_dev, size_t bytes);
// Sets `count` floats at ptr to `value`.
void device_fill(Device d, float* ptr, size_t count, float value);

namespace cuda {
// Implemented in engine/device_cuda.cu when built with CUDA; the CPU build has stubs that fail.
void* malloc_bytes(size_t bytes);
void free_bytes(void* ptr);
void memcpy_bytes(void* dst, const void* src, size_t bytes, int kind);  // kind: 0 H2D, 1 D2H, 2 D2D
void fill(float* ptr, size_t count, float value);
bool available();

// The caching allocator (engine/device_cuda.cu): freed blocks are kept in size classes and
// reused; cudaFree happens only on an out-of-memory retry, trim_cache() or exit.
// SYN_CUDA_NO_CACHE=1 disables caching (for compute-sanitizer).
struct CacheStats {
  size_t live_bytes = 0, live_blocks = 0;      // handed out and not yet freed
  size_t cached_bytes = 0, cached_blocks = 0;  // freed, kept for reuse
  size_t peak_live_bytes = 0;
  size_t cuda_malloc_calls = 0, cache_hits = 0, cuda_free_calls = 0;
};
CacheStats cache_stats();
size_t trim_cache();                    // releases every cached block; returns bytes freed
size_t allocation_class(size_t bytes);  // the size class a request is rounded up to
}  // namespace cuda

namespace cpu {
// The CPU cache of large blocks (engine/device.cpp): blocks of at least 1 MiB are kept in size
// classes when freed (up to a bounded total) and handed out again, already paged in.
// SYN_CPU_NO_CACHE=1 disables it.
struct CacheStats {
  size_t live_bytes = 0, live_blocks = 0;      // large blocks handed out and not yet freed
  size_t cached_bytes = 0, cached_blocks = 0;  // freed, kept for reuse
  size_t system_allocs = 0, cache_hits = 0, system_frees = 0;
};
CacheStats cache_stats();
size_t trim_cache();  // releases every cached block; returns bytes freed
}  // namespace cpu

}  // namespace syn

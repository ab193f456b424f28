// device_cuda.cu — CUDA memory primitives for engine/device.h (compiled only with CUDA), with a
// caching allocator.
//
// Why a cache: cudaMalloc costs tens of microseconds and cudaFree synchronises the whole device,
// so allocating every activation and gradient with them would put a host round trip into each
// op. Instead freed blocks go to size-class free lists and are handed out again; cudaFree is only
// called to trim the cache (on an out-of-memory retry, by trim_cache(), or at exit).
//
// Size classes: requests are rounded up to 512 bytes, and above that to one of four steps per
// power of two (1, 1.25, 1.5, 1.75 x 2^k, each a multiple of 512), so at most 25% is wasted and
// a training loop, which asks for the same sizes every step, hits the cache after step one.
// Lookup is an exact class match (best-fit splitting is not worth it for repeated shapes).
//
// Stream safety: every kernel and copy in this project runs on the legacy default stream, so a
// block freed on the host while kernels that use it are still queued can be handed out at once:
// its next user is queued behind them on the same stream (PyTorch's single-stream argument).
// If streams are ever added, freed blocks must record an event and wait on it before reuse.
//
// SYN_CUDA_NO_CACHE=1 in the environment turns the cache off (every free is a cudaFree): useful
// with compute-sanitizer, which then sees each use-after-free.
//
// Out of memory: one trim-and-retry, then a clear error naming the request and the free memory.
#include <cuda_runtime.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "engine/check.h"
#include "engine/device.h"

namespace syn::cuda {

#define SYN_CUDA_OK(call, what)                                           \
  do {                                                                    \
    cudaError_t err_ = (call);                                            \
    SYN_CHECK(err_ == cudaSuccess, what, ": ", cudaGetErrorString(err_)); \
  } while (0)

namespace {

constexpr size_t kMinBlock = 512;

class CachingAllocator {
 public:
  CachingAllocator() {
    const char* off = std::getenv("SYN_CUDA_NO_CACHE");
    caching_ = !(off && off[0] == '1');
  }

  void* allocate(size_t bytes) {
    const size_t cls = allocation_class(bytes);
    std::lock_guard<std::mutex> lock(mu_);
    auto it = free_.find(cls);
    if (it != free_.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      stats_.cached_bytes -= cls;
      stats_.cached_blocks -= 1;
      stats_.cache_hits += 1;
      note_live(p, cls);
      return p;
    }
    void* p = nullptr;
    cudaError_t err = cudaMalloc(&p, cls);
    stats_.cuda_malloc_calls += 1;
    if (err != cudaSuccess) {
      cudaGetLastError();  // clear the error so later calls do not report it
      size_t released = trim_locked();
      err = cudaMalloc(&p, cls);
      stats_.cuda_malloc_calls += 1;
      if (err != cudaSuccess) {
        cudaGetLastError();
        size_t free_b = 0, total_b = 0;
        cudaMemGetInfo(&free_b, &total_b);
        SYN_FAIL("CUDA out of memory: requested ", bytes, " bytes (size class ", cls, "), ", free_b,
                 " of ", total_b, " bytes free after releasing ", released,
                 " cached bytes; this process holds ", stats_.live_bytes, " bytes in ",
                 stats_.live_blocks, " live blocks (", cudaGetErrorString(err), ")");
      }
    }
    note_live(p, cls);
    return p;
  }

  void release(void* p) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = live_.find(p);
    if (it == live_.end()) {  // not ours (cannot happen through device_alloc): free it directly
      cudaFree(p);
      return;
    }
    const size_t cls = it->second;
    live_.erase(it);
    stats_.live_bytes -= cls;
    stats_.live_blocks -= 1;
    if (!caching_) {
      cudaFree(p);
      stats_.cuda_free_calls += 1;
      return;
    }
    free_[cls].push_back(p);
    stats_.cached_bytes += cls;
    stats_.cached_blocks += 1;
  }

  size_t trim() {
    std::lock_guard<std::mutex> lock(mu_);
    return trim_locked();
  }

  CacheStats stats() {
    std::lock_guard<std::mutex> lock(mu_);
    return stats_;
  }

 private:
  void note_live(void* p, size_t cls) {
    live_[p] = cls;
    stats_.live_bytes += cls;
    stats_.live_blocks += 1;
    if (stats_.live_bytes > stats_.peak_live_bytes) stats_.peak_live_bytes = stats_.live_bytes;
  }

  // cudaFree synchronises the device: only reached on an OOM retry, trim_cache() or exit.
  size_t trim_locked() {
    size_t released = 0;
    for (auto& [cls, blocks] : free_) {
      for (void* p : blocks) {
        cudaFree(p);  // errors ignored: at exit the runtime may already be shutting down
        released += cls;
        stats_.cuda_free_calls += 1;
      }
      blocks.clear();
    }
    free_.clear();
    stats_.cached_bytes = 0;
    stats_.cached_blocks = 0;
    return released;
  }

  std::mutex mu_;
  bool caching_ = true;
  std::map<size_t, std::vector<void*>> free_;  // class size -> free blocks
  std::unordered_map<void*, size_t> live_;     // block -> class size
  CacheStats stats_;
};

// Never destroyed: tensors in static storage may be freed after other statics are gone. The
// cache is emptied at exit by an atexit handler instead (the driver would reclaim it anyway).
CachingAllocator& allocator() {
  static CachingAllocator* a = [] {
    auto* p = new CachingAllocator();
    std::atexit([] { allocator().trim(); });
    return p;
  }();
  return *a;
}

}  // namespace

size_t allocation_class(size_t bytes) {
  if (bytes <= kMinBlock) return kMinBlock;
  // Four steps per power of two: the largest power of two p <= bytes, step p/4.
  size_t p = 1;
  while (p <= bytes / 2) p <<= 1;
  size_t step = p / 4;
  size_t cls = (bytes + step - 1) / step * step;
  return (cls + kMinBlock - 1) / kMinBlock * kMinBlock;
}

CacheStats cache_stats() { return allocator().stats(); }
size_t trim_cache() { return allocator().trim(); }

bool available() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no device" error
    return false;
  }
  return n > 0;
}

void* malloc_bytes(size_t bytes) { return allocator().allocate(bytes); }

void free_bytes(void* ptr) {
  if (ptr) allocator().release(ptr);
}

// cudaMemcpy on the legacy default stream is ordered after every kernel queued before it (a D2H
// copy therefore waits for the result it reads) and D2D copies do not block the host.
void memcpy_bytes(void* dst, const void* src, size_t bytes, int kind) {
  cudaMemcpyKind k = kind == 0   ? cudaMemcpyHostToDevice
                     : kind == 1 ? cudaMemcpyDeviceToHost
                                 : cudaMemcpyDeviceToDevice;
  SYN_CUDA_OK(cudaMemcpy(dst, src, bytes, k), "cudaMemcpy");
}

__global__ void fill_kernel(float* p, size_t n, float v) {
  size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
  if (i < n) p[i] = v;
}

void fill(float* ptr, size_t count, float value) {
  if (count == 0) return;
  unsigned blocks = (unsigned)((count + 255) / 256);
  fill_kernel<<<blocks, 256>>>(ptr, count, value);
  SYN_CUDA_OK(cudaGetLastError(), "fill_kernel launch");
}

}  // namespace syn::cuda

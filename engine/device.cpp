// device.cpp — CPU allocation and the device-independent dispatch of memory primitives.
#include "engine/device.h"

#include <cstdlib>
#include <cstring>

#include "engine/check.h"

namespace syn {

const char* device_name(Device d) { return d == Device::CPU ? "cpu" : "cuda"; }

bool cuda_available() { return cuda::available(); }

void* device_alloc(Device d, size_t bytes) {
  if (bytes == 0) bytes = 64;  // never hand out null for empty tensors
  if (d == Device::CUDA) return cuda::malloc_bytes(bytes);
  size_t rounded = (bytes + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, rounded);
  SYN_CHECK(p != nullptr, "out of host memory allocating ", bytes, " bytes");
  return p;
}

void device_free(Device d, void* ptr) {
  if (ptr == nullptr) return;
  if (d == Device::CUDA)
    cuda::free_bytes(ptr);
  else
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

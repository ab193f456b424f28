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
}  // namespace cuda

}  // namespace syn

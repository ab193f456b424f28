// dispatch.h — one kernel slot per op and device (the ggml idea: each backend says which ops it
// supports; the CPU backend supports all of them and is the fallback/reference).
//
// An op's .cpp defines its slot with the CPU implementation:
//     Kernel<ReluFwd> relu_forward_kernel{"relu_forward", relu_forward_cpu};
// and kernels/registry.cu fills in `.cuda` for the ops that have a CUDA kernel. Calling an op on
// a device without a kernel is a clear error naming the op, never a silent fallback.
#pragma once
#include <vector>

#include "engine/check.h"
#include "engine/device.h"

namespace syn {

struct KernelInfo {
  const char* name;
  bool has_cuda;
};

// Every slot registers itself here so tests and tools can list coverage.
std::vector<KernelInfo>& kernel_registry_view();
void register_kernel_slot(const char* name, const void* slot, bool (*has_cuda)(const void*));

void ensure_cuda_kernels_registered();

template <class Fn>
struct Kernel {
  const char* name;
  Fn* cpu = nullptr;
  Fn* cuda = nullptr;

  Kernel(const char* n, Fn* cpu_fn) : name(n), cpu(cpu_fn) {
    register_kernel_slot(n, this, [](const void* s) {
      return static_cast<const Kernel*>(s)->cuda != nullptr;
    });
  }

  Fn* on(Device d) const {
    if (d == Device::CUDA) {
      ensure_cuda_kernels_registered();
      SYN_CHECK(cuda != nullptr, "op '", name, "' has no CUDA kernel in this build");
      return cuda;
    }
    return cpu;
  }
};

// Called once before the first CUDA kernel launch; fills the `.cuda` slots (kernels/registry.cu).
// A no-op in builds without CUDA.
void ensure_cuda_kernels_registered();

}  // namespace syn

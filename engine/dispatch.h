// dispatch.h — one kernel slot per op and device (the ggml idea: each backend says which ops it
// supports; the CPU backend supports all of them and is the fallback/reference).
//
// An op's .cpp defines its slot with the CPU implementation:
//     Kernel<ReluFwd> relu_forward_kernel{"relu_forward", relu_forward_cpu};
// and the kernels/<op>.cu that implements the op on the GPU registers its function from a static
// initialiser (CudaKernelRegistrar below):
//     register_cuda_kernel(relu_forward_kernel, cuda_kernels::relu_forward);
// Registrations are queued and written into the slots on the first CUDA dispatch (or listing),
// so the order in which the static objects of different files are constructed does not matter,
// and the engine refers to nothing defined in kernels/ (syn_kernels is linked whole-archive, see
// kernels/CMakeLists.txt, so that no registrar is dropped). Calling an op on a device without a
// kernel is a clear error naming the op, never a silent fallback.
#pragma once
#include <vector>

#include "engine/check.h"
#include "engine/device.h"

namespace syn {

struct KernelInfo {
  const char* name;
  bool has_cuda;
};

// Every slot registers itself here so tests and tools can list coverage. Listing installs the
// queued CUDA kernels first; it needs no GPU (nothing but function pointers is touched).
std::vector<KernelInfo>& kernel_registry_view();
void register_kernel_slot(const char* name, const void* slot, bool (*has_cuda)(const void*));

// Installs the queued CUDA kernels in their slots, once; later calls return at once. Called
// before the first kernel launch on a CUDA tensor. A no-op in builds without CUDA (the queue is
// empty there).
void ensure_cuda_kernels_registered();

template <class Fn>
struct Kernel {
  const char* name;
  Fn* cpu = nullptr;
  Fn* cuda = nullptr;

  Kernel(const char* n, Fn* cpu_fn) : name(n), cpu(cpu_fn) {
    register_kernel_slot(
        n, this, [](const void* s) { return static_cast<const Kernel*>(s)->cuda != nullptr; });
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

// Queues `fn` for slot->cuda; `install` writes it there (it knows the slot's type). Safe during
// static initialisation, even before the slot's constructor (which nulls `.cuda`) has run: slots
// are written at the first CUDA dispatch; a registration after that is installed at once.
using CudaKernelInstaller = void (*)(void* slot, void (*fn)());
void queue_cuda_kernel(void* slot, void (*fn)(), CudaKernelInstaller install);

// The typed front end: the function must have the slot's exact signature.
template <class Fn>
void register_cuda_kernel(Kernel<Fn>& slot, Fn* fn) {
  queue_cuda_kernel(&slot, reinterpret_cast<void (*)()>(fn), [](void* s, void (*f)()) {
    static_cast<Kernel<Fn>*>(s)->cuda = reinterpret_cast<Fn*>(f);
  });
}

// Runs a kernels/<op>.cu file's register_cuda_kernel calls during static initialisation:
//     const CudaKernelRegistrar registrar([] { register_cuda_kernel(...); ... });
struct CudaKernelRegistrar {
  explicit CudaKernelRegistrar(void (*register_all)()) { register_all(); }
};

}  // namespace syn

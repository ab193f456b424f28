// dispatch.cpp — the registry of kernel slots and the queue of CUDA kernels waiting for theirs.
#include "engine/dispatch.h"

#include <atomic>
#include <mutex>
#include <utility>

namespace syn {

namespace {
struct SlotEntry {
  const char* name;
  const void* slot;
  bool (*has_cuda)(const void*);
};
std::vector<SlotEntry>& slots() {
  static std::vector<SlotEntry> s;
  return s;
}

struct QueuedCudaKernel {
  void* slot;
  void (*fn)();
  CudaKernelInstaller install;
};
// Function-local statics: registrars in other files may run before anything of this file.
std::mutex& queue_mutex() {
  static std::mutex m;
  return m;
}
std::vector<QueuedCudaKernel>& queue() {
  static std::vector<QueuedCudaKernel> q;
  return q;
}
std::atomic<bool> g_installed{false};  // constant-initialised: valid before any constructor
}  // namespace

void register_kernel_slot(const char* name, const void* slot, bool (*has_cuda)(const void*)) {
  slots().push_back({name, slot, has_cuda});
}

std::vector<KernelInfo>& kernel_registry_view() {
  static std::vector<KernelInfo> view;
  ensure_cuda_kernels_registered();
  view.clear();
  for (auto& e : slots()) view.push_back({e.name, e.has_cuda(e.slot)});
  return view;
}

void queue_cuda_kernel(void* slot, void (*fn)(), CudaKernelInstaller install) {
  std::lock_guard<std::mutex> lock(queue_mutex());
  // Registered after the first installation (an object constructed late): install it now.
  if (g_installed.load(std::memory_order_relaxed))
    install(slot, fn);
  else
    queue().push_back({slot, fn, install});
}

void ensure_cuda_kernels_registered() {
  if (g_installed.load(std::memory_order_acquire)) return;
  std::lock_guard<std::mutex> lock(queue_mutex());
  if (g_installed.load(std::memory_order_relaxed)) return;
  for (const QueuedCudaKernel& q : queue()) q.install(q.slot, q.fn);
  queue().clear();
  g_installed.store(true, std::memory_order_release);
}

}  // namespace syn

// dispatch.cpp — the registry of kernel slots.
#include "engine/dispatch.h"

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

#ifdef SYN_WITH_CUDA
void register_cuda_kernels();  // kernels/registry.cu
void ensure_cuda_kernels_registered() {
  static std::once_flag once;
  std::call_once(once, [] { register_cuda_kernels(); });
}
#else
void ensure_cuda_kernels_registered() {}
#endif

}  // namespace syn

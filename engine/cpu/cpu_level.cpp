// cpu_level.cpp — see cpu_level.h. CPUID through GCC/Clang's __builtin_cpu_supports, which also
// checks that the OS saves the ymm/zmm state.
#include "engine/cpu/cpu_level.h"

#include <atomic>
#include <cstdlib>

#include "engine/check.h"
#include "engine/cpu/gemm.h"

namespace syn::cpu {

namespace {

bool cpu_supports(CpuLevel level) {
#if defined(__x86_64__) || defined(__i386__)
  switch (level) {
    case CpuLevel::generic:
      return true;
    case CpuLevel::avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case CpuLevel::avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
             __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("fma");
  }
  return false;
#else
  return level == CpuLevel::generic;
#endif
}

const GemmKernels* table_of(CpuLevel level) {
  switch (level) {
    case CpuLevel::generic:
      return gemm_kernels_generic();
    case CpuLevel::avx2:
      return gemm_kernels_avx2();
    case CpuLevel::avx512:
      return gemm_kernels_avx512();
  }
  return nullptr;
}

bool built_with(CpuLevel level) { return table_of(level) != nullptr; }

std::string available_levels() {
  std::string s;
  for (CpuLevel l : {CpuLevel::generic, CpuLevel::avx2, CpuLevel::avx512})
    if (cpu_has_level(l)) s += (s.empty() ? "" : ", ") + std::string(cpu_level_name(l));
  return s;
}

// -1 until first use; then the level in force.
std::atomic<int> g_level{-1};

}  // namespace

const char* cpu_level_name(CpuLevel level) {
  switch (level) {
    case CpuLevel::generic:
      return "generic";
    case CpuLevel::avx2:
      return "avx2";
    case CpuLevel::avx512:
      return "avx512";
  }
  return "?";
}

bool cpu_has_level(CpuLevel level) { return built_with(level) && cpu_supports(level); }

CpuLevel cpu_best_level() {
  for (CpuLevel l : {CpuLevel::avx512, CpuLevel::avx2})
    if (cpu_has_level(l)) return l;
  return CpuLevel::generic;
}

CpuLevel parse_cpu_level(const std::string& name, const char* what) {
  for (CpuLevel l : {CpuLevel::generic, CpuLevel::avx2, CpuLevel::avx512})
    if (name == cpu_level_name(l)) return l;
  SYN_FAIL(what, "=", name, ": unknown CPU kernel level (use generic, avx2 or avx512)");
}

void set_cpu_kernel_level(CpuLevel level) {
  SYN_CHECK(cpu_has_level(level), "CPU kernel level ", cpu_level_name(level),
            " is not available on this CPU (it has: ", available_levels(), ")");
  g_level.store((int)level, std::memory_order_release);
  detail::g_active_kernels.store(table_of(level), std::memory_order_release);
}

CpuLevel cpu_kernel_level() {
  int l = g_level.load(std::memory_order_acquire);
  if (l >= 0) return (CpuLevel)l;
  CpuLevel level = cpu_best_level();
  if (const char* env = std::getenv("SYN_CPU"); env && *env) {
    level = parse_cpu_level(env, "SYN_CPU");
    SYN_CHECK(cpu_has_level(level), "SYN_CPU=", env, ": this CPU lacks the ", env,
              " kernels' instructions (it has: ", available_levels(), ")");
  }
  g_level.store((int)level, std::memory_order_release);
  return level;
}

std::atomic<const GemmKernels*> detail::g_active_kernels{nullptr};

const GemmKernels& detail::init_active_kernels() {
  const GemmKernels* t = table_of(cpu_kernel_level());
  g_active_kernels.store(t, std::memory_order_release);
  return *t;
}

}  // namespace syn::cpu

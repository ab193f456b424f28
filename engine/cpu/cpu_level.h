// cpu_level.h — which instruction-set level the CPU kernels run at. The binary is built for a
// portable baseline (x86-64-v2) and carries its hot kernels (the GEMM micro-kernel, packing
// copies, transposes) compiled once per level in their own files; the level is chosen at run
// time from CPUID, so one binary is fast on every x86-64 CPU without -march=native.
//
// SYN_CPU=generic|avx2|avx512 in the environment forces a level (read once, at first use), so
// tests and benchmarks can run every path on one machine; a level the CPU lacks is refused with
// an error naming the levels it has.
#pragma once
#include <string>

namespace syn::cpu {

enum class CpuLevel { generic = 0, avx2 = 1, avx512 = 2 };

// "generic", "avx2", "avx512".
const char* cpu_level_name(CpuLevel level);
// Whether this CPU (and OS) can run `level`'s kernels, and this build carries them: avx2 = AVX2
// + FMA; avx512 = AVX-512 F, DQ, BW and VL.
bool cpu_has_level(CpuLevel level);
// The best level cpu_has_level allows.
CpuLevel cpu_best_level();
// The level the kernels use: SYN_CPU when set (checked), else cpu_best_level(). Throws syn::Error
// naming SYN_CPU's value when it is unknown or this CPU lacks it.
CpuLevel cpu_kernel_level();
// Switches the kernels to `level` (tests and benchmarks compare levels in one process); throws
// when this CPU lacks it. Not to be called while another thread runs a kernel.
void set_cpu_kernel_level(CpuLevel level);
// Parses a level name; throws naming `what` (e.g. "SYN_CPU") and the accepted names.
CpuLevel parse_cpu_level(const std::string& name, const char* what);

}  // namespace syn::cpu

// clones.h — SYN_CPU_CLONES: a hot autovectorised loop compiled once per x86-64 level (GCC's
// target_clones: x86-64-v4 = AVX-512, x86-64-v3 = AVX2, and the build's baseline), one of them
// picked by CPUID when the program loads. For the few non-GEMM loops the portable baseline
// (SSE4.2) slows down badly, e.g. strided window loads that only AVX2 / AVX-512 vectorise. Mark a
// non-template function whose callees are inline (they are compiled into each clone); SYN_CPU
// does not steer these (it forces the GEMM kernels' level only: engine/cpu/cpu_level.h).
// Empty where the baseline already has AVX2 (-march=native builds) and on other compilers.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__ELF__) && \
    !defined(__AVX2__)
#define SYN_CPU_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SYN_CPU_CLONES
#endif

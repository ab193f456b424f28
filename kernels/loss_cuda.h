// loss_cuda.h — CUDA kernels for engine/ops/loss.h (same signatures as the CPU ones), plus the
// versioned entry points the benchmarks time (see kernels/loss.cu for what each version does).
#pragma once
#include <cstdint>

namespace syn::cuda_kernels {

// The live versions (registered in their slots at the end of the .cu file).
void l2_normalize(const float* x, float* y, int64_t n, int64_t d, float eps);
void l2_normalize_backward(const float* x, const float* dy, float* dx, int64_t n, int64_t d,
                           float eps);
void log_softmax(const float* x, float* y, int64_t n, int64_t c);
void log_softmax_backward(const float* y, const float* dy, float* dx, int64_t n, int64_t c);
void cross_entropy(const float* logits, const float* targets, float* stats, float* loss, int64_t n,
                   int64_t c, int64_t count);
void cross_entropy_backward(const float* logits, const float* targets, const float* stats,
                            const float* dloss, float* dx, int64_t n, int64_t c, int64_t count);
void bce_with_logits(const float* x, const float* t, float* loss, int64_t n);
void bce_with_logits_backward(const float* x, const float* t, const float* dloss, float* dx,
                              int64_t n);
void nt_xent(const float* z, float* u, float* norm, float* prob, float* loss, int64_t m, int64_t d,
             float inv_temperature, float eps);
void nt_xent_backward(const float* u, const float* norm, const float* prob, const float* dloss,
                      float* dz, int64_t m, int64_t d, float inv_temperature, float eps);

// Row kernels: 1 one block per row, 2 one warp per row when rows are short (live).
void l2_normalize_v(int version, const float* x, float* y, int64_t n, int64_t d, float eps);
void log_softmax_v(int version, const float* x, float* y, int64_t n, int64_t c);
// NT-Xent: 1 separate kernels (any size), 2 fused (live; falls back to 1 beyond its size limits).
void nt_xent_v(int version, const float* z, float* u, float* norm, float* prob, float* loss,
               int64_t m, int64_t d, float inv_temperature, float eps);
void nt_xent_backward_v(int version, const float* u, const float* norm, const float* prob,
                        const float* dloss, float* dz, int64_t m, int64_t d, float inv_temperature,
                        float eps);

}  // namespace syn::cuda_kernels

// bench_op_versions.h — bench_ops' table of the CUDA kernel versions behind the slots (the
// kernels/*_cuda.h `_v` entry points: a baseline and the live version, sometimes a third), each
// timed on one realistic size so the live choice can be checked against the alternatives.
// tests/test_cuda_ops.cpp checks that the versions agree; conv1d's versions are timed against
// cuDNN by bench/bench_cuda_layers.cpp. Included by bench/bench_ops.cpp in CUDA builds only.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/ops/loss.h"
#include "engine/rng.h"
#include "engine/tensor.h"
#include "kernels/dropout_cuda.h"
#include "kernels/loss_cuda.h"
#include "kernels/optim_cuda.h"
#include "kernels/reduce_cuda.h"
#include "kernels/shape_cuda.h"

namespace syn::bench {

struct OpVersion {
  std::string slot;
  int version;
  std::string size;
  double bytes;  // memory traffic of one call, for GB/s
  std::function<void()> run;
};

// Device buffers stay alive in the returned closures.
inline std::vector<OpVersion> cuda_op_versions() {
  const Device g = Device::CUDA;
  Rng rng(1);
  auto randn = [&](int64_t n) { return Tensor::randn({n}, rng).to(g); };
  std::vector<OpVersion> v;
  const int64_t R = 4096, D = 1000, N = int64_t{1} << 24;
  Tensor x = randn(R * D), y = randn(R * D), big = randn(N), big2 = randn(N), big3 = randn(N),
         big4 = randn(N);
  Tensor sums = Tensor::zeros({2}, g);
  for (int ver : {1, 2}) {
    v.push_back({"l2_normalize", ver, "4096x1000", 8.0 * R * D,
                 [=] { cuda_kernels::l2_normalize_v(ver, x.data(), y.data(), R, D, 1e-12f); }});
    v.push_back({"log_softmax", ver, "4096x1000", 8.0 * R * D,
                 [=] { cuda_kernels::log_softmax_v(ver, x.data(), y.data(), R, D); }});
    v.push_back({"reduce_sum", ver, "1x16M", 4.0 * N,
                 [=] { cuda_kernels::reduce_sum_v(ver, big.data(), sums.data(), 1, N, 1, 1.0f); }});
    v.push_back({"reduce_sum", ver, "4096 rows of 1000", 4.0 * R * D,
                 [=] { cuda_kernels::reduce_sum_v(ver, x.data(), y.data(), R, D, 1, 1.0f); }});
    v.push_back({"reduce_sum", ver, "1000 columns of 4096", 4.0 * R * D,
                 [=] { cuda_kernels::reduce_sum_v(ver, x.data(), y.data(), 1, R, D, 1.0f); }});
    v.push_back({"transpose", ver, "16x1024x1024 (1,2)", 8.0 * N, [=] {
                   cuda_kernels::transpose_v(ver, big.data(), big2.data(), 16, 1024, 1, 1024, 1);
                 }});
    v.push_back({"dropout_mask", ver, "16M", 4.0 * N,
                 [=] { cuda_kernels::dropout_mask_v(ver, big.data(), N, 0.3f, 12345); }});
    v.push_back({"lars_norms", ver, "16M", 8.0 * N, [=] {
                   cuda_kernels::lars_norms_v(ver, big.data(), big2.data(), 1e-4f, sums.data(), N);
                 }});
    AdamStepArgs adam{1e-3f, 0.9f, 0.1f, 0.999f, 0.001f, 1e-8f, 0.0f, 1.0f, 1e-3f, 1.0f, 0};
    v.push_back({"adam_update", ver, "16M", 28.0 * N, [=] {
                   cuda_kernels::adam_update_v(ver, big.data(), big2.data(), big3.data(),
                                               big4.data(), N, adam);
                 }});
    SgdStepArgs sgd{1e-3f, 0.9f, 1.0f, 0.0f, 0, 0};
    v.push_back({"sgd_update", ver, "16M", 20.0 * N, [=] {
                   cuda_kernels::sgd_update_v(ver, big.data(), big2.data(), big3.data(), N, sgd);
                 }});
    LarsStepArgs lars{1e-3f, 0.9f, 1e-3f, 1e-4f, 1, 0};
    v.push_back({"lars_update", ver, "16M", 20.0 * N, [=] {
                   cuda_kernels::lars_update_v(ver, big.data(), big2.data(), big3.data(),
                                               sums.data(), N, lars);
                 }});
    const int64_t m = 512, d = 128;
    Tensor z = randn(m * d), u = randn(m * d), norm = randn(m), prob = randn(m * m),
           loss = randn(1), dz = randn(m * d), dloss = randn(1);
    v.push_back({"nt_xent", ver, "512x128", 4.0 * (2 * m * d + m * m), [=] {
                   cuda_kernels::nt_xent_v(ver, z.data(), u.data(), norm.data(), prob.data(),
                                           loss.data(), m, d, 2.0f, kNtXentEps);
                 }});
    v.push_back({"nt_xent_backward", ver, "512x128", 4.0 * (2 * m * d + m * m), [=] {
                   cuda_kernels::nt_xent_backward_v(ver, u.data(), norm.data(), prob.data(),
                                                    dloss.data(), dz.data(), m, d, 2.0f,
                                                    kNtXentEps);
                 }});
  }
  for (int ver : {1, 2, 3})
    v.push_back({"copy2d", ver, "4096 rows of 1000 (pitch 1024)", 8.0 * R * D,
                 [=] { cuda_kernels::copy2d_v(ver, big.data(), 1024, big2.data(), 1024, R, D); }});
  return v;
}

}  // namespace syn::bench

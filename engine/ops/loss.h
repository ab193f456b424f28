// loss.h — normalisation and loss ops: l2_normalize, log_softmax, cross_entropy,
// bce_with_logits and nt_xent (the SimCLR / CLMR contrastive loss).
//
// Each op is one fused forward kernel and one fused backward kernel (never a composition of
// small ops), so that a CUDA kernel with the same raw-pointer signature can be dropped into the
// slot later. Reductions that produce the scalar losses are written by the kernel itself, and
// the upstream gradient of a scalar loss is read through a pointer (it lives on the device).
// Shape letters: N rows, C classes, D features.
#pragma once
#include <cstdint>
#include <vector>

#include "engine/dispatch.h"
#include "engine/tensor.h"

namespace syn {

// --- kernel signatures (CPU in engine/ops/loss.cpp) ---

// y[r] = x[r] / max(||x[r]||, eps) for each of n rows of length d.
using L2NormalizeFwdFn = void(const float* x, float* y, int64_t n, int64_t d, float eps);
// dx from x (the norm is recomputed, cheaper than storing it) and dy.
using L2NormalizeBwdFn = void(const float* x, const float* dy, float* dx, int64_t n, int64_t d,
                              float eps);

// y[r] = x[r] - logsumexp(x[r]) over n rows of length c.
using LogSoftmaxFwdFn = void(const float* x, float* y, int64_t n, int64_t c);
// dx = dy - softmax * sum(dy), with softmax = exp(y).
using LogSoftmaxBwdFn = void(const float* y, const float* dy, float* dx, int64_t n, int64_t c);

// Mean cross-entropy. `targets` are n class indices stored as floats (exact below 2^24) on the
// same device as the logits, so the kernel needs no integer buffers; a negative code (-1) marks
// an ignored row (ignore_index: no loss, zero gradient). `count` is the number of rows not
// ignored, the mean's denominator (0: the loss is 0/0 = NaN, as in PyTorch). Writes stats[2n]
// (row r: its max, then log sum exp(x - max); kept apart so softmax = exp((x - max) - logsum)
// keeps full precision for large logits) for the backward pass, and the scalar mean loss[0].
using CrossEntropyFwdFn = void(const float* logits, const float* targets, float* stats, float* loss,
                               int64_t n, int64_t c, int64_t count);
// dx = dloss[0] / count * (softmax - onehot(target)) on counted rows, 0 on ignored rows.
using CrossEntropyBwdFn = void(const float* logits, const float* targets, const float* stats,
                               const float* dloss, float* dx, int64_t n, int64_t c, int64_t count);

// Mean of max(x,0) - x*t + log1p(exp(-|x|)) over n elements, written to loss[0].
using BceWithLogitsFwdFn = void(const float* x, const float* t, float* loss, int64_t n);
// dx = dloss[0] / n * (sigmoid(x) - t).
using BceWithLogitsBwdFn = void(const float* x, const float* t, const float* dloss, float* dx,
                                int64_t n);

// NT-Xent over m = 2N rows of length d. Writes the unit rows u[m*d], the raw row norms
// norm[m], the row-wise softmax over k != i of the scaled similarities prob[m*m] (zero on the
// diagonal) — all three kept for the backward pass — and the scalar loss[0].
using NtXentFwdFn = void(const float* z, float* u, float* norm, float* prob, float* loss, int64_t m,
                         int64_t d, float inv_temperature, float eps);
using NtXentBwdFn = void(const float* u, const float* norm, const float* prob, const float* dloss,
                         float* dz, int64_t m, int64_t d, float inv_temperature, float eps);

extern Kernel<L2NormalizeFwdFn> l2_normalize_kernel;
extern Kernel<L2NormalizeBwdFn> l2_normalize_backward_kernel;
extern Kernel<LogSoftmaxFwdFn> log_softmax_kernel;
extern Kernel<LogSoftmaxBwdFn> log_softmax_backward_kernel;
extern Kernel<CrossEntropyFwdFn> cross_entropy_kernel;
extern Kernel<CrossEntropyBwdFn> cross_entropy_backward_kernel;
extern Kernel<BceWithLogitsFwdFn> bce_with_logits_kernel;
extern Kernel<BceWithLogitsBwdFn> bce_with_logits_backward_kernel;
extern Kernel<NtXentFwdFn> nt_xent_kernel;
extern Kernel<NtXentBwdFn> nt_xent_backward_kernel;

// The row-norm floor used by nt_xent: torch.nn.CosineSimilarity's default eps, which CLMR
// (through SimCLR's NT_Xent) uses.
inline constexpr float kNtXentEps = 1e-8f;

namespace ops {

// x / max(||x||, eps) along the last dimension (any rank >= 1), like
// torch.nn.functional.normalize(x, dim=-1, eps=eps).
Tensor l2_normalize(const Tensor& x, float eps = 1e-12f);

// Numerically stable log-softmax along the last dimension (any rank >= 1).
Tensor log_softmax(const Tensor& x);

// Mean cross-entropy of logits [N, C] against N class indices in [0, C), like
// F.cross_entropy(logits, targets, ignore_index=ignore_index): rows whose target equals
// ignore_index (PyTorch's default -100; it may also be a class in [0, C), e.g. a padding token)
// add no loss and get zero gradient, and the mean is over the other rows (NaN when every row is
// ignored, as in PyTorch; the gradient is then zero). Returns a scalar.
Tensor cross_entropy(const Tensor& logits, const std::vector<int64_t>& targets,
                     int64_t ignore_index = -100);

// Mean binary cross-entropy on logits against targets of the same shape (values in [0, 1], not
// checked, as in PyTorch), like F.binary_cross_entropy_with_logits. Only the logits receive a
// gradient: the targets are treated as constants. Returns a scalar.
Tensor bce_with_logits(const Tensor& logits, const Tensor& targets);

// SimCLR / CLMR NT-Xent on z [2N, D]: rows 0..N-1 are view 1, rows N..2N-1 view 2, and the
// positive of row i is row (i + N) mod 2N. With u_i = z_i / max(||z_i||, eps) and
// s_ik = u_i . u_k / temperature,
//     loss = 1/(2N) * sum_i ( -s_{i,pos(i)} + log sum_{k != i} exp(s_ik) ),
// which equals CLMR's NT_Xent (SimCLR's simclr/modules/nt_xent.py): CrossEntropyLoss(sum) over
// rows [positive, negatives] of the self-masked cosine-similarity matrix, divided by 2N.
Tensor nt_xent(const Tensor& z, float temperature, float eps = kNtXentEps);

}  // namespace ops
}  // namespace syn

// attention.h — scaled dot-product multi-head attention, the one op behind the decoder's causal
// self-attention (Tq == Tk, causal) and its cross-attention to the tag set (Tq != Tk, a key
// padding mask, no causal mask).
//
//   q [B, H, Tq, Dh], k [B, H, Tk, Dh], v [B, H, Tk, Dh]  ->  out [B, H, Tq, Dh]
//   out_i = sum_j softmax_j(scale · q_i · k_j over the allowed j) v_j,   scale = 1/√Dh by default
//
// Which keys a query may see:
//   * key padding: key_padding [B, Tk] (a float tensor on the device of q, nonzero = padding,
//     the meaning of PyTorch's key_padding_mask True) hides key j of batch item b from every
//     query; undefined = no padding.
//   * causal: query i sees key j only when j <= i + (Tk - Tq). With Tq == Tk this is the usual
//     lower triangle; with Tq < Tk the queries are the LAST Tq positions of the key sequence
//     (bottom-right aligned, as flash-attention's causal flag and a KV cache need).
// A query that sees no key at all (a fully masked row: all keys padding, or a causal mask with
// Tq > Tk) has a defined output: zeros, and it passes zero gradient to q, k and v. PyTorch's
// softmax over an all -inf row gives NaN instead; our reference script builds the same zeros.
//
// Forward saves, per query row, lse = log sum_j exp(scale · q_i · k_j) over the allowed keys
// (-inf for a fully masked row): the backward recomputes the probabilities from it instead of
// storing the [Tq, Tk] matrix (flash-attention's trade of memory for recomputation). No dropout
// on the attention probabilities (the decoder applies dropout after the output projection).
// Devices: the CPU kernels take any Dh; the CUDA kernels (kernels/attention.cu) take Dh <= 128
// (a clear error beyond).
#pragma once
#include <cstdint>
#include <vector>

#include "engine/dispatch.h"
#include "engine/tensor.h"

namespace syn {

// Sizes of one attention call; every tensor contiguous in the layout above.
struct AttentionDims {
  int64_t B, H, Tq, Tk, D;
  float scale;
  bool causal;
};

// key_padding: [B, Tk] (nonzero = padding) or null. Writes out [B, H, Tq, D], lse [B, H, Tq].
using AttentionFwdFn = void(const float* q, const float* k, const float* v,
                            const float* key_padding, float* out, float* lse,
                            const AttentionDims& dims);
// From the forward's out and lse and the upstream dout, writes every element of dq, dk, dv.
using AttentionBwdFn = void(const float* q, const float* k, const float* v,
                            const float* key_padding, const float* out, const float* lse,
                            const float* dout, float* dq, float* dk, float* dv,
                            const AttentionDims& dims);

extern Kernel<AttentionFwdFn> attention_forward_kernel;
extern Kernel<AttentionBwdFn> attention_backward_kernel;

namespace ops {

struct AttentionOptions {
  bool causal = false;
  Tensor key_padding;  // [B, Tk], nonzero = padding key; undefined = none
  float scale = 0.0f;  // 0: 1/√Dh
};

Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v,
                 const AttentionOptions& options = {});

// Key padding masks in the layout attention() takes ([B, T], 1 = padding):
// from per-item lengths (positions >= lengths[b] are padding; 0 <= lengths[b] <= T) ...
Tensor key_padding_from_lengths(const std::vector<int64_t>& lengths, int64_t T,
                                Device device = Device::CPU);
// ... or from B·T token ids (row-major [B, T]) where pad_id marks padding.
Tensor key_padding_from_ids(const std::vector<int64_t>& ids, int64_t B, int64_t T, int64_t pad_id,
                            Device device = Device::CPU);

}  // namespace ops
}  // namespace syn

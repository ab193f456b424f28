// embedding.h — token embedding lookup (PyTorch F.embedding / nn.Embedding), with padding_idx.
//
// Convention for the token ids. Tensors are fp32 only, so ids are passed like cross_entropy's
// targets: a host std::vector<int64_t> of n ids in row-major order plus the shape they form
// (e.g. {B, T}); the output is that shape with the embedding width D appended ([B, T, D]).
// Every id must lie in [0, V) (checked on the host, naming the first bad position). The op
// uploads the ids as float-coded integers (exact below 2^24: V and n are limited to 2^24).
//
// Gradient. Only the table receives one (ids are constants). dweight[v] is the sum of the
// output gradients of every position holding id v, in ascending position order; the row of
// padding_idx receives none (exactly zero), as in PyTorch. To make that sum race-free and
// deterministic on every device the op sorts positions by id on the host (a counting sort:
// `order` lists positions grouped by id, `offsets[v] .. offsets[v+1]` delimits id v's group);
// the backward kernel then gathers one table row per id instead of scattering with atomics.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "engine/dispatch.h"
#include "engine/tensor.h"

namespace syn {

// out[p, :] = weight[ids[p], :] for p < n (ids float-coded), rows of d floats.
using EmbeddingFwdFn = void(const float* weight, const float* ids, float* out, int64_t n,
                            int64_t d);
// dweight[v, :] = sum over order[offsets[v] .. offsets[v+1]) of dy[p, :] for v < vocab, except
// the row padding_idx (-1: none), which is zero. Every element of dweight is written.
using EmbeddingBwdFn = void(const float* dy, const float* order, const float* offsets,
                            float* dweight, int64_t vocab, int64_t d, int64_t padding_idx);

extern Kernel<EmbeddingFwdFn> embedding_forward_kernel;
extern Kernel<EmbeddingBwdFn> embedding_backward_kernel;

namespace ops {

// weight [V, D]; ids: numel(ids_shape) ids in [0, V); returns ids_shape + [D].
// padding_idx as in PyTorch: optional, may be negative (counted from the end, V + padding_idx),
// must name a row of the table. It only affects the gradient (the forward still reads the row).
Tensor embedding(const Tensor& weight, const std::vector<int64_t>& ids, const Shape& ids_shape,
                 std::optional<int64_t> padding_idx = std::nullopt);

}  // namespace ops
}  // namespace syn

// collectives.h — the autograd-aware collectives of data-parallel training, on a Communicator.
//
//   all_gather_with_grad  SimCLR's GatherLayer: forward stacks every rank's rows; backward sums
//                         the gradient over the ranks (every rank computed a loss on all rows)
//                         and keeps this rank's slice. With the gradient averaging below, the
//                         parameters get exactly the gradient of one process holding every row.
//   average_gradients     DDP's step after backward: each parameter's gradient becomes the mean
//                         over the ranks, reduced in flat buckets (one all-reduce per bucket
//                         instead of one per tensor). It runs after the whole backward pass: it is
//                         not overlapped with it.
#pragma once
#include <cstdint>
#include <vector>

#include "engine/dist/communicator.h"
#include "engine/tensor.h"

namespace syn::dist {

// x [n, ...] with the same shape on every rank -> [world * n, ...], rows in rank order.
Tensor all_gather_with_grad(const Tensor& x, Communicator& comm);

// Averages the gradients of `params` over the ranks in buckets of at most `bucket_bytes`
// (a tensor larger than a bucket is a bucket of its own). A parameter without a gradient counts
// as a zero gradient (so every rank packs the same layout). World 1: nothing happens.
void average_gradients(const std::vector<Tensor>& params, Communicator& comm,
                       int64_t bucket_bytes = int64_t(25) << 20);

// Rank 0's values of `tensors` (parameters and buffers) copied to every rank, in place.
void broadcast_tensors(const std::vector<Tensor>& tensors, Communicator& comm);

}  // namespace syn::dist

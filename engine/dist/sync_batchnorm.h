// sync_batchnorm.h — batch normalisation with statistics over every rank's batch (PyTorch's
// SyncBatchNorm, Lightning's sync_batchnorm=True, CLMR's setting), for the 1-D batch norm of
// engine/ops/batchnorm.h.
//
// Forward: each rank's per-channel mean and biased variance (with its count) are gathered and
// combined (Chan's parallel formula, in double); x is normalised with the global statistics and
// the running statistics take the global mean and the global unbiased variance, so every rank
// keeps the same running statistics as one process with the whole batch. Backward: the two
// per-channel sums of the input gradient, sum(dy) and sum(dy * xhat), are all-reduced, so dx is
// the gradient of the sum of every rank's loss; the weight and bias gradients stay local and the
// gradient averaging after backward (collectives.h) completes them, as in PyTorch.
//
// Built from the batch-norm kernels of both devices: nothing here is CPU- or CUDA-specific.
#pragma once
#include "engine/dist/communicator.h"
#include "engine/tensor.h"

namespace syn::dist {

// x [B, C, L] or [B, C]; as ops::batchnorm1d in training mode, with statistics over all ranks.
// running_mean / running_var may be undefined (not tracked).
Tensor sync_batchnorm1d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                        const Tensor& running_mean, const Tensor& running_var, float momentum,
                        float eps, Communicator& comm);

// The communicator over which nn::BatchNorm1d layers in training mode synchronise their
// statistics (set by a data-parallel trainer with --sync_batchnorm 1); null (the default) or a
// world of one: per-process statistics, exactly the plain batch norm.
void set_sync_batchnorm(Communicator* comm);
Communicator* sync_batchnorm_communicator();

}  // namespace syn::dist

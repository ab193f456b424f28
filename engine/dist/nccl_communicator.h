// nccl_communicator.h — the NCCL backend of Communicator (CUDA tensors), one process per GPU.
//
// Start-up: LOCAL_RANK (modulo the visible devices) picks this process's GPU before anything
// is allocated on it; rank 0's ncclUniqueId reaches the others through MPI under mpirun / srun,
// or through the TCP rendezvous at MASTER_ADDR:MASTER_PORT under torchrun-style launchers.
// Collectives run on the legacy default stream, where every kernel of this project runs (so the
// caching allocator's stream-ordered reuse stays valid): they are not overlapped with compute.
// Completion is polled (cudaStreamQuery) together with ncclCommGetAsyncError against the
// deadline of timeout_seconds; an error or a timeout aborts the communicator (ncclCommAbort) and
// ends the process with a message naming the rank and the op. CPU tensors (batch-norm
// statistics) are staged through the device.
#pragma once
#include <memory>

#include "engine/dist/communicator.h"
#include "engine/dist/launch.h"

namespace syn::dist {

// A build without CUDA / NCCL throws a clear error instead.
std::unique_ptr<Communicator> make_nccl_communicator(const LaunchInfo& launch,
                                                     double timeout_seconds);

}  // namespace syn::dist

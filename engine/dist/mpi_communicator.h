// mpi_communicator.h — the MPI backend of Communicator (CPU tensors), on MPI_COMM_WORLD.
//
// MPI is initialised when the communicator is made and finalised when it is destroyed. Every
// collective is nonblocking (MPI_Iallreduce, MPI_Iallgather, MPI_Ibcast, MPI_Ibarrier) and
// polled with MPI_Test against a deadline of timeout_seconds: a rank that died or hangs makes
// the others print "<rank>: MPI <op> did not complete within <T> s ..." and MPI_Abort the job,
// instead of waiting forever. MPI errors are returned (MPI_ERRORS_RETURN) and thrown naming the
// rank and the op.
#pragma once
#include <memory>

#include "engine/dist/communicator.h"
#include "engine/dist/launch.h"

namespace syn::dist {

// A build without MPI (SYN_MPI off or not found) throws a clear error instead.
std::unique_ptr<Communicator> make_mpi_communicator(const LaunchInfo& launch,
                                                    double timeout_seconds);

// For the NCCL backend's start-up under mpirun / srun: root's `bytes` to every rank, through
// MPI (initialised here if needed, finalised at exit). Errors as above.
void mpi_broadcast_bytes(void* bytes, size_t n, int root, double timeout_seconds);

}  // namespace syn::dist

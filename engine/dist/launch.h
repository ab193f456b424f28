// launch.h — how this process was started, read from the launcher's environment, and the
// communicator that goes with it:
//   mpirun (Open MPI)   OMPI_COMM_WORLD_RANK / _SIZE / _LOCAL_RANK
//   srun (Slurm)        SLURM_PROCID / SLURM_NTASKS / SLURM_LOCALID
//   torchrun and alike  RANK / WORLD_SIZE / LOCAL_RANK / MASTER_ADDR / MASTER_PORT
//   none of these       a single process, exactly as before distributed training existed: no MPI
//                       is initialised and every collective is the identity.
// A world of one from any launcher is a single process too.
#pragma once
#include <functional>
#include <memory>
#include <string>

#include "engine/dist/communicator.h"

namespace syn::dist {

struct LaunchInfo {
  std::string launcher;  // "mpirun", "srun", "torchrun" or "" (single process)
  int rank = 0, world = 1, local_rank = 0;
  std::string master_addr;  // torchrun only
  int master_port = 0;
};

// Reads the launch variables through `getenv` (std::getenv by default; tests inject their own).
// Malformed values (not a number, rank outside [0, world), a torchrun launch without
// MASTER_ADDR / MASTER_PORT) are errors naming the variable.
LaunchInfo detect_launch(const std::function<const char*(const char*)>& getenv = {});

// Whether this build has each backend (CMake: SYN_MPI; NCCL with SYN_CUDA).
bool mpi_built();
bool nccl_built();

// The communicator for this launch: SingleProcessCommunicator for a world of one; for more
// processes MPI (cuda = false: CPU tensors) or NCCL (cuda = true; LOCAL_RANK picks the GPU, set
// before any CUDA memory is allocated; the NCCL id goes through MPI under mpirun / srun and
// through a TCP store at MASTER_ADDR:MASTER_PORT otherwise). A build without the backend, or a
// torchrun-style launch of CPU processes (MPI needs its own launcher), is a clear error.
std::unique_ptr<Communicator> connect(const LaunchInfo& launch, bool cuda, double timeout_seconds);

}  // namespace syn::dist

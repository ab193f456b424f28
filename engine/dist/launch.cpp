// launch.cpp — see launch.h.
#include "engine/dist/launch.h"

#include <cstdlib>

#include "engine/check.h"
#include "engine/dist/mpi_communicator.h"
#include "engine/dist/nccl_communicator.h"

namespace syn::dist {

namespace {

int parse_int(const char* name, const char* value) {
  char* end = nullptr;
  long v = std::strtol(value, &end, 10);
  SYN_CHECK(end != value && *end == '\0' && v >= 0 && v < (1 << 30), "environment variable ", name,
            "='", value, "' is not a non-negative integer");
  return (int)v;
}

}  // namespace

LaunchInfo detect_launch(const std::function<const char*(const char*)>& getenv_fn) {
  auto get = [&](const char* name) -> const char* {
    const char* v = getenv_fn ? getenv_fn(name) : std::getenv(name);
    return v && *v ? v : nullptr;
  };
  struct Scheme {
    const char *launcher, *rank, *world, *local;
  };
  const Scheme schemes[] = {
      {"mpirun", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK"},
      {"srun", "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID"},
      {"torchrun", "RANK", "WORLD_SIZE", "LOCAL_RANK"}};
  LaunchInfo info;
  for (const Scheme& s : schemes) {
    const char* rank = get(s.rank);
    const char* world = get(s.world);
    if (!rank || !world) continue;
    info.launcher = s.launcher;
    info.rank = parse_int(s.rank, rank);
    info.world = parse_int(s.world, world);
    const char* local = get(s.local);
    info.local_rank = local ? parse_int(s.local, local) : 0;
    SYN_CHECK(info.world >= 1 && info.rank < info.world, s.launcher, " launch: ", s.rank, "=",
              info.rank, " is outside [0, ", s.world, "=", info.world, ")");
    if (info.launcher == "torchrun" && info.world > 1) {
      const char* addr = get("MASTER_ADDR");
      const char* port = get("MASTER_PORT");
      SYN_CHECK(addr && port,
                "torchrun-style launch (RANK, WORLD_SIZE set) needs MASTER_ADDR and "
                "MASTER_PORT for the rendezvous");
      info.master_addr = addr;
      info.master_port = parse_int("MASTER_PORT", port);
      SYN_CHECK(info.master_port >= 1 && info.master_port <= 65535, "MASTER_PORT=", port,
                " is not a TCP port");
    }
    return info;
  }
  return info;
}

std::unique_ptr<Communicator> connect(const LaunchInfo& launch, bool cuda, double timeout_seconds) {
  std::unique_ptr<Communicator> comm;
  if (launch.world <= 1) {
    comm = std::make_unique<SingleProcessCommunicator>();
  } else if (cuda) {
    comm = make_nccl_communicator(launch, timeout_seconds);
  } else {
    SYN_CHECK(launch.launcher != "torchrun", "rank ", launch.rank, "/", launch.world,
              ": a torchrun-style launch (RANK / WORLD_SIZE without mpirun or srun) needs --device "
              "cuda (NCCL); launch CPU processes with mpirun -np N or srun --mpi=pmix");
    comm = make_mpi_communicator(launch, timeout_seconds);
  }
  comm->set_timeout_seconds(timeout_seconds);
  return comm;
}

}  // namespace syn::dist

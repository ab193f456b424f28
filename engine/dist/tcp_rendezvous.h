// tcp_rendezvous.h — the start-up exchange of torchrun-style launches (RANK, WORLD_SIZE,
// MASTER_ADDR, MASTER_PORT, no MPI): rank 0 listens on MASTER_PORT and hands the same bytes (the
// NCCL unique id) to each of the other ranks, which connect to MASTER_ADDR:MASTER_PORT, retrying
// until rank 0 is up. A minimal store with one key, like torch.distributed's TCPStore is used
// for the same purpose.
#pragma once
#include <cstddef>
#include <string>

namespace syn::dist {

// Rank 0: sends `bytes` (n of them) to world - 1 peers. Other ranks: receive n bytes into
// `bytes`. Errors (and not finishing within timeout_seconds) name the rank, the address and
// the system's reason.
void tcp_broadcast_from_rank0(void* bytes, size_t n, int rank, int world,
                              const std::string& master_addr, int master_port,
                              double timeout_seconds);

}  // namespace syn::dist

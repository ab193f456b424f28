// nccl_communicator.cpp — see nccl_communicator.h. Compiled with NCCL only in CUDA builds
// (SYN_WITH_NCCL); otherwise make_nccl_communicator explains what is missing.
#include "engine/dist/nccl_communicator.h"

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "engine/check.h"
#include "engine/dist/mpi_communicator.h"
#include "engine/dist/tcp_rendezvous.h"

#if SYN_WITH_NCCL
#include <cuda_runtime.h>
#include <nccl.h>
#endif

namespace syn::dist {

#if SYN_WITH_NCCL

bool nccl_built() { return true; }

namespace {

class NcclCommunicator : public Communicator {
 public:
  NcclCommunicator(const LaunchInfo& launch, double timeout_seconds)
      : rank_(launch.rank), world_(launch.world), local_rank_(launch.local_rank) {
    set_timeout_seconds(timeout_seconds);
    int devices = 0;
    const cudaError_t found = cudaGetDeviceCount(&devices);
    SYN_CHECK(found == cudaSuccess && devices > 0, where(),
              ": --device cuda: no usable CUDA device for NCCL (cudaGetDeviceCount: ",
              cudaGetErrorString(found), ", ", devices, " devices)");
    device_ = local_rank_ % devices;
    check_cuda(cudaSetDevice(device_), "cudaSetDevice");
    ncclUniqueId id{};
    if (rank_ == 0) check_nccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
    if (launch.launcher == "torchrun")
      tcp_broadcast_from_rank0(&id, sizeof id, rank_, world_, launch.master_addr,
                               launch.master_port, timeout_seconds);
    else
      mpi_broadcast_bytes(&id, sizeof id, 0, timeout_seconds);
    check_nccl(ncclCommInitRank(&comm_, world_, id, rank_), "ncclCommInitRank");
  }
  ~NcclCommunicator() override {
    if (comm_) ncclCommDestroy(comm_);
  }

  int rank() const override { return rank_; }
  int world() const override { return world_; }
  int local_rank() const override { return local_rank_; }
  std::string backend() const override { return str_cat("NCCL (GPU ", device_, ")"); }

  void all_reduce_sum(Tensor& t) override { reduce(t, ncclSum, "all_reduce"); }
  void all_reduce_mean(Tensor& t) override { reduce(t, ncclAvg, "all_reduce_mean"); }

  Tensor all_gather(const Tensor& t) override {
    SYN_CHECK(t.defined() && t.dim() >= 1, where(),
              ": NCCL all_gather needs a tensor with a "
              "first dimension");
    Tensor in = on_device(t);
    Shape shape = in.shape();
    shape[0] *= world_;
    Tensor out = Tensor::empty(shape, Device::CUDA);
    check_nccl(ncclAllGather(in.data(), out.data(), (size_t)in.numel(), ncclFloat, comm_, 0),
               "all_gather");
    wait("all_gather");
    return t.device() == Device::CUDA ? out : out.to(Device::CPU);
  }

  void broadcast(Tensor& t, int root) override {
    Tensor d = on_device(t);
    check_nccl(ncclBroadcast(d.data(), d.data(), (size_t)d.numel(), ncclFloat, root, comm_, 0),
               "broadcast");
    wait("broadcast");
    if (t.device() != Device::CUDA) t.copy_(d.to(Device::CPU));
  }

  void barrier() override {
    Tensor one = Tensor::full({1}, 1.0f, Device::CUDA);
    reduce(one, ncclSum, "barrier");
  }

  [[noreturn]] void abort(int code) override {
    std::cerr.flush();
    if (comm_) ncclCommAbort(comm_);
    comm_ = nullptr;
    std::_Exit(code);
  }

 private:
  Tensor on_device(const Tensor& t) const {
    SYN_CHECK(t.defined(), where(), ": NCCL collective on an undefined tensor");
    return t.device() == Device::CUDA ? t : t.to(Device::CUDA);
  }

  void reduce(Tensor& t, ncclRedOp_t op, const char* name) {
    Tensor d = on_device(t);
    check_nccl(
        ncclAllReduce(d.data(), d.data(), (size_t)d.numel(), ncclFloat, op, comm_, /*stream=*/0),
        name);
    wait(name);
    if (t.device() != Device::CUDA) t.copy_(d.to(Device::CPU));
  }

  // Polls the default stream and NCCL's asynchronous error until the collective is done.
  void wait(const char* op) {
    using clock = std::chrono::steady_clock;
    const double limit = timeout_seconds() > 0 ? timeout_seconds() : 1e9;
    const auto deadline = clock::now() + std::chrono::duration_cast<clock::duration>(
                                             std::chrono::duration<double>(limit));
    for (int polls = 0;; ++polls) {
      cudaError_t q = cudaStreamQuery(0);
      if (q == cudaSuccess) return;
      if (q != cudaErrorNotReady) check_cuda(q, op);
      ncclResult_t async = ncclSuccess;
      ncclCommGetAsyncError(comm_, &async);
      if (async != ncclSuccess && async != ncclInProgress)
        fatal(op, str_cat("NCCL error: ", ncclGetErrorString(async)));
      if (clock::now() > deadline)
        fatal(op, str_cat("did not complete within ", timeout_seconds(),
                          " s (--dist_timeout_seconds): another rank died or hangs"));
      if (polls > 1000) std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }

  [[noreturn]] void fatal(const char* op, const std::string& why) {
    std::cerr << where() << ": NCCL " << op << " " << why << "; aborting" << std::endl;
    abort(1);
  }

  void check_cuda(cudaError_t e, const char* op) const {
    SYN_CHECK(e == cudaSuccess, where(), ": ", op, ": ", cudaGetErrorString(e));
  }
  void check_nccl(ncclResult_t r, const char* op) const {
    SYN_CHECK(r == ncclSuccess, where(), ": NCCL ", op, " failed: ", ncclGetErrorString(r));
  }

  int rank_, world_, local_rank_, device_ = 0;
  ncclComm_t comm_ = nullptr;
};

}  // namespace

std::unique_ptr<Communicator> make_nccl_communicator(const LaunchInfo& launch,
                                                     double timeout_seconds) {
  return std::make_unique<NcclCommunicator>(launch, timeout_seconds);
}

#else  // !SYN_WITH_NCCL

bool nccl_built() { return false; }

std::unique_ptr<Communicator> make_nccl_communicator(const LaunchInfo& launch, double) {
  SYN_FAIL("rank ", launch.rank, "/", launch.world,
           ": --device cuda with several processes needs NCCL, and this build has none (a CUDA "
           "build, -DSYN_CUDA=ON, with the toolkit's NCCL); CPU processes use MPI: --device cpu");
}

#endif

}  // namespace syn::dist

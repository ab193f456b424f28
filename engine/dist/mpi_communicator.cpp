// mpi_communicator.cpp — see mpi_communicator.h.
#include "engine/dist/mpi_communicator.h"

#include <chrono>
#include <climits>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "engine/check.h"

#if SYN_WITH_MPI
#include <mpi.h>
#endif

namespace syn::dist {

#if SYN_WITH_MPI

bool mpi_built() { return true; }

namespace {

std::string mpi_error_text(int rc) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS) return str_cat("MPI error ", rc);
  return std::string(text, (size_t)len);
}

int world_rank() {
  int r = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}

void check_mpi(int rc, const std::string& where, const char* op) {
  SYN_CHECK(rc == MPI_SUCCESS, where, ": MPI ", op, " failed: ", mpi_error_text(rc));
}

// Initialises MPI once per process (funnelled: only the main thread calls MPI; OpenMP workers
// never do) and finalises it at exit.
void ensure_mpi_initialised() {
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (initialised) return;
  int provided = 0;
  int rc = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  SYN_CHECK(rc == MPI_SUCCESS, "MPI_Init_thread failed (error ", rc, ")");
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  std::atexit([] {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Finalize();
  });
}

// Polls `req` until it completes; past the deadline the whole job is aborted, since the peers
// of a collective that never completes cannot be released any other way.
void wait_or_abort(MPI_Request& req, const std::string& where, const char* op,
                   double timeout_seconds) {
  using clock = std::chrono::steady_clock;
  const auto deadline =
      clock::now() + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(
                         timeout_seconds > 0 ? timeout_seconds : 1e9));
  // Spin briefly (collectives of small tensors complete in microseconds), then back off to
  // short sleeps so a waiting rank leaves the cores to the ranks still computing.
  int polls = 0;
  for (;;) {
    int done = 0;
    check_mpi(MPI_Test(&req, &done, MPI_STATUS_IGNORE), where, op);
    if (done) return;
    if (clock::now() > deadline) {
      std::cerr << where << ": MPI " << op << " did not complete within " << timeout_seconds
                << " s (--dist_timeout_seconds): another rank died or hangs; aborting the job"
                << std::endl;
      MPI_Abort(MPI_COMM_WORLD, 1);
      std::_Exit(1);
    }
    if (++polls > 1000)
      std::this_thread::sleep_for(std::chrono::microseconds(polls > 20000 ? 1000 : 50));
  }
}

int checked_count(int64_t n, const std::string& where, const char* op) {
  SYN_CHECK(n >= 0 && n <= INT_MAX, where, ": MPI ", op, ": ", n,
            " elements exceed MPI's int count");
  return (int)n;
}

class MpiCommunicator : public Communicator {
 public:
  explicit MpiCommunicator(const LaunchInfo& launch) : local_rank_(launch.local_rank) {
    ensure_mpi_initialised();
    check_mpi(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI", "Comm_rank");
    check_mpi(MPI_Comm_size(MPI_COMM_WORLD, &world_), "MPI", "Comm_size");
    SYN_CHECK(rank_ == launch.rank && world_ == launch.world, "MPI sees rank ", rank_, "/", world_,
              " but the ", launch.launcher, " environment says ", launch.rank, "/", launch.world,
              " (was the program started by a launcher of another MPI?)");
  }

  int rank() const override { return rank_; }
  int world() const override { return world_; }
  int local_rank() const override { return local_rank_; }
  std::string backend() const override { return "MPI"; }

  void all_reduce_sum(Tensor& t) override {
    check_cpu(t, "all_reduce");
    if (world_ == 1) return;
    MPI_Request req;
    check_mpi(
        MPI_Iallreduce(MPI_IN_PLACE, t.data(), checked_count(t.numel(), where(), "all_reduce"),
                       MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &req),
        where(), "all_reduce");
    wait_or_abort(req, where(), "all_reduce", timeout_seconds());
  }

  void all_reduce_mean(Tensor& t) override {
    all_reduce_sum(t);
    const float inv = 1.0f / (float)world_;  // in place: no second 10 MB buffer per step
    float* p = t.data();
    for (int64_t i = 0, n = t.numel(); i < n; ++i) p[i] *= inv;
  }

  Tensor all_gather(const Tensor& t) override {
    check_cpu(t, "all_gather");
    SYN_CHECK(t.dim() >= 1, where(), ": all_gather needs a tensor with a first dimension, got ",
              t.describe());
    Shape shape = t.shape();
    shape[0] *= world_;
    Tensor out = Tensor::empty(shape, Device::CPU);
    const int n = checked_count(t.numel(), where(), "all_gather");
    MPI_Request req;
    check_mpi(
        MPI_Iallgather(t.data(), n, MPI_FLOAT, out.data(), n, MPI_FLOAT, MPI_COMM_WORLD, &req),
        where(), "all_gather");
    wait_or_abort(req, where(), "all_gather", timeout_seconds());
    return out;
  }

  void broadcast(Tensor& t, int root) override {
    check_cpu(t, "broadcast");
    SYN_CHECK(root >= 0 && root < world_, where(), ": broadcast from rank ", root,
              " outside the world");
    MPI_Request req;
    check_mpi(MPI_Ibcast(t.data(), checked_count(t.numel(), where(), "broadcast"), MPI_FLOAT, root,
                         MPI_COMM_WORLD, &req),
              where(), "broadcast");
    wait_or_abort(req, where(), "broadcast", timeout_seconds());
  }

  void barrier() override {
    MPI_Request req;
    check_mpi(MPI_Ibarrier(MPI_COMM_WORLD, &req), where(), "barrier");
    wait_or_abort(req, where(), "barrier", timeout_seconds());
  }

  [[noreturn]] void abort(int code) override {
    std::cerr.flush();
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);
  }

 private:
  void check_cpu(const Tensor& t, const char* op) const {
    SYN_CHECK(t.defined() && t.device() == Device::CPU, where(), ": MPI ", op,
              " takes CPU tensors (the NCCL backend takes CUDA ones), got ",
              t.defined() ? t.describe() : std::string("an undefined tensor"));
  }
  int rank_ = 0, world_ = 1, local_rank_ = 0;
};

}  // namespace

std::unique_ptr<Communicator> make_mpi_communicator(const LaunchInfo& launch,
                                                    double timeout_seconds) {
  auto comm = std::make_unique<MpiCommunicator>(launch);
  comm->set_timeout_seconds(timeout_seconds);
  return comm;
}

void mpi_broadcast_bytes(void* bytes, size_t n, int root, double timeout_seconds) {
  ensure_mpi_initialised();
  const std::string where = str_cat("rank ", world_rank());
  MPI_Request req;
  check_mpi(MPI_Ibcast(bytes, checked_count((int64_t)n, where, "broadcast"), MPI_BYTE, root,
                       MPI_COMM_WORLD, &req),
            where, "broadcast");
  wait_or_abort(req, where, "broadcast", timeout_seconds);
}

#else  // !SYN_WITH_MPI

bool mpi_built() { return false; }

[[noreturn]] static void no_mpi(const LaunchInfo& launch) {
  SYN_FAIL("rank ", launch.rank, "/", launch.world, ": launched by ", launch.launcher,
           " with several processes, but this build has no MPI (install libopenmpi-dev and "
           "configure with -DSYN_MPI=ON)");
}

std::unique_ptr<Communicator> make_mpi_communicator(const LaunchInfo& launch, double) {
  no_mpi(launch);
}

void mpi_broadcast_bytes(void*, size_t, int, double) {
  SYN_FAIL("the NCCL id exchange through MPI needs a build with MPI (-DSYN_MPI=ON)");
}

#endif

}  // namespace syn::dist

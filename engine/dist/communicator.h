// communicator.h — the collective operations of data-parallel training (issue 17), behind one
// interface with three backends: the single process (identity; what every run without a launcher
// gets, with no MPI initialised), MPI for CPU tensors (mpi_communicator.h) and NCCL for CUDA
// tensors (nccl_communicator.h). launch.h picks one from the launcher's environment.
//
// Every rank must call the same collectives in the same order (as in MPI and NCCL). Tensors are
// contiguous fp32; the MPI backend takes CPU tensors, the NCCL backend CUDA tensors (CPU tensors
// are staged through the device). Every call is checked and its errors name the rank and the op;
// a collective that does not complete within timeout_seconds() (a rank died or hangs) ends the
// whole job with a message naming the rank, the op and the timeout.
#pragma once
#include <memory>
#include <string>

#include "engine/tensor.h"

namespace syn::dist {

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int world() const = 0;
  virtual int local_rank() const = 0;  // the process's index on its machine (picks the GPU)
  virtual std::string backend() const = 0;

  // In place on every rank: t becomes the element-wise sum (mean) of every rank's t.
  virtual void all_reduce_sum(Tensor& t) = 0;
  virtual void all_reduce_mean(Tensor& t);
  // Every rank's t ([n, ...], the same shape on every rank) stacked along dim 0 in rank order:
  // [world * n, ...].
  virtual Tensor all_gather(const Tensor& t) = 0;
  // In place: t becomes root's t.
  virtual void broadcast(Tensor& t, int root) = 0;
  virtual void barrier() = 0;

  // Ends every process of the job now (after an error on this rank that the others cannot
  // know of), with `code` as the exit status. The single process just exits.
  [[noreturn]] virtual void abort(int code) = 0;

  double timeout_seconds() const { return timeout_seconds_; }
  void set_timeout_seconds(double s) { timeout_seconds_ = s; }
  // "rank 1/4" — the prefix of every error and log line about this process.
  std::string where() const;

 private:
  double timeout_seconds_ = 300.0;
};

// World 1: every collective is the identity.
class SingleProcessCommunicator : public Communicator {
 public:
  int rank() const override { return 0; }
  int world() const override { return 1; }
  int local_rank() const override { return 0; }
  std::string backend() const override { return "single process"; }
  void all_reduce_sum(Tensor&) override {}
  void all_reduce_mean(Tensor&) override {}
  Tensor all_gather(const Tensor& t) override;
  void broadcast(Tensor&, int) override {}
  void barrier() override {}
  [[noreturn]] void abort(int code) override;
};

}  // namespace syn::dist

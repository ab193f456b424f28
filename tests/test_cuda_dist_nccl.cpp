// test_cuda_dist_nccl.cpp — the NCCL backend for real, as a world of one (one GPU; the rank-0
// side of the TCP rendezvous of torchrun-style launches included): every collective on CUDA
// tensors and on staged CPU tensors, the gather's gradient, sync batch norm on the GPU against the
// GPU's plain batch norm, and the time of one all-reduce of CLMR's gradient (2.66 M floats,
// 10.7 MB). Skipped (exit 77) without a GPU; several GPUs are not exercised here.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cmath>

#include "engine/dist/collectives.h"
#include "engine/dist/launch.h"
#include "engine/dist/nccl_communicator.h"
#include "engine/dist/sync_batchnorm.h"
#include "engine/ops/batchnorm.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"
#include "engine/rng.h"

using namespace syn;

static int free_port() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, (sockaddr*)&a, sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(s, (sockaddr*)&a, &len);
  ::close(s);
  return ntohs(a.sin_port);
}

static dist::Communicator& nccl() {
  static std::unique_ptr<dist::Communicator> c = [] {
    dist::LaunchInfo launch;
    launch.launcher = "torchrun";
    launch.master_addr = "127.0.0.1";
    launch.master_port = free_port();
    return dist::make_nccl_communicator(launch, 60);
  }();
  return *c;
}

static float max_diff(const Tensor& a, const Tensor& b) {
  std::vector<float> x = a.to_vector(), y = b.to_vector();
  REQUIRE(x.size() == y.size());
  float m = 0;
  for (size_t i = 0; i < x.size(); ++i) m = std::max(m, std::fabs(x[i] - y[i]));
  return m;
}

TEST_CASE("NCCL collectives on CUDA and staged CPU tensors (world 1)") {
  if (!dist::nccl_built()) return;
  dist::Communicator& c = nccl();
  CHECK(c.world() == 1);
  Tensor t = Tensor::from_vector({1, 2, 3}, {3}, Device::CUDA);
  c.all_reduce_sum(t);
  CHECK(t.to_vector() == std::vector<float>{1, 2, 3});
  c.all_reduce_mean(t);
  CHECK(t.to_vector() == std::vector<float>{1, 2, 3});
  Tensor h = Tensor::from_vector({4, 5}, {2});
  c.all_reduce_sum(h);  // staged through the GPU
  CHECK(h.device() == Device::CPU);
  CHECK(h.to_vector() == std::vector<float>{4, 5});
  Tensor g = c.all_gather(Tensor::from_vector({7, 8}, {1, 2}, Device::CUDA));
  CHECK(g.shape() == Shape{1, 2});
  CHECK(g.to_vector() == std::vector<float>{7, 8});
  c.broadcast(t, 0);
  c.barrier();
  Tensor x = Tensor::from_vector({1, 2, 3, 4}, {2, 2}, Device::CUDA);
  x.set_requires_grad();
  ops::sum(ops::scale(dist::all_gather_with_grad(x, c), 3.0f)).backward();
  CHECK(x.grad().to_vector() == std::vector<float>(4, 3.0f));
}

TEST_CASE("sync batch norm on the GPU through NCCL equals the GPU's batch norm") {
  if (!dist::nccl_built()) return;
  dist::Communicator& c = nccl();
  Rng rng(3);
  const int64_t B = 4, C = 8, L = 33;
  Tensor x = ops::add_scalar(Tensor::randn({B, C, L}, rng, 2.0f), 1.0f).to(Device::CUDA);
  Tensor g = Tensor::randn({B, C, L}, rng).to(Device::CUDA);
  Tensor w = Tensor::uniform({C}, rng, 0.5f, 1.5f).to(Device::CUDA);
  Tensor b = Tensor::uniform({C}, rng, -0.5f, 0.5f).to(Device::CUDA);
  auto run = [&](bool sync) {
    Tensor xx = x.clone().set_requires_grad(), ww = w.clone().set_requires_grad(),
           bb = b.clone().set_requires_grad();
    Tensor rm = Tensor::zeros({C}, Device::CUDA), rv = Tensor::full({C}, 1.0f, Device::CUDA);
    Tensor y = sync ? dist::sync_batchnorm1d(xx, ww, bb, rm, rv, 0.1f, 1e-5f, c)
                    : ops::batchnorm1d(xx, ww, bb, rm, rv, true, 0.1f, 1e-5f);
    ops::sum(ops::mul(y, g)).backward();
    return std::vector<Tensor>{y, xx.grad(), ww.grad(), bb.grad(), rm, rv};
  };
  std::vector<Tensor> plain = run(false), synced = run(true);
  const char* names[] = {"y", "dx", "dweight", "dbias", "running_mean", "running_var"};
  for (size_t i = 0; i < plain.size(); ++i) {
    INFO(names[i]);
    CHECK(max_diff(synced[i], plain[i]) < 1e-4f);
  }
}

TEST_CASE("time of one all-reduce of CLMR's gradient (2.66 M floats, 10.7 MB), world 1") {
  if (!dist::nccl_built()) return;
  dist::Communicator& c = nccl();
  Tensor grad = Tensor::full({2660000}, 1.0f, Device::CUDA);
  c.all_reduce_mean(grad);  // warm-up
  const int reps = 20;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < reps; ++i) c.all_reduce_mean(grad);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() /
      reps;
  MESSAGE("NCCL all_reduce_mean of 10.7 MB, world 1: ", ms, " ms");
  CHECK(grad.to_vector()[0] == 1.0f);
}

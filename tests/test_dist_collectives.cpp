// test_dist_collectives.cpp — engine/dist against the single-process result. CTest runs it twice:
// as one process (world 1: the identity backend, the formulas of sync batch norm and the gather's
// gradient, launch detection, the TCP rendezvous) and under `mpirun -np 2` (test_dist_mpi.sh:
// the MPI backend, every rank checking its share of the same global computation).
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstring>
#include <map>
#include <thread>

#include "engine/autograd.h"
#include "engine/dist/collectives.h"
#include "engine/dist/launch.h"
#include "engine/dist/sync_batchnorm.h"
#include "engine/dist/tcp_rendezvous.h"
#include "engine/ops/batchnorm.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"
#include "engine/ops/shape.h"
#include "engine/rng.h"

using namespace syn;

// One communicator per process, from the launcher's environment (MPI stays up until exit).
static dist::Communicator& comm() {
  static std::unique_ptr<dist::Communicator> c =
      dist::connect(dist::detect_launch(), /*cuda=*/false, /*timeout_seconds=*/120);
  return *c;
}

static void check_close(const std::vector<float>& a, const std::vector<float>& b, float tol,
                        const char* what) {
  REQUIRE(a.size() == b.size());
  float worst = 0;
  for (size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::fabs(a[i] - b[i]) / std::max(1.0f, std::fabs(b[i])));
  INFO(what, ": worst relative difference ", worst);
  CHECK(worst <= tol);
}

// Rows [r * n, (r + 1) * n) of a [N, ...] tensor's values.
static std::vector<float> rows(const Tensor& t, int64_t r, int64_t n) {
  return ops::slice(t, 0, r * n, (r + 1) * n).clone().to_vector();
}

TEST_CASE("all_reduce, all_gather, broadcast and barrier") {
  dist::Communicator& c = comm();
  const int W = c.world(), r = c.rank();
  Tensor t = Tensor::from_vector({1.0f + r, 10.0f * (r + 1), -2.0f}, {3});
  c.all_reduce_sum(t);
  const float tri = W * (W + 1) / 2.0f;
  CHECK(t.to_vector() == std::vector<float>{W + W * (W - 1) / 2.0f, 10 * tri, -2.0f * W});
  Tensor m = Tensor::from_vector({2.0f * r}, {1});
  c.all_reduce_mean(m);
  CHECK(m.item() == doctest::Approx(W - 1.0));
  Tensor g = c.all_gather(Tensor::from_vector({(float)r, (float)r + 0.5f}, {1, 2}));
  CHECK(g.shape() == Shape{W, 2});
  for (int q = 0; q < W; ++q) CHECK(g.to_vector()[(size_t)(2 * q + 1)] == q + 0.5f);
  Tensor b = Tensor::from_vector({(float)r + 7}, {1});
  c.broadcast(b, 0);
  CHECK(b.item() == 7.0f);
  c.barrier();
  CHECK_THROWS_WITH(c.all_gather(Tensor::scalar(1.0f)), doctest::Contains("rank"));
}

TEST_CASE("all_gather_with_grad: every rank's rows forward, the summed slice backward") {
  dist::Communicator& c = comm();
  const int W = c.world(), r = c.rank();
  Rng rng(5);
  Tensor weights = Tensor::randn({2 * (int64_t)W, 3}, rng);  // the same on every rank
  Tensor x = Tensor::from_vector({1.f + r, 2, 3, 4, 5, 6.f * (r + 1)}, {2, 3});
  x.set_requires_grad();
  Tensor all = dist::all_gather_with_grad(x, c);
  REQUIRE(all.shape() == Shape{2 * (int64_t)W, 3});
  CHECK(rows(all, r, 2) == x.to_vector());
  // Every rank computes the same loss on all rows, so dL/dx sums W equal contributions.
  ops::sum(ops::mul(all, weights)).backward();
  std::vector<float> expected = rows(weights, r, 2);
  for (float& v : expected) v *= (float)W;
  check_close(x.grad().to_vector(), expected, 1e-6f, "gradient of the gathered rows");
}

TEST_CASE("sync batch norm equals one process's batch norm over the whole batch") {
  dist::Communicator& c = comm();
  const int64_t W = c.world(), r = c.rank(), b = 3, C = 4, L = 5;
  Rng rng(11);
  // The global batch, identical on every rank; this rank normalises rows [r*b, (r+1)*b).
  Tensor X = ops::add_scalar(Tensor::randn({W * b, C, L}, rng, 2.0f), 3.0f);
  Tensor G = Tensor::randn({W * b, C, L}, rng);
  Tensor w = Tensor::from_vector({1.0f, 0.5f, -2.0f, 1.5f}, {C});
  Tensor bias = Tensor::from_vector({0.1f, 0.0f, -0.3f, 2.0f}, {C});

  // The reference: one process, all rows.
  Tensor Xr = X.clone().set_requires_grad(), wr = w.clone().set_requires_grad(),
         br = bias.clone().set_requires_grad();
  Tensor rm = Tensor::zeros({C}), rv = Tensor::full({C}, 1.0f);
  Tensor Y = ops::batchnorm1d(Xr, wr, br, rm, rv, /*training=*/true, 0.1f, 1e-5f);
  ops::sum(ops::mul(Y, G)).backward();

  // This rank's share.
  Tensor x = ops::slice(X, 0, r * b, (r + 1) * b).clone().set_requires_grad();
  Tensor g = ops::slice(G, 0, r * b, (r + 1) * b).clone();
  Tensor wl = w.clone().set_requires_grad(), bl = bias.clone().set_requires_grad();
  Tensor rml = Tensor::zeros({C}), rvl = Tensor::full({C}, 1.0f);
  Tensor y = dist::sync_batchnorm1d(x, wl, bl, rml, rvl, 0.1f, 1e-5f, c);
  ops::sum(ops::mul(y, g)).backward();

  check_close(y.to_vector(), rows(Y, r, b), 2e-5f, "output");
  check_close(x.grad().to_vector(), rows(Xr.grad(), r, b), 2e-4f, "input gradient");
  Tensor dw = wl.grad().clone(), db = bl.grad().clone();
  c.all_reduce_sum(dw);  // the per-rank parts of the parameter gradients add up
  c.all_reduce_sum(db);
  check_close(dw.to_vector(), wr.grad().to_vector(), 2e-5f, "weight gradient");
  check_close(db.to_vector(), br.grad().to_vector(), 2e-5f, "bias gradient");
  check_close(rml.to_vector(), rm.to_vector(), 1e-6f, "running mean");
  check_close(rvl.to_vector(), rv.to_vector(), 1e-6f, "running variance");
}

TEST_CASE("average_gradients: the mean over the ranks, in buckets, a missing gradient as zero") {
  dist::Communicator& c = comm();
  const int W = c.world(), r = c.rank();
  std::vector<Tensor> params{Tensor::zeros({3}).set_requires_grad(),
                             Tensor::zeros({5}).set_requires_grad(),
                             Tensor::zeros({2}).set_requires_grad()};
  params[0].set_grad(Tensor::from_vector({1.f * r, 2, 3}, {3}));
  params[1].set_grad(Tensor::from_vector({4.f * (r + 1), 5, 6, 7, 8}, {5}));
  Tensor old_grad = params[1].grad();
  // 16-byte buckets: [p0] (3 floats), [p1] alone (larger than a bucket), [p2].
  dist::average_gradients(params, c, 16);
  const float mean_r = (W - 1) / 2.0f;
  CHECK(params[0].grad().to_vector() == std::vector<float>{mean_r, 2, 3});
  CHECK(params[1].grad().to_vector() == std::vector<float>{4 * (mean_r + 1), 5, 6, 7, 8});
  if (W > 1)
    CHECK(params[2].grad().to_vector() == std::vector<float>{0, 0});
  else
    CHECK(!params[2].grad().defined());  // one process: nothing to average, nothing changes
  CHECK(old_grad.to_vector()[0] == 4.f * (r + 1));  // gradients are replaced, never mutated
}

TEST_CASE("broadcast_tensors gives every rank rank 0's values") {
  dist::Communicator& c = comm();
  Tensor t = Tensor::full({4}, (float)c.rank() + 1);
  dist::broadcast_tensors({t}, c);
  CHECK(t.to_vector() == std::vector<float>(4, 1.0f));
}

TEST_CASE("launch detection reads mpirun, srun and torchrun variables") {
  auto env = [](std::map<std::string, std::string> vars) {
    return [vars](const char* k) -> const char* {
      auto it = vars.find(k);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
  };
  dist::LaunchInfo none = dist::detect_launch(env({}));
  CHECK(none.launcher.empty());
  CHECK(none.world == 1);
  dist::LaunchInfo mpi = dist::detect_launch(env({{"OMPI_COMM_WORLD_RANK", "3"},
                                                  {"OMPI_COMM_WORLD_SIZE", "4"},
                                                  {"OMPI_COMM_WORLD_LOCAL_RANK", "1"}}));
  CHECK(mpi.launcher == "mpirun");
  CHECK((mpi.rank == 3 && mpi.world == 4 && mpi.local_rank == 1));
  dist::LaunchInfo slurm = dist::detect_launch(
      env({{"SLURM_PROCID", "5"}, {"SLURM_NTASKS", "8"}, {"SLURM_LOCALID", "1"}}));
  CHECK(slurm.launcher == "srun");
  CHECK((slurm.rank == 5 && slurm.world == 8 && slurm.local_rank == 1));
  dist::LaunchInfo torch = dist::detect_launch(env({{"RANK", "1"},
                                                    {"WORLD_SIZE", "2"},
                                                    {"LOCAL_RANK", "1"},
                                                    {"MASTER_ADDR", "node0"},
                                                    {"MASTER_PORT", "29500"}}));
  CHECK(torch.launcher == "torchrun");
  CHECK((torch.master_addr == "node0" && torch.master_port == 29500));
  CHECK_THROWS_WITH(dist::detect_launch(env({{"RANK", "1"}, {"WORLD_SIZE", "2"}})),
                    doctest::Contains("MASTER_ADDR"));
  CHECK_THROWS_WITH(dist::detect_launch(env({{"SLURM_PROCID", "x"}, {"SLURM_NTASKS", "2"}})),
                    doctest::Contains("SLURM_PROCID"));
  CHECK_THROWS_WITH(dist::detect_launch(env({{"SLURM_PROCID", "2"}, {"SLURM_NTASKS", "2"}})),
                    doctest::Contains("outside"));
  // CPU processes need MPI's own launcher.
  CHECK_THROWS_WITH(dist::connect(torch, /*cuda=*/false, 5), doctest::Contains("mpirun"));
}

// A port that was free a moment ago (the kernel's choice for an ephemeral bind).
static int free_port() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(s, (sockaddr*)&a, sizeof a) == 0);
  socklen_t len = sizeof a;
  ::getsockname(s, (sockaddr*)&a, &len);
  ::close(s);
  return ntohs(a.sin_port);
}

TEST_CASE("TCP rendezvous: rank 0's bytes reach every other rank") {
  const int port = free_port();
  const int world = 3;
  std::vector<std::array<char, 128>> got(world);
  std::strcpy(got[0].data(), "the unique id of rank 0");
  std::vector<std::string> errors(world);
  std::vector<std::thread> ranks;
  for (int r = world - 1; r >= 0; --r)  // the others start first: they must retry
    ranks.emplace_back([&, r] {
      try {
        dist::tcp_broadcast_from_rank0(got[(size_t)r].data(), 128, r, world, "127.0.0.1", port, 20);
      } catch (const std::exception& e) {
        errors[(size_t)r] = e.what();
      }
    });
  for (auto& t : ranks) t.join();
  for (int r = 0; r < world; ++r) {
    CHECK(errors[(size_t)r] == "");
    CHECK(std::string(got[(size_t)r].data()) == "the unique id of rank 0");
  }
  // Nobody listening: a clear error within the timeout.
  std::array<char, 8> buf{};
  CHECK_THROWS_WITH(
      dist::tcp_broadcast_from_rank0(buf.data(), 8, 1, 2, "127.0.0.1", free_port(), 0.5),
      doctest::Contains("could not reach rank 0"));
}

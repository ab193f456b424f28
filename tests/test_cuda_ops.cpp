// test_cuda_ops.cpp — every CUDA kernel slot against the CPU: the op-case list
// (tests/support/op_case.h) run in its CUDA mode (forward and every gradient, on tiny, odd,
// multi-block and random shapes, each case with its own tolerance), plus what is not an op
// comparison: the alternative kernel versions against the live ones, determinism, device-only
// behaviour (NaN, all-ignored rows, errors), the 2-D modules on the GPU, and the caching
// allocator (engine/device_cuda.cu). Linked with tests/support/cuda_test_main.cpp: exits with 77
// (skipped) without a GPU. (test_cuda_layers, test_cuda_clmr_step and test_cuda_spectrogram
// cover the conv1d kernel versions, the CLMR step and the log-mel.)
//
// Version tolerances: pure data movement and dropout masks are bit-exact; reductions sum in
// double and differ only in order (rtol 1e-5, floor 1e-5 x max).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "engine/nn/layers2d.h"
#include "engine/ops/attention.h"
#include "engine/ops/dropout.h"
#include "engine/ops/groupnorm.h"
#include "engine/ops/loss.h"
#include "engine/ops/reduce_max.h"
#include "engine/ops/shape.h"
#include "engine/rng.h"
#include "tests/support/op_check.h"

#ifdef SYN_WITH_CUDA
#include "kernels/dropout_cuda.h"
#include "kernels/loss_cuda.h"
#include "kernels/optim_cuda.h"
#include "kernels/reduce_cuda.h"
#include "kernels/shape_cuda.h"
#endif

using namespace syn;
using test::Tol;

namespace {

const Device kGpu = Device::CUDA;
const Tol kExact{};
const Tol kSum{1e-5f, 0.0f, 1e-5f};

float max_abs(const Tensor& t) {
  float m = 0;
  for (float v : t.to_vector()) m = std::max(m, std::fabs(v));
  return m;
}

}  // namespace

// ---------------------------------------------------------------------------- the op cases

TEST_CASE("cuda: every slot has a CUDA kernel that an op case compares with the CPU") {
  const std::set<std::string> compared = test::declared_slots(test::kModeCuda);
  // Compared elsewhere: the log-mel needs an ulp-based check (tests/test_cuda_spectrogram.cpp).
  const std::set<std::string> elsewhere = {"musicnn_log_mel"};
  for (const KernelInfo& k : kernel_registry_view()) {
    CHECK_MESSAGE(k.has_cuda, "slot ", k.name, " has no CUDA kernel");
    if (elsewhere.count(k.name)) continue;
    CHECK_MESSAGE(compared.count(k.name), "slot ", k.name,
                  " is compared on CUDA by no op case (tests/support/op_cases_*.cpp)");
  }
}

TEST_CASE("cuda: every op case matches the CPU, forward and every gradient") {
  int run = 0;
  for (const test::OpCase& c : test::op_cases()) {
    if (!(c.modes & test::kModeCuda)) continue;
    test::check_cuda(c);
    ++run;
  }
  CHECK(run > 0);
}

// ---------------------------------------------------------------- device-only behaviour

TEST_CASE("cuda: dropout draws exactly once from the Rng, as on the CPU") {
  Rng data_rng(28);
  Tensor x = Tensor::randn({4099}, data_rng);
  Rng rc(7), rg(7);
  ops::dropout(x, 0.5f, true, rc);
  ops::dropout(x.to(kGpu), 0.5f, true, rg);
  CHECK(rc.next_u64() == rg.next_u64());
}

TEST_CASE("cuda: max and min propagate NaN like the CPU") {
  Tensor n = Tensor::from_vector({1, NAN, 7, NAN, 2, 3}, {2, 3});
  for (int64_t d : {0, 1}) {
    std::vector<float> c = ops::max(n, d).to_vector(), g = ops::max(n.to(kGpu), d).to_vector();
    REQUIRE(c.size() == g.size());
    for (size_t i = 0; i < c.size(); ++i)
      CHECK((std::isnan(c[i]) ? std::isnan(g[i]) : c[i] == g[i]));
    std::vector<float> cm = ops::min(n, d).to_vector(), gm = ops::min(n.to(kGpu), d).to_vector();
    REQUIRE(cm.size() == gm.size());
    for (size_t i = 0; i < cm.size(); ++i)
      CHECK((std::isnan(cm[i]) ? std::isnan(gm[i]) : cm[i] == gm[i]));
  }
}

TEST_CASE("cuda: cross_entropy with every row ignored is NaN with a zero gradient") {
  Rng rng(56);
  Tensor xg = Tensor::randn({4, 3}, rng).to(kGpu).set_requires_grad();
  Tensor loss = ops::cross_entropy(xg, {1, 1, 1, 1}, 1);
  CHECK(std::isnan(loss.item()));
  loss.backward();
  CHECK(max_abs(xg.grad()) == 0.0f);
  Tensor one = Tensor::randn({1, 1}, rng).to(kGpu).set_requires_grad();
  Tensor l1 = ops::cross_entropy(one, {0}, 0);
  CHECK(std::isnan(l1.item()));
  l1.backward();
  CHECK(max_abs(one.grad()) == 0.0f);
}

TEST_CASE("cuda: attention is deterministic and rejects heads above 128") {
  Rng rng(55);
  Tensor q = Tensor::randn({2, 2, 40, 64}, rng).to(kGpu).set_requires_grad();
  Tensor k = Tensor::randn({2, 2, 40, 64}, rng).to(kGpu).set_requires_grad();
  Tensor v = Tensor::randn({2, 2, 40, 64}, rng).to(kGpu).set_requires_grad();
  Tensor dy = Tensor::randn({2, 2, 40, 64}, rng).to(kGpu);
  ops::AttentionOptions opt;
  opt.causal = true;
  std::vector<std::vector<float>> runs;
  for (int r = 0; r < 2; ++r) {
    q.zero_grad(), k.zero_grad(), v.zero_grad();
    Tensor out = ops::attention(q, k, v, opt);
    out.backward(dy);
    std::vector<float> all = out.to_vector();
    for (const Tensor* t : {&q, &k, &v}) {
      std::vector<float> g = t->grad().to_vector();
      all.insert(all.end(), g.begin(), g.end());
    }
    runs.push_back(all);
  }
  CHECK(runs[0] == runs[1]);

  Tensor big = Tensor::zeros({1, 1, 2, 129}, kGpu);
  CHECK_THROWS_WITH_AS(ops::attention(big, big, big), doctest::Contains("head size 129"), Error);
}

TEST_CASE("cuda: group_norm is deterministic") {
  Rng rng(92);
  Tensor x = Tensor::randn({2, 64, 32, 32}, rng).to(kGpu).set_requires_grad();
  Tensor w = Tensor::uniform({64}, rng, 0.5f, 1.5f).to(kGpu).set_requires_grad();
  Tensor dy = Tensor::randn({2, 64, 32, 32}, rng).to(kGpu);
  std::vector<std::vector<float>> runs;
  for (int r = 0; r < 2; ++r) {
    x.zero_grad(), w.zero_grad();
    Tensor y = ops::group_norm(x, 32, w, Tensor());
    y.backward(dy);
    std::vector<float> all = y.to_vector(), gx = x.grad().to_vector(), gw = w.grad().to_vector();
    all.insert(all.end(), gx.begin(), gx.end());
    all.insert(all.end(), gw.begin(), gw.end());
    runs.push_back(all);
  }
  CHECK(runs[0] == runs[1]);
}

TEST_CASE("cuda: the 2-D modules run on the GPU") {
  Rng rng(91);
  nn::Conv2d conv(1, 4, 7, 5, {3, 3, 0, 0}, true, rng);
  nn::BatchNorm2d bn(4, 0.01f, 1e-3f);
  nn::MaxPool2d pool(1, 12);
  Tensor x = Tensor::randn({2, 1, 10, 16}, rng);
  Tensor yc = pool(bn(conv(x)));
  const float rm_cpu = bn.running_mean.to_vector()[1];
  // start the GPU copy from the same state
  nn::BatchNorm2d bn_gpu(4, 0.01f, 1e-3f);
  conv.to(kGpu);
  bn_gpu.to(kGpu);
  Tensor yg = pool(bn_gpu(conv(x.to(kGpu))));
  CHECK(yg.is_cuda());
  CHECK(yg.shape() == Shape{2, 4, 10, 1});
  test::check_tol(yg, yc, "conv -> bn -> pool", Tol{1e-4f, 0.0f, 1e-5f});
  CHECK(bn_gpu.num_batches_tracked.is_cuda());
  CHECK(bn_gpu.num_batches_tracked.item() == 1.0f);
  CHECK(bn_gpu.running_mean.to_vector()[1] == doctest::Approx(rm_cpu).epsilon(1e-5));
}

// -------------------------------------------------------- alternative kernel versions

#ifdef SYN_WITH_CUDA
TEST_CASE("cuda: l2_normalize and log_softmax version 1 (block per row) equal version 2") {
  Rng rng(21);
  for (Shape s : std::vector<Shape>{{7, 33}, {40, 3}, {3, 1025}}) {
    Tensor x = Tensor::randn(s, rng).to(kGpu);
    Tensor y1 = Tensor::empty(s, kGpu), y2 = Tensor::empty(s, kGpu);
    cuda_kernels::l2_normalize_v(1, x.data(), y1.data(), s[0], s[1], 1e-12f);
    cuda_kernels::l2_normalize_v(2, x.data(), y2.data(), s[0], s[1], 1e-12f);
    test::check_tol(y1, y2, "l2_normalize v1 vs v2 " + shape_str(s), kSum);
    cuda_kernels::log_softmax_v(1, x.data(), y1.data(), s[0], s[1]);
    cuda_kernels::log_softmax_v(2, x.data(), y2.data(), s[0], s[1]);
    test::check_tol(y1, y2, "log_softmax v1 vs v2 " + shape_str(s), kSum);
  }
}

TEST_CASE("cuda: nt_xent version 1 (separate kernels) equals version 2 (fused)") {
  Rng rng(24);
  for (auto [m, d] : std::vector<std::pair<int64_t, int64_t>>{{2, 3}, {96, 64}, {14, 300}}) {
    Tensor z = Tensor::randn({m, d}, rng).to(kGpu);
    Tensor dloss = Tensor::full({}, 0.7f, kGpu);
    Tensor u[2], norm[2], prob[2], loss[2], dz[2];
    for (int v = 0; v < 2; ++v) {
      u[v] = Tensor::empty({m, d}, kGpu), norm[v] = Tensor::empty({m}, kGpu);
      prob[v] = Tensor::empty({m, m}, kGpu), loss[v] = Tensor::empty({}, kGpu);
      dz[v] = Tensor::empty({m, d}, kGpu);
      cuda_kernels::nt_xent_v(v + 1, z.data(), u[v].data(), norm[v].data(), prob[v].data(),
                              loss[v].data(), m, d, 2.0f, kNtXentEps);
      cuda_kernels::nt_xent_backward_v(v + 1, u[v].data(), norm[v].data(), prob[v].data(),
                                       dloss.data(), dz[v].data(), m, d, 2.0f, kNtXentEps);
    }
    const std::string tag = str_cat(" ", m, "x", d);
    test::check_tol(u[0], u[1], "nt_xent u v1 vs v2" + tag, kSum);
    test::check_tol(norm[0], norm[1], "nt_xent norm v1 vs v2" + tag, kSum);
    test::check_tol(prob[0], prob[1], "nt_xent prob v1 vs v2" + tag, kSum);
    test::check_tol(loss[0], loss[1], "nt_xent loss v1 vs v2" + tag, kSum);
    test::check_tol(dz[0], dz[1], "nt_xent dz v1 vs v2" + tag, kSum);
  }
}

TEST_CASE("cuda: reduce_sum version 1 (naive) equals version 2") {
  Rng rng(25);
  struct Geo {
    int64_t outer, n, inner;
  };
  for (Geo g : std::vector<Geo>{{1, 50000, 1}, {7, 3, 1}, {2, 5000, 3}, {4, 9, 100}}) {
    Tensor x = Tensor::randn({g.outer * g.n * g.inner}, rng).to(kGpu);
    Tensor o1 = Tensor::empty({g.outer * g.inner}, kGpu),
           o2 = Tensor::empty({g.outer * g.inner}, kGpu);
    cuda_kernels::reduce_sum_v(1, x.data(), o1.data(), g.outer, g.n, g.inner, 0.5f);
    cuda_kernels::reduce_sum_v(2, x.data(), o2.data(), g.outer, g.n, g.inner, 0.5f);
    test::check_tol(o1, o2, "reduce v1 vs v2", kSum);
  }
}

TEST_CASE("cuda: transpose version 1 (gather) equals version 2 (tiles)") {
  Rng rng(26);
  Tensor x = Tensor::randn({3 * 70 * 2 * 45}, rng).to(kGpu);
  Tensor y1 = Tensor::empty(x.shape(), kGpu), y2 = Tensor::empty(x.shape(), kGpu);
  cuda_kernels::transpose_v(1, x.data(), y1.data(), 3, 70, 2, 45, 1);
  cuda_kernels::transpose_v(2, x.data(), y2.data(), 3, 70, 2, 45, 1);
  test::check_tol(y1, y2, "transpose v1 vs v2", kExact);
}

TEST_CASE("cuda: copy2d versions 1, 2, 3 agree, aligned and not") {
  Rng rng(27);
  Tensor src = Tensor::randn({40 * 37}, rng).to(kGpu);
  struct Geo {
    int64_t src_off, sp, dst_off, dp, rows, cols;
  };
  for (Geo g : std::vector<Geo>{{0, 36, 0, 40, 30, 32},
                                {1, 37, 3, 37, 30, 33},
                                {0, 37, 0, 37, 39, 37},
                                {4, 8, 0, 4, 100, 4}}) {
    Tensor out[3];
    for (int v = 0; v < 3; ++v) {
      out[v] = Tensor::zeros({40 * 40}, kGpu);
      cuda_kernels::copy2d_v(v + 1, src.data() + g.src_off, g.sp, out[v].data() + g.dst_off, g.dp,
                             g.rows, g.cols);
    }
    test::check_tol(out[0], out[2], "copy2d v1 vs v3", kExact);
    test::check_tol(out[1], out[2], "copy2d v2 vs v3", kExact);
  }
}

TEST_CASE("cuda: dropout_mask versions, aligned and misaligned, equal dropout_uniform") {
  const int64_t n = 1001;
  const uint64_t seed = 0x1234567890abcdefull;
  const float p = 0.3f;
  std::vector<float> expected((size_t)n);
  for (int64_t i = 0; i < n; ++i)
    expected[(size_t)i] = dropout_uniform(seed, i) >= p ? 1.0f / (1.0f - p) : 0.0f;
  Tensor want = Tensor::from_vector(expected, {n});
  for (int v = 1; v <= 2; ++v) {
    for (int64_t off : {int64_t{0}, int64_t{1}}) {
      Tensor buf = Tensor::zeros({n + 1}, kGpu);
      cuda_kernels::dropout_mask_v(v, buf.data() + off, n, p, seed);
      Tensor got = ops::slice(buf, 0, off, off + n);
      test::check_tol(got, want,
                      "dropout_mask v" + std::to_string(v) + " offset " + std::to_string(off),
                      kExact);
    }
  }
}

TEST_CASE("cuda: lars_norms versions agree and a zero-length tensor gives zeros") {
  Rng rng(33);
  for (int64_t n : {int64_t{0}, int64_t{1}, int64_t{4097}, int64_t{3000001}}) {
    Tensor w = Tensor::randn({std::max<int64_t>(n, 1)}, rng).to(kGpu);
    Tensor g = Tensor::randn({std::max<int64_t>(n, 1)}, rng).to(kGpu);
    Tensor s1 = Tensor::full({2}, -1.0f, kGpu), s2 = Tensor::full({2}, -1.0f, kGpu);
    cuda_kernels::lars_norms_v(1, w.data(), g.data(), 0.01f, s1.data(), n);
    cuda_kernels::lars_norms_v(2, w.data(), g.data(), 0.01f, s2.data(), n);
    test::check_tol(s1, s2, "lars_norms v1 vs v2 n=" + std::to_string(n), kSum);
    if (n == 0) test::check_tol(s2, Tensor::zeros({2}), "lars_norms n=0", kExact);
  }
}

// ------------------------------------------------------------------------- caching allocator

TEST_CASE("cuda: the caching allocator reuses, trims and reports out-of-memory clearly") {
  if (const char* off = std::getenv("SYN_CUDA_NO_CACHE"); off && off[0] == '1') {
    MESSAGE("SYN_CUDA_NO_CACHE=1: the cache is off by request, nothing to test here");
    return;
  }
  SUBCASE("size classes: at least the request, at most 25% (and 512 B) more") {
    for (size_t b : {size_t{0}, size_t{1}, size_t{512}, size_t{513}, size_t{1000}, size_t{1025},
                     size_t{4096}, size_t{4097}, size_t{123457}, size_t{1} << 30}) {
      size_t c = cuda::allocation_class(b);
      CHECK(c >= b);
      CHECK(c % 512 == 0);
      CHECK((double)c <= std::max(512.0, 1.25 * (double)b + 512.0));
    }
    CHECK(cuda::allocation_class(1000) == cuda::allocation_class(1024));
  }
  SUBCASE("a freed block is handed out again without cudaMalloc") {
    cuda::trim_cache();
    { Tensor a = Tensor::empty({12345}, kGpu); }
    cuda::CacheStats s0 = cuda::cache_stats();
    CHECK(s0.cached_blocks >= 1);
    {
      Tensor b = Tensor::full({12345}, 2.0f, kGpu);
      CHECK(b.to_vector()[12344] == 2.0f);
    }
    cuda::CacheStats s1 = cuda::cache_stats();
    CHECK(s1.cuda_malloc_calls == s0.cuda_malloc_calls);
    CHECK(s1.cache_hits == s0.cache_hits + 1);
    CHECK(cuda::trim_cache() >= cuda::allocation_class(12345 * sizeof(float)));
    CHECK(cuda::cache_stats().cached_bytes == 0);
  }
  SUBCASE("out of memory names the request and leaves the device usable") {
    const int64_t huge = int64_t{1} << 46;  // 256 TiB of floats
    bool threw = false;
    try {
      Tensor t = Tensor::empty({huge}, kGpu);
    } catch (const Error& e) {
      threw = true;
      std::string msg = e.what();
      CHECK(msg.find("out of memory") != std::string::npos);
      CHECK(msg.find(std::to_string(huge * 4)) != std::string::npos);
      CHECK(msg.find("free") != std::string::npos);
    }
    CHECK(threw);
    Tensor ok = Tensor::full({3}, 1.5f, kGpu);
    CHECK(ok.to_vector() == std::vector<float>{1.5f, 1.5f, 1.5f});
  }
}
#endif

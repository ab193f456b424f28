// test_cuda_text_ops.cpp — the CUDA kernels of the text decoder's ops
// (kernels/{embedding,layernorm,activation,attention}.cu, and cross-entropy's ignore_index in
// kernels/loss.cu) against the CPU kernels, through the ops, forward and backward, on tiny, odd,
// multi-tile and random shapes. Linked with tests/support/cuda_test_main.cpp: exits with 77
// (skipped) without a GPU.
//
// Tolerances. Embedding forward copies (bit-exact); its gradient and layer norm accumulate in
// double on both devices (rtol 1e-5). GELU: fp32 libm vs CUDA's erff/tanhf/expf, a few ulps
// (rtol 1e-5, floor 1e-6 x max). Attention: fp32 dot products and softmax sums in a different
// order on each device (rtol 1e-4, floor 1e-4 x max: gradients are differences of terms that
// carry errors in proportion to themselves, not to the result).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "engine/ops/activation.h"
#include "engine/ops/attention.h"
#include "engine/ops/embedding.h"
#include "engine/ops/layernorm.h"
#include "engine/ops/loss.h"
#include "engine/rng.h"
#include "tests/support/fixtures.h"

using namespace syn;

namespace {

const Device kGpu = Device::CUDA;

float max_abs(const Tensor& t) {
  float m = 0;
  for (float v : t.to_vector()) m = std::max(m, std::fabs(v));
  return m;
}

// rtol == 0: bit-exact. Otherwise |a - e| <= rtol |e| + rtol * floor_scale * max|e|.
void check_near(const Tensor& actual, const Tensor& expected, const std::string& what, float rtol,
                float floor_scale = 1.0f) {
  REQUIRE(actual.defined());
  REQUIRE(expected.defined());
  test::check_close(actual, expected, what, rtol, rtol * floor_scale * max_abs(expected));
}

using OpFn = std::function<Tensor(const std::vector<Tensor>&)>;

// Runs `f` on CPU copies and on CUDA copies of `inputs` (leaves requiring a gradient where
// `needs_grad` says so), compares the outputs, backpropagates the same random upstream gradient
// on both devices and compares every input gradient.
void compare(const std::string& what, const OpFn& f, const std::vector<Tensor>& inputs,
             const std::vector<bool>& needs_grad, float rtol, float floor_scale = 1.0f,
             uint64_t seed = 7) {
  REQUIRE(inputs.size() == needs_grad.size());
  std::vector<Tensor> cpu, gpu;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined()) {
      cpu.emplace_back(), gpu.emplace_back();
      continue;
    }
    Tensor a = inputs[i].clone(), b = inputs[i].to(kGpu);
    if (needs_grad[i]) a.set_requires_grad(), b.set_requires_grad();
    cpu.push_back(a);
    gpu.push_back(b);
  }
  Tensor yc = f(cpu), yg = f(gpu);
  REQUIRE(yg.is_cuda());
  check_near(yg, yc, what + " forward", rtol, floor_scale);
  if (std::none_of(needs_grad.begin(), needs_grad.end(), [](bool b) { return b; })) return;
  Rng rng(seed);
  Tensor dy = Tensor::randn(yc.shape(), rng);
  yc.backward(dy);
  yg.backward(dy.to(kGpu));
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!needs_grad[i]) continue;
    REQUIRE(cpu[i].grad().defined());
    REQUIRE(gpu[i].grad().defined());
    CHECK(gpu[i].grad().is_cuda());
    check_near(gpu[i].grad(), cpu[i].grad(), what + " grad of input " + std::to_string(i), rtol,
               floor_scale);
  }
}

// A [B, Tk] padding mask with random lengths in [0, Tk] (so some items may be fully padded).
Tensor random_padding(Rng& rng, int64_t B, int64_t Tk, bool allow_empty) {
  std::vector<int64_t> lengths;
  for (int64_t b = 0; b < B; ++b)
    lengths.push_back(allow_empty ? rng.randint(Tk + 1) : 1 + rng.randint(Tk));
  return ops::key_padding_from_lengths(lengths, Tk);
}

}  // namespace

TEST_CASE("cuda: every text-op slot has a CUDA kernel") {
  const std::vector<std::string> names = {
      "embedding_forward", "embedding_backward", "layer_norm_forward", "layer_norm_backward",
      "gelu_forward",      "gelu_backward",      "attention_forward",  "attention_backward"};
  auto& view = kernel_registry_view();
  for (const std::string& n : names) {
    auto it =
        std::find_if(view.begin(), view.end(), [&](const KernelInfo& k) { return n == k.name; });
    REQUIRE_MESSAGE(it != view.end(), "slot ", n, " is not registered");
    CHECK_MESSAGE(it->has_cuda, "slot ", n, " has no CUDA kernel");
  }
}

TEST_CASE("cuda: embedding matches the CPU") {
  Rng rng(51);
  struct Case {
    int64_t V, D, n;
    int64_t pad;  // -1: none
  };
  std::vector<Case> cases = {{1, 1, 1, -1},      {7, 3, 10, 2},   {50, 300, 200, 0},
                             {1000, 64, 37, -1}, {5, 700, 64, 4}, {3, 8, 500, 1}};
  for (int k = 0; k < 3; ++k)
    cases.push_back({1 + rng.randint(60), 1 + rng.randint(90), 1 + rng.randint(80), -1});
  for (const Case& c : cases) {
    std::vector<int64_t> ids;
    for (int64_t p = 0; p < c.n; ++p) ids.push_back(rng.randint(c.V));
    std::optional<int64_t> pad;
    if (c.pad >= 0) pad = c.pad;
    Tensor w = Tensor::randn({c.V, c.D}, rng);
    const std::string tag = "embedding V=" + std::to_string(c.V) + " D=" + std::to_string(c.D) +
                            " n=" + std::to_string(c.n);
    // forward is a copy: bit-exact
    Tensor yc = ops::embedding(w, ids, {c.n}, pad),
           yg = ops::embedding(w.to(kGpu), ids, {c.n}, pad);
    check_near(yg, yc, tag + " forward", 0.0f);
    compare(
        tag, [&](auto& in) { return ops::embedding(in[0], ids, {c.n}, pad); }, {w}, {true}, 1e-5f);
  }
}

TEST_CASE("cuda: layer_norm matches the CPU") {
  Rng rng(52);
  SUBCASE("shapes (warp per row up to 1024, block per row beyond; several column chunks)") {
    std::vector<Shape> shapes = {{1, 1}, {3, 17}, {33, 5}, {2, 3, 64}, {4, 1500}, {2000, 24}, {9}};
    for (int k = 0; k < 3; ++k) shapes.push_back({1 + rng.randint(50), 1 + rng.randint(300)});
    for (const Shape& s : shapes) {
      const int64_t D = s.back();
      Tensor x = Tensor::randn(s, rng, 2.0f);
      Tensor w = Tensor::uniform({D}, rng, 0.5f, 1.5f), b = Tensor::randn({D}, rng);
      compare(
          "layer_norm affine " + shape_str(s),
          [](auto& in) { return ops::layer_norm(in[0], in[1], in[2]); }, {x, w, b},
          {true, true, true}, 1e-5f);
      compare(
          "layer_norm plain " + shape_str(s),
          [](auto& in) { return ops::layer_norm(in[0], Tensor(), Tensor()); }, {x}, {true}, 1e-5f);
    }
  }
  SUBCASE("weight only, and a large common offset") {
    std::vector<float> v = Tensor::randn({6, 40}, rng).to_vector();
    for (float& e : v) e += 1000.0f;
    Tensor big = Tensor::from_vector(v, {6, 40});
    Tensor w = Tensor::uniform({40}, rng, 0.5f, 1.5f);
    compare(
        "layer_norm weight only, offset 1000",
        [](auto& in) { return ops::layer_norm(in[0], in[1], Tensor(), 1e-3f); }, {big, w},
        {true, true}, 1e-5f);
  }
}

TEST_CASE("cuda: gelu matches the CPU") {
  Rng rng(53);
  std::vector<Shape> shapes = {{1}, {3}, {17, 3}, {1000, 33}, {300001}};
  for (const Shape& s : shapes) {
    Tensor x = Tensor::randn(s, rng, 3.0f);
    for (GeluApprox a : {GeluApprox::None, GeluApprox::Tanh})
      compare(
          "gelu " + shape_str(s) + " approx " + std::to_string((int)a),
          [a](auto& in) { return ops::gelu(in[0], a); }, {x}, {true}, 1e-5f, 0.1f);
  }
}

TEST_CASE("cuda: attention matches the CPU") {
  Rng rng(54);
  struct Case {
    int64_t B, H, Tq, Tk, D;
    bool causal, pad, empty_rows;
  };
  std::vector<Case> cases = {
      {1, 1, 1, 1, 1, false, false, false},     // tiny
      {1, 1, 1, 1, 1, true, false, false},      //
      {2, 3, 7, 7, 5, true, true, false},       // odd sizes, causal self-attention with padding
      {1, 2, 33, 33, 64, true, false, false},   // more than one key tile and one query block
      {2, 4, 64, 64, 64, true, true, false},    // the decoder's self-attention
      {2, 2, 17, 40, 32, false, true, true},    // cross-attention, fully padded items allowed
      {3, 2, 20, 6, 48, false, true, true},     // cross-attention to a short tag set
      {1, 1, 5, 3, 16, true, false, false},     // causal, Tq > Tk: rows without keys
      {1, 2, 3, 70, 8, true, false, false},     // causal, Tq < Tk (bottom-right)
      {1, 1, 20, 20, 128, true, false, false},  // the largest head (> 48 KiB shared memory)
      {1, 1, 9, 9, 100, false, false, false},   // 4 columns per lane, last one partial
      {2, 1, 50, 45, 33, false, true, false},   // 2 columns per lane, 1 real in the second
  };
  for (int k = 0; k < 6; ++k)
    cases.push_back({1 + rng.randint(3), 1 + rng.randint(4), 1 + rng.randint(80),
                     1 + rng.randint(80), 1 + rng.randint(128), rng.bernoulli(0.5f),
                     rng.bernoulli(0.5f), true});
  for (Case c : cases) {
    const std::string tag = "attention B=" + std::to_string(c.B) + " H=" + std::to_string(c.H) +
                            " Tq=" + std::to_string(c.Tq) + " Tk=" + std::to_string(c.Tk) +
                            " D=" + std::to_string(c.D) + (c.causal ? " causal" : "") +
                            (c.pad ? " padded" : "");
    Tensor q = Tensor::randn({c.B, c.H, c.Tq, c.D}, rng);
    Tensor k = Tensor::randn({c.B, c.H, c.Tk, c.D}, rng);
    Tensor v = Tensor::randn({c.B, c.H, c.Tk, c.D}, rng);
    Tensor pad = c.pad ? random_padding(rng, c.B, c.Tk, c.empty_rows) : Tensor();
    const bool causal = c.causal;
    compare(
        tag,
        [causal](auto& in) {
          ops::AttentionOptions opt;
          opt.causal = causal;
          opt.key_padding = in[3];
          return ops::attention(in[0], in[1], in[2], opt);
        },
        {q, k, v, pad}, {true, true, true, false}, 1e-4f);
  }
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

TEST_CASE("cuda: cross_entropy with ignore_index matches the CPU") {
  Rng rng(56);
  SUBCASE("sizes, about 30% of the rows ignored") {
    for (auto [n, c] :
         std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {7, 9}, {300, 50}, {33, 2000}}) {
      std::vector<int64_t> targets;
      for (int64_t r = 0; r < n; ++r) targets.push_back(rng.bernoulli(0.3f) ? 0 : rng.randint(c));
      Tensor x = Tensor::randn({n, c}, rng, 3.0f);
      if (std::all_of(targets.begin(), targets.end(), [](int64_t t) { return t == 0; })) {
        // every row ignored: NaN on both devices, zero gradient
        Tensor xg = x.to(kGpu).set_requires_grad();
        Tensor loss = ops::cross_entropy(xg, targets, 0);
        CHECK(std::isnan(loss.item()));
        loss.backward();
        CHECK(max_abs(xg.grad()) == 0.0f);
        continue;
      }
      compare(
          "cross_entropy ignore_index " + std::to_string(n) + "x" + std::to_string(c),
          [&](auto& in) { return ops::cross_entropy(in[0], targets, 0); }, {x}, {true}, 1e-5f);
    }
  }
  SUBCASE("every row ignored") {
    Tensor xg = Tensor::randn({4, 3}, rng).to(kGpu).set_requires_grad();
    Tensor loss = ops::cross_entropy(xg, {1, 1, 1, 1}, 1);
    CHECK(std::isnan(loss.item()));
    loss.backward();
    CHECK(max_abs(xg.grad()) == 0.0f);
  }
}

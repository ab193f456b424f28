// op_cases_loss.cpp — l2_normalize, log_softmax, cross_entropy (with ignore_index too),
// bce_with_logits and nt_xent, forward and backward slots.
// Fixtures (gen_loss.py, gen_text_ops.py): fp32 kernels (double accumulation) vs a float64
// reference rounded to fp32: rtol 1e-4 with an atol under the smallest meaningful magnitude
// (1e-5 for O(1) values, 1e-6 for the 1/N-scaled loss gradients). CUDA vs CPU: double
// accumulation on both devices, differing only in summation order: rtol 1e-5 with a floor of
// 1e-5 x the largest expected magnitude.
#include "engine/ops/loss.h"
#include "engine/ops/shape.h"
#include "engine/rng.h"
#include "tests/support/op_case.h"

namespace syn::test {

namespace {

const std::vector<std::string> kL2 = {"l2_normalize", "l2_normalize_backward"};
const std::vector<std::string> kLogSoftmax = {"log_softmax", "log_softmax_backward"};
const std::vector<std::string> kCe = {"cross_entropy", "cross_entropy_backward"};
const std::vector<std::string> kBce = {"bce_with_logits", "bce_with_logits_backward"};
const std::vector<std::string> kNtXent = {"nt_xent", "nt_xent_backward"};

OpForward l2_fn(float eps) {
  return [eps](const Tensors& in) { return Tensors{ops::l2_normalize(in[0], eps)}; };
}
Tensors log_softmax_fn(const Tensors& in) { return {ops::log_softmax(in[0])}; }
// in[1]: the targets as floats; `ignore` < 0: no ignore_index.
OpForward ce_fn(int64_t ignore) {
  return [ignore](const Tensors& in) {
    std::vector<int64_t> t = as_indices(in[1]);
    return Tensors{ignore < 0 ? ops::cross_entropy(in[0], t)
                              : ops::cross_entropy(in[0], t, ignore)};
  };
}
Tensors bce_fn(const Tensors& in) { return {ops::bce_with_logits(in[0], in[1])}; }
OpForward nt_xent_fn(float t) {
  return [t](const Tensors& in) { return Tensors{ops::nt_xent(in[0], t)}; };
}

// Logits [n, c] (stddev `scale`) and n random targets in [0, c), a fraction `ignored` set to 0.
OpInputs ce_inputs(int64_t n, int64_t c, float scale, uint64_t seed, float ignored = 0.0f) {
  return [=] {
    Rng rng(seed);
    std::vector<int64_t> t;
    for (int64_t r = 0; r < n; ++r)
      t.push_back(ignored > 0 && rng.bernoulli(ignored) ? 0 : rng.randint(c));
    Tensor x = Tensor::randn({n, c}, rng, scale);
    return Tensors{x, indices_tensor(t)};
  };
}

FixtureSpec loss_fixture(const std::string& file, const std::string& p,
                         std::vector<std::string> inputs, std::string out, std::string upstream,
                         std::string grad, Tol grad_tol = Tol{1e-4f, 1e-5f}) {
  for (std::string& k : inputs) k = p + k;
  FixtureSpec f{file, inputs, {p + out}, upstream.empty() ? "" : p + upstream, {p + grad}};
  f.grad = grad_tol;
  return f;
}

void add_l2_and_log_softmax(std::vector<OpCase>& out) {
  // Finite differences; the third: rows of norm ~0.05 under eps = 0.2 (the clamped branch).
  add_case(out, "l2_normalize [3, 5]", kL2, randn_inputs(111, {{3, 5}}), l2_fn(1e-12f), {true},
           kModeBackward);
  add_case(out, "l2_normalize [2, 2, 4]", kL2, randn_inputs(112, {{2, 2, 4}}), l2_fn(1e-12f),
           {true}, kModeBackward);
  add_case(out, "l2_normalize eps 0.2 clamped", kL2, randn_inputs(113, {{2, 4}}, 0.025f),
           l2_fn(0.2f), {true}, kModeBackward);
  add_case(out, "log_softmax [4, 6]", kLogSoftmax, randn_inputs(114, {{4, 6}}, 2.0f),
           log_softmax_fn, {true}, kModeBackward);
  add_case(out, "log_softmax [2, 3, 5]", kLogSoftmax, randn_inputs(115, {{2, 3, 5}}),
           log_softmax_fn, {true}, kModeBackward);
  // Fixtures. l2_normalize: the zero row's gradient is dy / 1e-12 (~1e12), compared relatively.
  OpCase& a = add_case(out, "fixture l2_normalize", kL2, nullptr, l2_fn(1e-12f), {true}, 0);
  a.fixture = FixtureSpec{"loss_l2_normalize", {"x"}, {"y"}, "dy", {"dx"}};
  OpCase& b = add_case(out, "fixture l2_normalize eps 0.2", kL2, nullptr, l2_fn(0.2f), {true}, 0);
  b.fixture =
      FixtureSpec{"loss_l2_normalize", {"x_big_eps"}, {"y_big_eps"}, "dy_big_eps", {"dx_big_eps"}};
  for (std::string c : {"normal", "extreme", "rank3"}) {
    OpCase& k =
        add_case(out, "fixture log_softmax " + c, kLogSoftmax, nullptr, log_softmax_fn, {true}, 0);
    k.fixture = loss_fixture("loss_log_softmax", c + ".", {"x"}, "y", "dy", "dx");
  }
  // CUDA vs CPU (test_cuda_ops's shapes), a zero row (clamped branch), large logits.
  std::vector<Shape> shapes = {{1, 1}, {3, 17}, {33, 5}, {2, 3, 7}, {4, 1500}, {2, 3001}, {17}};
  Rng rng(21);
  for (int k = 0; k < 3; ++k) shapes.push_back({1 + rng.randint(40), 1 + rng.randint(40)});
  uint64_t seed = 21;
  for (const Shape& s : shapes) {
    add_case(out, "l2_normalize " + shape_str(s), kL2, randn_inputs(seed, {s}, 2.0f), l2_fn(1e-12f),
             {true}, kModeCuda);
    add_case(out, "log_softmax " + shape_str(s), kLogSoftmax, randn_inputs(seed++, {s}, 2.0f),
             log_softmax_fn, {true}, kModeCuda);
  }
  add_case(
      out, "l2_normalize zero row", kL2,
      [] {
        Rng r(22);
        return Tensors{ops::concat({Tensor::randn({3, 9}, r), Tensor::zeros({1, 9})}, 0)};
      },
      l2_fn(1e-3f), {true}, kModeCuda);
  add_case(out, "log_softmax large logits", kLogSoftmax, randn_inputs(23, {{5, 40}}, 200.0f),
           log_softmax_fn, {true}, kModeCuda);
  // Timing: a batch of 256 rows of 512 (CLMR's projection) / 50 tags.
  OpCase& p = add_case(out, "l2_normalize [256, 512]", kL2, randn_inputs(24, {{256, 512}}),
                       l2_fn(1e-12f), {true}, kModePerf);
  p.work.bytes = 4.0 * 256 * 512 * 2;
  OpCase& q = add_case(out, "log_softmax [4096, 1000]", kLogSoftmax,
                       randn_inputs(25, {{4096, 1000}}), log_softmax_fn, {true}, kModePerf);
  q.work.bytes = 4.0 * 4096 * 1000 * 2;
}

void add_cross_entropy(std::vector<OpCase>& out) {
  add_case(
      out, "cross_entropy [5, 6]", kCe,
      [] {
        Rng rng(116);
        return Tensors{Tensor::randn({5, 6}, rng, 2.0f), indices_tensor({3, 0, 4, 4, 1})};
      },
      ce_fn(-1), {true, false}, kModeBackward);
  for (std::string c : {"normal", "extreme", "one_class"}) {
    OpCase& k =
        add_case(out, "fixture cross_entropy " + c, kCe, nullptr, ce_fn(-1), {true, false}, 0);
    k.fixture = loss_fixture("loss_cross_entropy", c + ".", {"logits", "targets"}, "loss", "",
                             "grad", Tol{1e-4f, 1e-6f});
  }
  std::vector<std::pair<int64_t, int64_t>> sizes = {{1, 1},    {3, 17},   {33, 50}, {5, 2000},
                                                    {2000, 3}, {9000, 5}, {8, 1}};
  Rng rng(22);
  for (int k = 0; k < 3; ++k) sizes.push_back({1 + rng.randint(40), 1 + rng.randint(40)});
  uint64_t seed = 220;
  for (auto [n, c] : sizes)
    add_case(out, str_cat("cross_entropy ", n, "x", c), kCe, ce_inputs(n, c, 3.0f, seed++),
             ce_fn(-1), {true, false}, kModeCuda);
  add_case(
      out, "cross_entropy large logits", kCe,
      [] {
        Rng r(23);
        return Tensors{Tensor::randn({3, 4}, r, 500.0f), indices_tensor({0, 3, 2})};
      },
      ce_fn(-1), {true, false}, kModeCuda);
  // ignore_index 0 (the caption decoder's padding): about 30% of the rows ignored.
  for (auto [n, c] : std::vector<std::pair<int64_t, int64_t>>{{7, 9}, {300, 50}, {33, 2000}})
    add_case(out, str_cat("cross_entropy ignore_index ", n, "x", c), kCe,
             ce_inputs(n, c, 3.0f, seed++, 0.3f), ce_fn(0), {true, false}, kModeCuda);
  OpCase& p = add_case(out, "cross_entropy [4096, 1000]", kCe, ce_inputs(4096, 1000, 3.0f, 5),
                       ce_fn(-1), {true, false}, kModePerf);
  p.work.bytes = 4.0 * 4096 * 1000 * 2;
}

void add_bce(std::vector<OpCase>& out) {
  auto bce_inputs = [](Shape s, float scale, uint64_t seed) -> OpInputs {
    return [=] {
      Rng rng(seed);
      Tensor t = Tensor::uniform(s, rng, 0.0f, 1.0f);
      return Tensors{Tensor::randn(s, rng, scale), t};
    };
  };
  add_case(out, "bce_with_logits [3, 4]", kBce, bce_inputs({3, 4}, 2.0f, 117), bce_fn,
           {true, false}, kModeBackward);
  for (std::string c : {"normal", "extreme", "vector"}) {
    OpCase& k =
        add_case(out, "fixture bce_with_logits " + c, kBce, nullptr, bce_fn, {true, false}, 0);
    k.fixture = loss_fixture("loss_bce", c + ".", {"logits", "targets"}, "loss", "", "grad",
                             Tol{1e-4f, 1e-6f});
  }
  std::vector<Shape> shapes = {{1}, {3}, {17, 3}, {1000, 33}, {300001}, {4, 50}};
  Rng rng(23);
  for (int k = 0; k < 3; ++k) shapes.push_back({1 + rng.randint(40), 1 + rng.randint(40)});
  uint64_t seed = 230;
  for (const Shape& s : shapes) {
    OpCase& k = add_case(out, "bce_with_logits " + shape_str(s), kBce, bce_inputs(s, 4.0f, seed++),
                         bce_fn, {true, false}, s[0] == 300001 ? kModeCuda | kModePerf : kModeCuda);
    k.work.bytes = 4.0 * (double)shape_numel(s) * 2;
  }
}

void add_nt_xent(std::vector<OpCase>& out) {
  // Finite differences; [2, 3]: one example per view, the loss is 0 and so is dL/dz.
  add_case(out, "nt_xent [6, 5] t 0.5", kNtXent, randn_inputs(118, {{6, 5}}), nt_xent_fn(0.5f),
           {true}, kModeBackward);
  add_case(out, "nt_xent [4, 7] t 0.2", kNtXent, randn_inputs(119, {{4, 7}}), nt_xent_fn(0.2f),
           {true}, kModeBackward);
  add_case(out, "nt_xent [2, 3] t 0.5", kNtXent, randn_inputs(120, {{2, 3}}), nt_xent_fn(0.5f),
           {true}, kModeBackward);
  for (std::string c : {"n4_d8_t0.5", "n4_d8_t0.1", "n6_d16_t0.5", "n6_d16_t0.1", "n12_d64_t0.5"}) {
    OpCase& k =
        add_case(out, "fixture nt_xent " + c, kNtXent, nullptr, nt_xent_fn(0.5f), {true}, 0);
    k.fixture = loss_fixture("loss_nt_xent", c + ".", {"z"}, "loss", "", "grad", Tol{1e-4f, 1e-6f});
    k.fixture->configure = [c](const Checkpoint& fx) {
      return nt_xent_fn((float)meta_float(fx, c + ".temperature"));
    };
  }
  // CUDA (m, d): tiny; CLMR's sizes (m <= 96, d = 64); d > 1024 (backward falls back to two
  // kernels); m > 2048 (forward falls back to three kernels).
  std::vector<std::pair<int64_t, int64_t>> sizes = {{2, 1},   {2, 3},     {6, 17},  {34, 64},
                                                    {96, 64}, {10, 1100}, {2050, 5}};
  Rng rng(24);
  for (int k = 0; k < 2; ++k) sizes.push_back({2 * (1 + rng.randint(20)), 1 + rng.randint(70)});
  uint64_t seed = 240;
  for (auto [m, d] : sizes)
    for (float t : {0.5f, 0.1f}) {
      OpCase& k = add_case(out, str_cat("nt_xent ", m, "x", d, " t ", t), kNtXent,
                           randn_inputs(seed++, {{m, d}}), nt_xent_fn(t), {true},
                           m == 96 && t == 0.5f ? kModeCuda | kModePerf : kModeCuda);
      k.work.flops = 2.0 * (double)(m * m * d);
    }
  add_case(
      out, "nt_xent zero row", kNtXent,
      [] {
        Rng r(25);
        return Tensors{ops::concat({Tensor::randn({5, 8}, r), Tensor::zeros({1, 8})}, 0)};
      },
      nt_xent_fn(0.5f), {true}, kModeCuda);
}

}  // namespace

void add_loss_cases(std::vector<OpCase>& out) {
  add_l2_and_log_softmax(out);
  add_cross_entropy(out);
  add_bce(out);
  add_nt_xent(out);
}

}  // namespace syn::test

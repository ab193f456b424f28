// test_text_ops.cpp — the text decoder's ops on the CPU: embedding (padding_idx), layer norm,
// GELU, scaled dot-product attention (causal, key padding, Tq != Tk, fully masked rows) and
// cross-entropy with ignore_index: known answers (masked keys are invisible, a one-key row
// copies its value, a row that sees no key passes no gradient, an all-ignored batch is NaN),
// the modules' PyTorch names, and the errors. (Values and gradients against PyTorch,
// tests/reference/gen_text_ops.py, and gradients against finite differences are op cases:
// tests/support/op_cases_text.cpp, run by tests/test_ops.cpp.)
#include <doctest/doctest.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "engine/autograd.h"
#include "engine/nn/layers_text.h"
#include "engine/ops/activation.h"
#include "engine/ops/attention.h"
#include "engine/ops/embedding.h"
#include "engine/ops/layernorm.h"
#include "engine/ops/loss.h"
#include "engine/ops/shape.h"
#include "engine/rng.h"
#include "tests/support/fixtures.h"

using namespace syn;

namespace {

std::vector<int64_t> as_ids(const Tensor& t) {
  std::vector<int64_t> out;
  for (float v : t.to_vector()) out.push_back((int64_t)v);
  return out;
}

std::string meta(const Checkpoint& fx, const std::string& key) {
  auto it = fx.meta.find(key);
  REQUIRE_MESSAGE(it != fx.meta.end(), "fixture has no meta '", key, "'");
  return it->second;
}

bool has_tensor(const Checkpoint& fx, const std::string& key) {
  return find_named(fx.tensors, key) != nullptr;
}

Tensor leaf_copy(const Tensor& t) { return t.clone().set_requires_grad(); }

bool all_zero(const std::vector<float>& v, size_t from, size_t to) {
  for (size_t i = from; i < to; ++i)
    if (v[i] != 0.0f) return false;
  return true;
}

}  // namespace

// ------------------------------------------------------------------------------ embedding

TEST_CASE("embedding: the padding row gets exactly zero gradient, others sum their positions") {
  Tensor w = Tensor::zeros({4, 2}).set_requires_grad();
  Tensor y = ops::embedding(w, {1, 3, 1, 3, 3}, {5}, 3);
  CHECK(y.shape() == Shape{5, 2});
  y.backward(Tensor::from_vector({1, 2, 10, 20, 100, 200, 1000, 2000, 5, 5}, {5, 2}));
  CHECK(w.grad().to_vector() == std::vector<float>{0, 0, 101, 202, 0, 0, 0, 0});
}

TEST_CASE("embedding shapes, empty ids and recording") {
  Rng rng(32);
  Tensor w = Tensor::randn({6, 4}, rng);
  CHECK(ops::embedding(w, {1, 2, 3, 4, 5, 0}, {2, 1, 3}).shape() == Shape{2, 1, 3, 4});
  CHECK(ops::embedding(w, {}, {0, 5}).shape() == Shape{0, 5, 4});
  CHECK_FALSE(ops::embedding(w, {1}, {1}).grad_fn());
  w.set_requires_grad();
  CHECK(ops::embedding(w, {1}, {1}).grad_fn());
}

TEST_CASE("embedding errors name the op, the position and the shapes") {
  Tensor w = Tensor::zeros({5, 3});
  CHECK_THROWS_WITH_AS(ops::embedding(w, {0, 5, 1}, {3}),
                       doctest::Contains("id 5 at position 1 is out of range [0, 5)"), Error);
  CHECK_THROWS_WITH_AS(ops::embedding(w, {0, -1}, {2}), doctest::Contains("id -1 at position 1"),
                       Error);
  CHECK_THROWS_WITH_AS(ops::embedding(w, {0, 1}, {3}), doctest::Contains("2 ids for ids shape [3]"),
                       Error);
  CHECK_THROWS_WITH_AS(ops::embedding(w, {0}, {1}, 5),
                       doctest::Contains("padding_idx 5 is not a row"), Error);
  CHECK_THROWS_WITH_AS(ops::embedding(Tensor::zeros({5}), {0}, {1}),
                       doctest::Contains("weight must be [V, D], got [5]"), Error);
}

// ----------------------------------------------------------------------------- layer norm

TEST_CASE("layer_norm known answer: each row has mean 0 and variance 1/(1 + eps/var)") {
  Tensor x = Tensor::from_vector({1, 2, 3, 4, -10, 0, 10, 20}, {2, 4});
  std::vector<float> y = ops::layer_norm(x, Tensor(), Tensor(), 0.0f).to_vector();
  // row 0: mean 2.5, var 1.25 -> (x - 2.5) / sqrt(1.25)
  const float s = 1.0f / std::sqrt(1.25f);
  CHECK(y[0] == doctest::Approx(-1.5f * s).epsilon(1e-6));
  CHECK(y[3] == doctest::Approx(1.5f * s).epsilon(1e-6));
  // row 1: mean 5, var 125
  CHECK(y[4] == doctest::Approx(-15.0f / std::sqrt(125.0f)).epsilon(1e-6));
}

TEST_CASE("layer_norm errors name the op and the shapes") {
  CHECK_THROWS_WITH_AS(ops::layer_norm(Tensor::zeros({2, 4}), Tensor::zeros({3}), Tensor()),
                       doctest::Contains("weight [3] cpu must be [D] = [4] for x [2, 4] cpu"),
                       Error);
  CHECK_THROWS_WITH_AS(ops::layer_norm(Tensor::zeros({2, 4}), Tensor(), Tensor::zeros({4, 1})),
                       doctest::Contains("bias [4, 1] cpu must be [D]"), Error);
  CHECK_THROWS_WITH_AS(ops::layer_norm(Tensor::zeros({2, 0}), Tensor(), Tensor()),
                       doctest::Contains("empty last dimension"), Error);
}

// ------------------------------------------------------------------------------ attention

namespace {

struct AttentionCase {
  Tensor q, k, v, pad, dout, out, dq, dk, dv;
  bool causal;
  float scale;
};

AttentionCase load_attention_case(const Checkpoint& fx, const std::string& c) {
  AttentionCase a;
  a.q = test::fixture_tensor(fx, c + ".q");
  a.k = test::fixture_tensor(fx, c + ".k");
  a.v = test::fixture_tensor(fx, c + ".v");
  if (has_tensor(fx, c + ".key_padding")) a.pad = test::fixture_tensor(fx, c + ".key_padding");
  a.dout = test::fixture_tensor(fx, c + ".dout");
  a.out = test::fixture_tensor(fx, c + ".out");
  a.dq = test::fixture_tensor(fx, c + ".dq");
  a.dk = test::fixture_tensor(fx, c + ".dk");
  a.dv = test::fixture_tensor(fx, c + ".dv");
  a.causal = meta(fx, c + ".causal") == "1";
  a.scale = (float)std::stod(meta(fx, c + ".scale"));
  return a;
}

}  // namespace

TEST_CASE("attention: a row that sees no key outputs zeros and passes no gradient") {
  auto fx = test::load_fixture("text_attention");
  // cross_pad: batch item 2 has every key padded; causal_tq_gt_tk: rows 0 and 1 see no key.
  AttentionCase a = load_attention_case(fx, "cross_pad");
  Tensor q = leaf_copy(a.q), k = leaf_copy(a.k), v = leaf_copy(a.v);
  ops::AttentionOptions opt;
  opt.key_padding = a.pad;
  Tensor out = ops::attention(q, k, v, opt);
  out.backward(a.dout);
  const size_t item = (size_t)(a.q.numel() / 3), kitem = (size_t)(a.k.numel() / 3);
  CHECK(all_zero(out.to_vector(), 2 * item, 3 * item));
  CHECK(all_zero(q.grad().to_vector(), 2 * item, 3 * item));
  CHECK(all_zero(k.grad().to_vector(), 2 * kitem, 3 * kitem));
  CHECK(all_zero(v.grad().to_vector(), 2 * kitem, 3 * kitem));
  // Item 1's padded key 1 gets no gradient either (keys are [B, H, Tk, D] = [3, 2, 3, 8]).
  std::vector<float> dk = k.grad().to_vector();
  for (int h = 0; h < 2; ++h) CHECK(all_zero(dk, kitem + (h * 3 + 1) * 8, kitem + (h * 3 + 2) * 8));

  AttentionCase g = load_attention_case(fx, "causal_tq_gt_tk");  // [1, 2, 5, 4], Tk = 3
  opt = {};
  opt.causal = true;
  std::vector<float> o = ops::attention(g.q, g.k, g.v, opt).to_vector();
  for (int h = 0; h < 2; ++h) {
    CHECK(all_zero(o, (size_t)(h * 5 * 4), (size_t)(h * 5 * 4 + 2 * 4)));
    CHECK_FALSE(all_zero(o, (size_t)(h * 5 * 4 + 2 * 4), (size_t)(h * 5 * 4 + 3 * 4)));
  }
}

TEST_CASE("attention known answers") {
  Rng rng(36);
  SUBCASE("causal row 0 sees only key 0: it copies v_0") {
    Tensor q = Tensor::randn({1, 1, 3, 4}, rng), k = Tensor::randn({1, 1, 3, 4}, rng),
           v = Tensor::randn({1, 1, 3, 4}, rng);
    ops::AttentionOptions opt;
    opt.causal = true;
    std::vector<float> o = ops::attention(q, k, v, opt).to_vector(), vv = v.to_vector();
    for (int d = 0; d < 4; ++d) CHECK(o[(size_t)d] == doctest::Approx(vv[(size_t)d]).epsilon(1e-6));
  }
  SUBCASE("equal keys: the output is the mean of the values") {
    Tensor q = Tensor::randn({1, 1, 2, 3}, rng), k = Tensor::full({1, 1, 4, 3}, 0.5f);
    Tensor v = Tensor::from_vector({1, 2, 3, 5, 6, 7, 9, 10, 11, -3, 2, 7}, {1, 1, 4, 3});
    std::vector<float> o = ops::attention(q, k, v).to_vector();
    for (int i = 0; i < 2; ++i) {
      CHECK(o[(size_t)(3 * i)] == doctest::Approx(3.0f).epsilon(1e-6));
      CHECK(o[(size_t)(3 * i + 1)] == doctest::Approx(5.0f).epsilon(1e-6));
      CHECK(o[(size_t)(3 * i + 2)] == doctest::Approx(7.0f).epsilon(1e-6));
    }
  }
  SUBCASE("padded keys are invisible: same output as the truncated sequence") {
    const int64_t T = 6, len = 4;
    Tensor q = Tensor::randn({1, 2, T, 5}, rng), k = Tensor::randn({1, 2, T, 5}, rng),
           v = Tensor::randn({1, 2, T, 5}, rng);
    ops::AttentionOptions opt;
    opt.causal = true;
    opt.key_padding = ops::key_padding_from_lengths({len}, T);
    Tensor full = ops::attention(q, k, v, opt);
    ops::AttentionOptions plain;
    plain.causal = true;
    Tensor cut = ops::attention(ops::slice(q, 2, 0, len), ops::slice(k, 2, 0, len),
                                ops::slice(v, 2, 0, len), plain);
    test::check_close(ops::slice(full, 2, 0, len), cut, "padded vs truncated", 1e-6f, 1e-7f);
    // Changing what sits in the padded keys changes nothing.
    Tensor k2 = ops::concat({ops::slice(k, 2, 0, len), Tensor::full({1, 2, T - len, 5}, 9.0f)}, 2);
    test::check_close(ops::attention(q, k2, v, opt), full, "padded keys altered", 0.0f, 0.0f);
  }
}

TEST_CASE("attention records only when asked; mask helpers; errors") {
  Rng rng(37);
  Tensor q = Tensor::randn({1, 2, 3, 4}, rng), k = Tensor::randn({1, 2, 5, 4}, rng);
  CHECK_FALSE(ops::attention(q, k, k).grad_fn());
  CHECK(ops::attention(q.clone().set_requires_grad(), k, k).grad_fn());

  CHECK(ops::key_padding_from_lengths({2, 0, 3}, 3).to_vector() ==
        std::vector<float>{0, 0, 1, 1, 1, 1, 0, 0, 0});
  CHECK(ops::key_padding_from_ids({5, 0, 0, 7}, 2, 2, 0).to_vector() ==
        std::vector<float>{0, 1, 1, 0});
  CHECK_THROWS_WITH_AS(ops::key_padding_from_lengths({4}, 3),
                       doctest::Contains("length 4 of item 0 is outside [0, 3]"), Error);

  CHECK_THROWS_WITH_AS(ops::attention(Tensor::zeros({2, 3, 4}), k, k),
                       doctest::Contains("q must be [B, H, Tq, Dh], got [2, 3, 4]"), Error);
  CHECK_THROWS_WITH_AS(
      ops::attention(q, k, Tensor::zeros({1, 2, 4, 4})),
      doctest::Contains("v [1, 2, 4, 4] cpu must have the shape of k [1, 2, 5, 4]"), Error);
  CHECK_THROWS_WITH_AS(ops::attention(q, Tensor::zeros({1, 3, 5, 4}), Tensor::zeros({1, 3, 5, 4})),
                       doctest::Contains("does not match q"), Error);
  ops::AttentionOptions opt;
  opt.key_padding = Tensor::zeros({1, 3});
  CHECK_THROWS_WITH_AS(ops::attention(q, k, k, opt),
                       doctest::Contains("key_padding [1, 3] cpu must be [B, Tk] = [1, 5]"), Error);
}

// ------------------------------------------------------------ cross-entropy, ignore_index

TEST_CASE("cross_entropy with every row ignored is NaN with a zero gradient, as in PyTorch") {
  // The other rows of the fixture are op cases (tests/support/op_cases_text.cpp).
  auto fx = test::load_fixture("text_cross_entropy");
  Tensor x = leaf_copy(test::fixture_tensor(fx, "all_ignored.logits"));
  std::vector<int64_t> t = as_ids(test::fixture_tensor(fx, "all_ignored.targets"));
  const int64_t ignore = std::stoll(meta(fx, "all_ignored.ignore_index"));
  Tensor loss = ops::cross_entropy(x, t, ignore);
  loss.backward();
  CHECK(std::isnan(loss.item()));  // 0/0, PyTorch's value
  CHECK(std::isnan(test::fixture_tensor(fx, "all_ignored.loss").to_vector()[0]));
  test::check_close(x.grad(), test::fixture_tensor(fx, "all_ignored.grad"), "all_ignored grad",
                    1e-5f, 1e-7f);
}

TEST_CASE("cross_entropy: an ignored row changes nothing, other bad targets still fail") {
  Rng rng(39);
  Tensor x = Tensor::randn({3, 5}, rng);
  Tensor both = ops::cross_entropy(x, {1, 4, 2}, 4);
  Tensor kept =
      ops::cross_entropy(ops::concat({ops::slice(x, 0, 0, 1), ops::slice(x, 0, 2, 3)}, 0), {1, 2});
  CHECK(both.item() == doctest::Approx(kept.item()).epsilon(1e-6));
  CHECK_THROWS_WITH_AS(ops::cross_entropy(x, {1, -1, 2}, 4),
                       doctest::Contains("target -1 at row 1 is out of range"), Error);
  CHECK_THROWS_WITH_AS(ops::cross_entropy(x, {1, 7, 2}, 4),
                       doctest::Contains("(and is not ignore_index 4)"), Error);
}

// -------------------------------------------------------------------------------- modules

TEST_CASE("Embedding, LayerNorm and GELU modules use PyTorch's names and initialisation") {
  Rng rng(40);
  nn::Embedding emb(10, 4, rng, -1);  // padding row 9
  REQUIRE(emb.named_parameters().size() == 1);
  CHECK(emb.named_parameters()[0].first == "weight");
  CHECK(emb.weight.shape() == Shape{10, 4});
  CHECK(emb.padding_idx == std::optional<int64_t>(9));
  std::vector<float> w = emb.weight.to_vector();
  CHECK(all_zero(w, 36, 40));
  CHECK_FALSE(all_zero(w, 0, 36));
  Tensor y = emb.forward({9, 1}, {1, 2});
  CHECK(y.shape() == Shape{1, 2, 4});
  std::vector<float> yv = y.to_vector();
  CHECK(all_zero(yv, 0, 4));  // the padding row
  CHECK(std::vector<float>(yv.begin() + 4, yv.end()) ==
        std::vector<float>(w.begin() + 4, w.begin() + 8));

  nn::LayerNorm ln(6);
  NamedTensors sd = ln.state_dict();
  REQUIRE(sd.size() == 2);
  CHECK(sd[0].first == "weight");
  CHECK(sd[1].first == "bias");
  CHECK(ln.weight.to_vector() == std::vector<float>(6, 1.0f));
  CHECK(ln.bias.to_vector() == std::vector<float>(6, 0.0f));
  // A state dict keyed like torch.nn.LayerNorm's loads by name.
  ln.load_state_dict({{"weight", Tensor::full({6}, 2.0f)}, {"bias", Tensor::full({6}, 0.5f)}});
  std::vector<float> out = ln(Tensor::from_vector({1, 2, 3, 4, 5, 6}, {1, 6})).to_vector();
  const float s = 1.0f / std::sqrt(35.0f / 12.0f + 1e-5f);
  CHECK(out[0] == doctest::Approx(2.0f * -2.5f * s + 0.5f).epsilon(1e-5));
  CHECK(nn::LayerNorm(6, 1e-5f, false).state_dict().empty());

  nn::GELU gelu(GeluApprox::Tanh);
  CHECK(gelu(Tensor::scalar(1.0f)).item() == doctest::Approx(0.841192f).epsilon(1e-5));
  CHECK(nn::GELU()(Tensor::scalar(1.0f)).item() == doctest::Approx(0.841345f).epsilon(1e-5));
}

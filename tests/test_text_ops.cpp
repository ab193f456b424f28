// test_text_ops.cpp — the text decoder's ops on the CPU: embedding (padding_idx), layer norm,
// GELU, scaled dot-product attention (causal, key padding, Tq != Tk, fully masked rows) and
// cross-entropy with ignore_index: values and gradients against PyTorch
// (tests/reference/gen_text_ops.py), gradients against finite differences, known answers
// (masked keys are invisible, a one-key row copies its value), the modules' PyTorch names, and
// the errors.
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
#include "tests/support/gradcheck.h"

using namespace syn;

namespace {

Tensor param(const Shape& s, Rng& rng, float stddev = 1.0f) {
  return Tensor::randn(s, rng, stddev).set_requires_grad();
}

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

TEST_CASE("embedding matches PyTorch (repeated ids, padding_idx, negative padding_idx)") {
  auto fx = test::load_fixture("text_embedding");
  for (std::string c : {"pad0", "nopad", "padneg"}) {
    CAPTURE(c);
    Tensor w = leaf_copy(test::fixture_tensor(fx, c + ".weight"));
    Tensor ids_t = test::fixture_tensor(fx, c + ".ids");
    std::string pm = meta(fx, c + ".padding_idx");
    std::optional<int64_t> pad;
    if (pm != "none") pad = std::stoll(pm);
    Tensor y = ops::embedding(w, as_ids(ids_t), ids_t.shape(), pad);
    // The lookup copies rows: exact.
    test::check_close(y, test::fixture_tensor(fx, c + ".y"), c + " y", 0.0f, 0.0f);
    y.backward(test::fixture_tensor(fx, c + ".dy"));
    test::check_close(w.grad(), test::fixture_tensor(fx, c + ".dweight"), c + " dweight", 1e-6f,
                      1e-6f);
  }
}

TEST_CASE("embedding: the padding row gets exactly zero gradient, others sum their positions") {
  Tensor w = Tensor::zeros({4, 2}).set_requires_grad();
  Tensor y = ops::embedding(w, {1, 3, 1, 3, 3}, {5}, 3);
  CHECK(y.shape() == Shape{5, 2});
  y.backward(Tensor::from_vector({1, 2, 10, 20, 100, 200, 1000, 2000, 5, 5}, {5, 2}));
  CHECK(w.grad().to_vector() == std::vector<float>{0, 0, 101, 202, 0, 0, 0, 0});
}

TEST_CASE("embedding matches finite differences") {
  Rng rng(31);
  std::vector<int64_t> ids = {2, 0, 2, 4, 1, 2};
  // padding_idx 3 is not among the ids: the finite differences of its row are zero too (a row
  // that is looked up but marked padding would differ by design: PyTorch passes it no gradient).
  test::check_gradients(
      [&](auto& in) {
        return ops::embedding(in[0], ids, {2, 3}, 3);
      },
      {param({5, 3}, rng)});
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

TEST_CASE("layer_norm matches PyTorch (affine, none, weight only, large offset)") {
  auto fx = test::load_fixture("text_layernorm");
  for (std::string c : {"affine", "noaffine", "weight_only", "offset"}) {
    CAPTURE(c);
    Tensor x = leaf_copy(test::fixture_tensor(fx, c + ".x"));
    Tensor w = has_tensor(fx, c + ".weight") ? leaf_copy(test::fixture_tensor(fx, c + ".weight"))
                                             : Tensor();
    Tensor b =
        has_tensor(fx, c + ".bias") ? leaf_copy(test::fixture_tensor(fx, c + ".bias")) : Tensor();
    const float eps = (float)std::stod(meta(fx, c + ".eps"));
    Tensor y = ops::layer_norm(x, w, b, eps);
    test::check_close(y, test::fixture_tensor(fx, c + ".y"), c + " y", 1e-5f, 1e-5f);
    y.backward(test::fixture_tensor(fx, c + ".dy"));
    // "offset": x ~ 1000 + N(0,1) holds only ~1e-4 absolute precision in fp32, and dx scales
    // like 1/std: tolerances follow the input's own rounding.
    const float tol = c == "offset" ? 1e-3f : 1e-4f;
    test::check_close(x.grad(), test::fixture_tensor(fx, c + ".dx"), c + " dx", tol, tol);
    if (w.defined())
      test::check_close(w.grad(), test::fixture_tensor(fx, c + ".dweight"), c + " dweight", tol,
                        tol);
    if (b.defined())
      test::check_close(b.grad(), test::fixture_tensor(fx, c + ".dbias"), c + " dbias", 1e-5f,
                        1e-5f);
  }
}

TEST_CASE("layer_norm matches finite differences") {
  Rng rng(33);
  SUBCASE("affine") {
    Tensor w = Tensor::uniform({6}, rng, 0.5f, 1.5f).set_requires_grad();
    test::check_gradients([](auto& in) { return ops::layer_norm(in[0], in[1], in[2]); },
                          {param({2, 3, 6}, rng), w, param({6}, rng)});
  }
  SUBCASE("no affine, odd width") {
    test::check_gradients([](auto& in) { return ops::layer_norm(in[0], Tensor(), Tensor()); },
                          {param({4, 7}, rng)});
  }
}

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

// ----------------------------------------------------------------------------------- GELU

TEST_CASE("gelu matches PyTorch (exact and tanh, |x| up to 30)") {
  auto fx = test::load_fixture("text_gelu");
  for (auto [name, approx] : {std::pair{std::string("none"), GeluApprox::None},
                              std::pair{std::string("tanh"), GeluApprox::Tanh}}) {
    CAPTURE(name);
    Tensor x = leaf_copy(test::fixture_tensor(fx, name + ".x"));
    Tensor y = ops::gelu(x, approx);
    test::check_close(y, test::fixture_tensor(fx, name + ".y"), name + " y", 1e-6f, 1e-7f);
    y.backward(test::fixture_tensor(fx, name + ".dy"));
    // atol 1e-6: where gelu' is tiny (x ~ -4) the fp32 1 + tanh(..) cancels, in PyTorch's fp32
    // kernel as in ours; the reference is float64.
    test::check_close(x.grad(), test::fixture_tensor(fx, name + ".dx"), name + " dx", 1e-5f, 1e-6f);
  }
}

TEST_CASE("gelu matches finite differences") {
  Rng rng(34);
  for (GeluApprox a : {GeluApprox::None, GeluApprox::Tanh}) {
    CAPTURE((int)a);
    test::check_gradients([a](auto& in) { return ops::gelu(in[0], a); },
                          {param({3, 7}, rng, 2.0f)});
  }
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

TEST_CASE("attention matches PyTorch (causal, padding, Tq != Tk, fully masked rows)") {
  auto fx = test::load_fixture("text_attention");
  for (std::string c : {"self_causal_pad", "cross_pad", "causal_tq_lt_tk", "causal_tq_gt_tk",
                        "odd_scaled", "tiny"}) {
    CAPTURE(c);
    AttentionCase a = load_attention_case(fx, c);
    Tensor q = leaf_copy(a.q), k = leaf_copy(a.k), v = leaf_copy(a.v);
    ops::AttentionOptions opt;
    opt.causal = a.causal;
    opt.key_padding = a.pad;
    opt.scale = a.scale;
    Tensor out = ops::attention(q, k, v, opt);
    test::check_close(out, a.out, c + " out", 1e-4f, 1e-5f);
    out.backward(a.dout);
    test::check_close(q.grad(), a.dq, c + " dq", 1e-4f, 1e-5f);
    test::check_close(k.grad(), a.dk, c + " dk", 1e-4f, 1e-5f);
    test::check_close(v.grad(), a.dv, c + " dv", 1e-4f, 1e-5f);
  }
}

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

TEST_CASE("attention matches finite differences") {
  Rng rng(35);
  SUBCASE("causal self-attention with key padding") {
    ops::AttentionOptions opt;
    opt.causal = true;
    opt.key_padding = ops::key_padding_from_lengths({4, 2}, 4);
    test::check_gradients(
        [&](auto& in) { return ops::attention(in[0], in[1], in[2], opt); },
        {param({2, 2, 4, 3}, rng), param({2, 2, 4, 3}, rng), param({2, 2, 4, 3}, rng)});
  }
  SUBCASE("cross-attention, Tq != Tk, a fully padded item, custom scale") {
    ops::AttentionOptions opt;
    opt.key_padding = ops::key_padding_from_lengths({3, 0}, 3);
    opt.scale = 0.7f;
    test::check_gradients(
        [&](auto& in) { return ops::attention(in[0], in[1], in[2], opt); },
        {param({2, 1, 5, 4}, rng), param({2, 1, 3, 4}, rng), param({2, 1, 3, 4}, rng)});
  }
  SUBCASE("causal, Tq < Tk (bottom-right aligned)") {
    ops::AttentionOptions opt;
    opt.causal = true;
    test::check_gradients(
        [&](auto& in) { return ops::attention(in[0], in[1], in[2], opt); },
        {param({1, 2, 2, 5}, rng), param({1, 2, 4, 5}, rng), param({1, 2, 4, 5}, rng)});
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

TEST_CASE("cross_entropy with ignore_index matches PyTorch") {
  auto fx = test::load_fixture("text_cross_entropy");
  for (std::string c : {"pad0", "default", "all_ignored"}) {
    CAPTURE(c);
    Tensor x = leaf_copy(test::fixture_tensor(fx, c + ".logits"));
    std::vector<int64_t> t = as_ids(test::fixture_tensor(fx, c + ".targets"));
    const int64_t ignore = std::stoll(meta(fx, c + ".ignore_index"));
    Tensor loss = c == "default" ? ops::cross_entropy(x, t) : ops::cross_entropy(x, t, ignore);
    loss.backward();
    Tensor expected = test::fixture_tensor(fx, c + ".loss");
    if (c == "all_ignored") {
      CHECK(std::isnan(loss.item()));  // 0/0, PyTorch's value
      CHECK(std::isnan(expected.to_vector()[0]));
    } else {
      CHECK(loss.item() == doctest::Approx(expected.to_vector()[0]).epsilon(1e-6));
    }
    test::check_close(x.grad(), test::fixture_tensor(fx, c + ".grad"), c + " grad", 1e-5f, 1e-7f);
  }
}

TEST_CASE("cross_entropy with ignore_index matches finite differences") {
  Rng rng(38);
  std::vector<int64_t> t = {2, 0, 1, 0, 3};
  test::check_gradients([&](auto& in) { return ops::cross_entropy(in[0], t, 0); },
                        {param({5, 4}, rng)});
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

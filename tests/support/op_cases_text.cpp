// op_cases_text.cpp — the text decoder's ops: embedding, layer_norm, GELU, attention and
// cross-entropy's ignore_index (tests/reference/gen_text_ops.py fixtures).
// Fixture tolerances: lookups copy rows (exact), their gradient sums them (1e-6); layer norm
// 1e-5 on y and 1e-4 on the gradients ("offset": x ~ 1000 + N(0,1) holds only ~1e-4 absolute
// precision in fp32 and dx scales like 1/std: 1e-3); GELU 1e-6 (dx 1e-5, atol 1e-6 where the
// fp32 1 + tanh(..) cancels); attention 1e-4 / 1e-5. CUDA vs CPU: embedding forward exact, its
// gradient and layer norm accumulate in double (1e-5); GELU: fp32 libm vs CUDA's erff / tanhf /
// expf, a few ulps (rtol 1e-5, floor 1e-6 max); attention: fp32 dot products and softmax sums
// in a different order (rtol 1e-4, floor 1e-4 max).
#include <optional>

#include "engine/ops/activation.h"
#include "engine/ops/attention.h"
#include "engine/ops/embedding.h"
#include "engine/ops/layernorm.h"
#include "engine/ops/loss.h"
#include "engine/rng.h"
#include "tests/support/op_case.h"

namespace syn::test {

namespace {

const std::vector<std::string> kEmbSlots = {"embedding_forward", "embedding_backward"};
const std::vector<std::string> kLnSlots = {"layer_norm_forward", "layer_norm_backward"};
const std::vector<std::string> kGeluSlots = {"gelu_forward", "gelu_backward"};
const std::vector<std::string> kAttnSlots = {"attention_forward", "attention_backward"};
const Tol kD5{1e-5f, 0.0f, 1e-5f};
const Tol kAttn{1e-4f, 0.0f, 1e-4f};

const std::string& meta_str(const Checkpoint& fx, const std::string& key) {
  auto it = fx.meta.find(key);
  SYN_CHECK(it != fx.meta.end(), "op case fixture has no metadata '", key, "'");
  return it->second;
}

// in[1]: the ids as floats, in the shape of the lookup.
OpForward embedding_fn(std::optional<int64_t> pad) {
  return [pad](const Tensors& in) {
    return Tensors{ops::embedding(in[0], as_indices(in[1]), in[1].shape(), pad)};
  };
}
OpForward layer_norm_fn(float eps) {
  return [eps](const Tensors& in) { return Tensors{ops::layer_norm(in[0], in[1], in[2], eps)}; };
}
OpForward gelu_fn(GeluApprox a) {
  return [a](const Tensors& in) { return Tensors{ops::gelu(in[0], a)}; };
}
// in[3]: the key padding mask (undefined: none).
OpForward attention_fn(bool causal, float scale = 0.0f) {
  return [causal, scale](const Tensors& in) {
    ops::AttentionOptions opt;
    opt.causal = causal;
    opt.key_padding = in.size() > 3 ? in[3] : Tensor();
    opt.scale = scale;
    return Tensors{ops::attention(in[0], in[1], in[2], opt)};
  };
}

void add_embedding(std::vector<OpCase>& out) {
  // padding_idx 3 is not among the ids: its row's finite differences are zero too.
  add_case(
      out, "embedding [5, 3] ids [2, 3]", kEmbSlots,
      [] {
        Rng rng(31);
        Tensor ids = indices_tensor({2, 0, 2, 4, 1, 2});
        return Tensors{Tensor::randn({5, 3}, rng), view_as_shape(ids, {2, 3})};
      },
      embedding_fn(3), {true, false}, kModeBackward);
  for (std::string c : {"pad0", "nopad", "padneg"}) {
    OpCase& k = add_case(out, "fixture embedding " + c, kEmbSlots, nullptr, embedding_fn({}),
                         {true, false}, 0);
    FixtureSpec f{
        "text_embedding", {c + ".weight", c + ".ids"}, {c + ".y"}, c + ".dy", {c + ".dweight"}};
    f.out = Tol{};
    f.grad = Tol{1e-6f, 1e-6f};
    f.configure = [c](const Checkpoint& fx) {
      const std::string& pm = meta_str(fx, c + ".padding_idx");
      return embedding_fn(pm == "none" ? std::nullopt : std::optional<int64_t>(std::stoll(pm)));
    };
    k.fixture = f;
  }
  struct Case {
    int64_t V, D, n;
    int64_t pad;  // -1: none
  };
  std::vector<Case> cases = {{1, 1, 1, -1},      {7, 3, 10, 2},   {50, 300, 200, 0},
                             {1000, 64, 37, -1}, {5, 700, 64, 4}, {3, 8, 500, 1}};
  Rng rng(51);
  for (int k = 0; k < 3; ++k)
    cases.push_back({1 + rng.randint(60), 1 + rng.randint(90), 1 + rng.randint(80), -1});
  cases.push_back({32000, 512, 4096, 0});  // a caption decoder's table and batch (timing)
  uint64_t seed = 51;
  for (const Case& c : cases) {
    std::optional<int64_t> pad;
    if (c.pad >= 0) pad = c.pad;
    const bool perf = c.V == 32000;
    OpCase& k = add_case(
        out, str_cat("embedding V=", c.V, " D=", c.D, " n=", c.n), kEmbSlots,
        [c, sd = seed++] {
          Rng r(sd);
          std::vector<int64_t> ids;
          for (int64_t p = 0; p < c.n; ++p) ids.push_back(r.randint(c.V));
          return Tensors{Tensor::randn({c.V, c.D}, r), indices_tensor(ids)};
        },
        embedding_fn(pad), {true, false}, perf ? kModePerf : kModeCuda);
    k.cuda_out = Tol{};  // the forward copies
    k.cuda_grad = {kD5, Tol{}};
    k.work.bytes = 8.0 * (double)(c.n * c.D);
  }
}

void add_layer_norm(std::vector<OpCase>& out) {
  add_case(
      out, "layer_norm affine [2, 3, 6]", kLnSlots,
      [] {
        Rng rng(33);
        Tensor w = Tensor::uniform({6}, rng, 0.5f, 1.5f);
        Tensor x = Tensor::randn({2, 3, 6}, rng);
        return Tensors{x, w, Tensor::randn({6}, rng)};
      },
      layer_norm_fn(1e-5f), {true, true, true}, kModeBackward);
  add_case(out, "layer_norm no affine [4, 7]", kLnSlots, randn_inputs(34, {{4, 7}, {}, {}}),
           layer_norm_fn(1e-5f), {true, false, false}, kModeBackward);
  for (std::string c : {"affine", "noaffine", "weight_only", "offset"}) {
    OpCase& k = add_case(out, "fixture layer_norm " + c, kLnSlots, nullptr, layer_norm_fn(1e-5f),
                         {true, true, true}, 0);
    FixtureSpec f{"text_layernorm",
                  {c + ".x", "?" + c + ".weight", "?" + c + ".bias"},
                  {c + ".y"},
                  c + ".dy",
                  {c + ".dx", "?" + c + ".dweight", "?" + c + ".dbias"}};
    const float tol = c == "offset" ? 1e-3f : 1e-4f;
    f.out = Tol{1e-5f, 1e-5f};
    f.grad_each = {Tol{tol, tol}, Tol{tol, tol}, Tol{1e-5f, 1e-5f}};
    f.configure = [c](const Checkpoint& fx) {
      return layer_norm_fn((float)meta_float(fx, c + ".eps"));
    };
    k.fixture = f;
  }
  // CUDA: warp per row up to 1024, block per row beyond; several column chunks.
  std::vector<Shape> shapes = {{1, 1}, {3, 17}, {33, 5}, {2, 3, 64}, {4, 1500}, {2000, 24}, {9}};
  Rng rng(52);
  for (int k = 0; k < 3; ++k) shapes.push_back({1 + rng.randint(50), 1 + rng.randint(300)});
  uint64_t seed = 52;
  for (const Shape& s : shapes) {
    const int64_t D = s.back();
    const uint64_t sd = seed++;
    auto inputs = [s, D, sd] {
      Rng r(sd);
      Tensor x = Tensor::randn(s, r, 2.0f);
      Tensor w = Tensor::uniform({D}, r, 0.5f, 1.5f);
      return Tensors{x, w, Tensor::randn({D}, r)};
    };
    add_case(out, "layer_norm affine " + shape_str(s), kLnSlots, inputs, layer_norm_fn(1e-5f),
             {true, true, true}, kModeCuda)
        .cuda_out = kD5;
    add_case(
        out, "layer_norm plain " + shape_str(s), kLnSlots,
        [inputs] {
          return Tensors{inputs()[0], Tensor(), Tensor()};
        },
        layer_norm_fn(1e-5f), {true, false, false}, kModeCuda)
        .cuda_out = kD5;
  }
  add_case(
      out, "layer_norm weight only, offset 1000", kLnSlots,
      [] {
        Rng r(53);
        std::vector<float> v = Tensor::randn({6, 40}, r).to_vector();
        for (float& e : v) e += 1000.0f;
        return Tensors{Tensor::from_vector(v, {6, 40}), Tensor::uniform({40}, r, 0.5f, 1.5f),
                       Tensor()};
      },
      layer_norm_fn(1e-3f), {true, true, false}, kModeCuda)
      .cuda_out = kD5;
  OpCase& p = add_case(out, "layer_norm [4096, 512]", kLnSlots,
                       randn_inputs(54, {{4096, 512}, {512}, {512}}), layer_norm_fn(1e-5f),
                       {true, true, true}, kModePerf);
  p.work.bytes = 4.0 * 4096 * 512 * 2;
}

void add_gelu(std::vector<OpCase>& out) {
  for (GeluApprox a : {GeluApprox::None, GeluApprox::Tanh}) {
    const std::string an = a == GeluApprox::None ? "none" : "tanh";
    add_case(out, "gelu " + an + " [3, 7]", kGeluSlots,
             randn_inputs(a == GeluApprox::None ? 34 : 35, {{3, 7}}, 2.0f), gelu_fn(a), {true},
             kModeBackward);
    OpCase& k = add_case(out, "fixture gelu " + an, kGeluSlots, nullptr, gelu_fn(a), {true}, 0);
    k.fixture = FixtureSpec{"text_gelu", {an + ".x"}, {an + ".y"}, an + ".dy", {an + ".dx"}};
    k.fixture->out = Tol{1e-6f, 1e-7f};
    k.fixture->grad = Tol{1e-5f, 1e-6f};
    uint64_t seed = 53;
    for (const Shape& s : std::vector<Shape>{{1}, {3}, {17, 3}, {1000, 33}, {300001}}) {
      OpCase& g = add_case(out, "gelu " + an + " " + shape_str(s), kGeluSlots,
                           randn_inputs(seed++, {s}, 3.0f), gelu_fn(a), {true},
                           s[0] == 300001 ? kModeCuda | kModePerf : kModeCuda);
      g.cuda_out = Tol{1e-5f, 0.0f, 1e-6f};
      g.work.bytes = 8.0 * (double)shape_numel(s);
    }
  }
}

// A [B, Tk] padding mask with random lengths in [0, Tk] (so some items may be fully padded).
Tensor random_padding(Rng& rng, int64_t B, int64_t Tk, bool allow_empty) {
  std::vector<int64_t> lengths;
  for (int64_t b = 0; b < B; ++b)
    lengths.push_back(allow_empty ? rng.randint(Tk + 1) : 1 + rng.randint(Tk));
  return ops::key_padding_from_lengths(lengths, Tk);
}

void add_attention(std::vector<OpCase>& out) {
  // Finite differences: causal self-attention with key padding; cross-attention with Tq != Tk,
  // a fully padded item and a custom scale; causal with Tq < Tk (bottom-right aligned).
  add_case(
      out, "attention causal padded [2, 2, 4, 3]", kAttnSlots,
      [] {
        Tensors in = randn_inputs(35, {{2, 2, 4, 3}, {2, 2, 4, 3}, {2, 2, 4, 3}})();
        in.push_back(ops::key_padding_from_lengths({4, 2}, 4));
        return in;
      },
      attention_fn(true), {true, true, true, false}, kModeBackward);
  add_case(
      out, "attention cross Tq 5 Tk 3, an empty item, scale 0.7", kAttnSlots,
      [] {
        Tensors in = randn_inputs(36, {{2, 1, 5, 4}, {2, 1, 3, 4}, {2, 1, 3, 4}})();
        in.push_back(ops::key_padding_from_lengths({3, 0}, 3));
        return in;
      },
      attention_fn(false, 0.7f), {true, true, true, false}, kModeBackward);
  add_case(out, "attention causal Tq 2 < Tk 4", kAttnSlots,
           randn_inputs(37, {{1, 2, 2, 5}, {1, 2, 4, 5}, {1, 2, 4, 5}}), attention_fn(true),
           {true, true, true}, kModeBackward);
  for (std::string c : {"self_causal_pad", "cross_pad", "causal_tq_lt_tk", "causal_tq_gt_tk",
                        "odd_scaled", "tiny"}) {
    OpCase& k = add_case(out, "fixture attention " + c, kAttnSlots, nullptr, attention_fn(false),
                         {true, true, true, false}, 0);
    k.fixture = FixtureSpec{"text_attention",
                            {c + ".q", c + ".k", c + ".v", "?" + c + ".key_padding"},
                            {c + ".out"},
                            c + ".dout",
                            {c + ".dq", c + ".dk", c + ".dv"}};
    k.fixture->configure = [c](const Checkpoint& fx) {
      return attention_fn(meta_str(fx, c + ".causal") == "1", (float)meta_float(fx, c + ".scale"));
    };
  }
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
  Rng rng(54);
  for (int k = 0; k < 6; ++k)
    cases.push_back({1 + rng.randint(3), 1 + rng.randint(4), 1 + rng.randint(80),
                     1 + rng.randint(80), 1 + rng.randint(128), rng.bernoulli(0.5f),
                     rng.bernoulli(0.5f), true});
  cases.push_back({16, 8, 128, 128, 64, true, false, false});  // a decoder batch (timing)
  uint64_t seed = 54;
  for (const Case& c : cases) {
    const bool perf = c.B == 16;
    OpCase& oc = add_case(
        out,
        str_cat("attention B=", c.B, " H=", c.H, " Tq=", c.Tq, " Tk=", c.Tk, " D=", c.D,
                c.causal ? " causal" : "", c.pad ? " padded" : ""),
        kAttnSlots,
        [c, sd = seed++] {
          Rng r(sd);
          Tensor q = Tensor::randn({c.B, c.H, c.Tq, c.D}, r);
          Tensor k = Tensor::randn({c.B, c.H, c.Tk, c.D}, r);
          Tensor v = Tensor::randn({c.B, c.H, c.Tk, c.D}, r);
          return Tensors{q, k, v, c.pad ? random_padding(r, c.B, c.Tk, c.empty_rows) : Tensor()};
        },
        attention_fn(c.causal), {true, true, true, false},
        perf ? kModeCuda | kModePerf : kModeCuda);
    oc.cuda_out = kAttn;
    oc.work.flops = 4.0 * (double)(c.B * c.H * c.Tq * c.Tk * c.D) / (c.causal ? 2.0 : 1.0);
  }
}

// cross_entropy with ignore_index (the caption decoder's padding id).
void add_ignore_index(std::vector<OpCase>& out) {
  const std::vector<std::string> slots = {"cross_entropy", "cross_entropy_backward"};
  auto ce = [](int64_t ignore) -> OpForward {
    return [ignore](const Tensors& in) {
      return Tensors{ignore < 0 ? ops::cross_entropy(in[0], as_indices(in[1]))
                                : ops::cross_entropy(in[0], as_indices(in[1]), ignore)};
    };
  };
  add_case(
      out, "cross_entropy ignore_index 0 [5, 4]", slots,
      [] {
        Rng rng(38);
        return Tensors{Tensor::randn({5, 4}, rng), indices_tensor({2, 0, 1, 0, 3})};
      },
      ce(0), {true, false}, kModeBackward);
  // ("all_ignored", a NaN loss, stays a behavioural test in tests/test_text_ops.cpp.)
  for (std::string c : {"pad0", "default"}) {
    OpCase& k = add_case(out, "fixture cross_entropy ignore_index " + c, slots, nullptr, ce(-1),
                         {true, false}, 0);
    k.fixture = FixtureSpec{
        "text_cross_entropy", {c + ".logits", c + ".targets"}, {c + ".loss"}, "", {c + ".grad"}};
    k.fixture->out = Tol{1e-6f, 1e-6f};
    k.fixture->grad = Tol{1e-5f, 1e-7f};
    k.fixture->configure = [c, ce](const Checkpoint& fx) {
      return ce(c == "default" ? -1 : meta_int(fx, c + ".ignore_index"));
    };
  }
}

}  // namespace

void add_text_cases(std::vector<OpCase>& out) {
  add_embedding(out);
  add_layer_norm(out);
  add_gelu(out);
  add_attention(out);
  add_ignore_index(out);
}

}  // namespace syn::test

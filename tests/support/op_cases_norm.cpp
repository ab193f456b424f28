// op_cases_norm.cpp — batchnorm1d and batchnorm2d (train forward, eval forward, backward slots).
// Inputs: x, weight, bias, running_mean, running_var; outputs: y and the running statistics
// (updated in place when training). Fixtures (gen_norm_pool_shape.py, gen_ops2d.py): fp32 vs a
// float64 PyTorch reference on O(1) values; the backward's (dy - mean(dy) - xhat mean(dy xhat))
// cancels, hence the looser atol on the gradients. CUDA vs CPU: double accumulation on both
// sides: rtol 1e-5 with a floor of 1e-5 max|cpu|.
#include "engine/ops/batchnorm.h"
#include "engine/ops/batchnorm2d.h"
#include "engine/ops/elementwise.h"
#include "engine/rng.h"
#include "tests/support/op_case.h"

namespace syn::test {

namespace {

const std::vector<std::string> kBnSlots = {"batchnorm_train_forward", "batchnorm_eval_forward",
                                           "batchnorm_backward"};
const Tol kDouble{1e-5f, 0.0f, 1e-5f};

using BnFn = Tensor (*)(const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                        bool, float, float);

// Outputs: y, then the running statistics that are defined (training may go without them).
OpForward bn_fn(BnFn fn, bool training, float momentum, float eps) {
  return [=](const Tensors& in) {
    Tensors out{fn(in[0], in[1], in[2], in[3], in[4], training, momentum, eps)};
    for (size_t i : {size_t{3}, size_t{4}})
      if (in[i].defined()) out.push_back(in[i]);
    return out;
  };
}

Tensor bn1d(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& rm, const Tensor& rv,
            bool training, float momentum, float eps) {
  return ops::batchnorm1d(x, w, b, rm, rv, training, momentum, eps);
}
Tensor bn2d(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& rm, const Tensor& rv,
            bool training, float momentum, float eps) {
  return ops::batchnorm2d(x, w, b, rm, rv, training, momentum, eps);
}

std::function<OpForward(const Checkpoint&)> bn_from_fixture(BnFn fn) {
  return [fn](const Checkpoint& fx) {
    return bn_fn(fn, meta_int(fx, "training") != 0, (float)meta_float(fx, "momentum"),
                 (float)meta_float(fx, "eps"));
  };
}

// The running statistics: zeros / ones (training: they do not enter y), or random (evaluation).
Tensors bn_inputs(const Shape& s, uint64_t seed, bool affine, bool random_stats) {
  Rng rng(seed);
  const int64_t C = s[1];
  Tensor x = Tensor::randn(s, rng);
  Tensor w = affine ? Tensor::uniform({C}, rng, 0.5f, 1.5f) : Tensor();
  Tensor b = affine ? Tensor::randn({C}, rng) : Tensor();
  if (!random_stats) return {x, w, b, Tensor::zeros({C}), Tensor::full({C}, 1.0f)};
  return {x, w, b, Tensor::randn({C}, rng, 0.3f), Tensor::uniform({C}, rng, 0.5f, 1.5f)};
}

void add_batchnorm1d(std::vector<OpCase>& out) {
  uint64_t seed = 11;
  for (Shape s : {Shape{3, 4, 5}, Shape{6, 4}}) {
    for (bool affine : {true, false})
      add_case(
          out, str_cat("batchnorm1d train ", shape_str(s), affine ? "" : " no affine"), kBnSlots,
          [s, sd = seed++, affine] { return bn_inputs(s, sd, affine, false); },
          bn_fn(bn1d, true, 0.1f, 1e-5f), {true, affine, affine, false, false}, kModeBackward);
    add_case(
        out, str_cat("batchnorm1d eval ", shape_str(s)), kBnSlots,
        [s, sd = seed++] { return bn_inputs(s, sd, true, true); }, bn_fn(bn1d, false, 0.1f, 1e-5f),
        {true, true, true, false, false}, kModeBackward);
  }
  for (const char* name : {"batchnorm_train_3d", "batchnorm_train_2d", "batchnorm_train_noaffine",
                           "batchnorm_eval_3d"}) {
    OpCase& k = add_case(out, std::string("fixture ") + name, kBnSlots, nullptr,
                         bn_fn(bn1d, true, 0.1f, 1e-5f), {true, true, true, false, false}, 0);
    FixtureSpec f{name,
                  {"x", "?weight", "?bias", "running_mean", "running_var"},
                  {"y", "running_mean_after", "running_var_after"},
                  "dy",
                  {"dx", "?dweight", "?dbias"}};
    f.out_each = {Tol{1e-4f, 1e-5f}, Tol{1e-5f, 1e-6f}, Tol{1e-5f, 1e-6f}};
    f.grad = Tol{1e-4f, 2e-5f};
    f.configure = bn_from_fixture(bn1d);
    k.fixture = f;
  }
  // CUDA vs CPU (tests/test_cuda_layers.cpp's shapes): x with mean 3 and std 0.5 exercises the
  // shifted sums (|mean| >> std); with or without affine parameters and running statistics.
  // y and the running statistics: rtol 1e-4, floor 1e-5 max; the gradients (differences of O(1)
  // terms in training) a little looser, floor 2e-5 max.
  struct Layer {
    Shape shape;
    bool affine, running;
  };
  const Layer layers[] = {
      {{1, 1, 3}, true, true},       // three values per channel (with two, the training dx
      {{3, 3, 1}, true, false},      // is exactly 0 and both sides return rounding noise); L = 1
      {{16, 9}, true, true},         // [B, C]
      {{3, 5, 17}, false, true},     // no affine
      {{4, 33, 129}, true, true},    // rows longer than 128: the 2-D element-wise grid
      {{2, 7, 1000}, false, false},  // no affine, no running stats
      {{4, 128, 2187}, true, true},  // SampleCNN block 2 at batch 4: channel slices
      {{48, 512, 1}, true, true},    // SampleCNN's last BN at batch 48
      {{64, 3, 3000}, true, true},   // few channels, many values: many slices per channel
  };
  const Tol layer_out{1e-4f, 0.0f, 1e-5f}, layer_grad{1e-4f, 0.0f, 2e-5f};
  uint64_t lseed = 200;
  for (const Layer& l : layers)
    for (bool training : {true, false}) {
      const bool running = l.running || !training;
      OpCase& k = add_case(
          out,
          str_cat("batchnorm1d ", shape_str(l.shape), training ? " train" : " eval",
                  l.affine ? "" : " no affine", running ? "" : " no running stats"),
          kBnSlots,
          [l, running, sd = lseed++] {
            Rng rng(sd);
            const int64_t C = l.shape[1];
            Tensor x = ops::add_scalar(Tensor::randn(l.shape, rng, 0.5f), 3.0f);
            Tensor w = l.affine ? Tensor::uniform({C}, rng, 0.5f, 1.5f) : Tensor();
            Tensor b = l.affine ? Tensor::randn({C}, rng) : Tensor();
            Tensor rm = running ? Tensor::randn({C}, rng, 0.2f) : Tensor();
            Tensor rv = running ? Tensor::uniform({C}, rng, 0.5f, 2.0f) : Tensor();
            return Tensors{x, w, b, rm, rv};
          },
          bn_fn(bn1d, training, 0.1f, 1e-5f), {true, l.affine, l.affine, false, false}, kModeCuda);
      k.cuda_out = layer_out;
      k.cuda_grad = {layer_grad, layer_grad, layer_grad, Tol{}, Tol{}};
    }
  // Only some gradients asked for: x alone, the affine parameters alone.
  for (bool training : {true, false})
    for (bool x_only : {true, false}) {
      OpCase& k = add_case(
          out,
          str_cat("batchnorm1d [3, 4, 50] ", training ? "train" : "eval",
                  x_only ? " dx alone" : " dweight, dbias alone"),
          kBnSlots,
          [] {
            Rng rng(31);
            Tensor x = Tensor::randn({3, 4, 50}, rng);
            Tensor w = Tensor::uniform({4}, rng, 0.5f, 1.5f);
            return Tensors{x, w, Tensor::randn({4}, rng), Tensor::zeros({4}),
                           Tensor::full({4}, 1.0f)};
          },
          bn_fn(bn1d, training, 0.1f, 1e-5f), {x_only, !x_only, !x_only, false, false}, kModeCuda);
      k.cuda_out = layer_out;
      k.cuda_grad = {layer_grad, layer_grad, layer_grad, Tol{}, Tol{}};
    }
  // SampleCNN block 2 at batch 16 (timing).
  OpCase& p = add_case(
      out, "batchnorm1d train [16, 128, 2187]", kBnSlots,
      [] {
        return bn_inputs({16, 128, 2187}, 5, true, false);
      },
      bn_fn(bn1d, true, 0.1f, 1e-5f), {true, true, true, false, false}, kModePerf);
  p.work.bytes = 4.0 * 16 * 128 * 2187 * 3;
}

void add_batchnorm2d(std::vector<OpCase>& out) {
  add_case(
      out, "batchnorm2d train [2, 3, 2, 3]", kBnSlots,
      [] {
        return bn_inputs({2, 3, 2, 3}, 12, true, false);
      },
      bn_fn(bn2d, true, 0.1f, 1e-3f), {true, true, true, false, false}, kModeBackward);
  for (const char* name : {"bn2d_train_tf", "bn2d_eval_tf", "bn2d_train_default"}) {
    OpCase& k = add_case(out, std::string("fixture ") + name, kBnSlots, nullptr,
                         bn_fn(bn2d, true, 0.1f, 1e-5f), {true, true, true, false, false}, 0);
    FixtureSpec f{name,
                  {"x", "weight", "bias", "running_mean", "running_var"},
                  {"y", "running_mean_after", "running_var_after"},
                  "dy",
                  {"dx", "dweight", "dbias"}};
    f.out_each = {Tol{1e-5f, 1e-5f}, Tol{1e-5f, 1e-6f}, Tol{1e-5f, 1e-6f}};
    f.grad_each = {Tol{1e-4f, 1e-5f}, Tol{1e-4f, 1e-5f}, Tol{1e-5f, 1e-5f}};
    f.configure = bn_from_fixture(bn2d);
    k.fixture = f;
  }
  // CUDA vs CPU (test_cuda_ops2d's shapes), train and eval, running statistics compared too.
  uint64_t seed = 41;
  for (Shape s : {Shape{2, 3, 5, 7}, Shape{4, 16, 11, 1}, Shape{1, 2, 1, 3}, Shape{3, 5, 9, 13},
                  Shape{8, 64, 187, 96}}) {
    const bool perf = s[0] == 8;
    for (bool training : {true, false}) {
      OpCase& k = add_case(
          out, str_cat("batchnorm2d ", shape_str(s), training ? " train" : " eval"), kBnSlots,
          [s, sd = seed++] { return bn_inputs(s, sd, true, true); },
          bn_fn(bn2d, training, 0.01f, 1e-3f), {true, true, true, false, false},
          perf ? kModePerf : kModeCuda);
      k.cuda_out = kDouble;
      k.work.bytes = 4.0 * (double)shape_numel(s) * (training ? 3 : 2);
    }
  }
}

}  // namespace

void add_norm_cases(std::vector<OpCase>& out) {
  add_batchnorm1d(out);
  add_batchnorm2d(out);
}

}  // namespace syn::test

// layers2d.h — the 2-D layers as Modules (NCHW), with PyTorch's parameter names and default
// initialisation, so state dicts line up key for key with torch.nn models (and a TF checkpoint
// converter only has to transpose HWIO kernels to [out, in, kh, kw]).
//
//   Conv2d       weight [Cout, Cin, kh, kw], bias [Cout]   [B, Cin, H, W] -> [B, Cout, Hout, Wout]
//                padding per side (Padding2d: PyTorch symmetric, TF 'SAME' / 'VALID', any)
//   BatchNorm2d  weight/bias [C]; buffers running_mean/running_var [C] and num_batches_tracked
//                (a 0-d float tensor counting training steps, kept so PyTorch state dicts load
//                strictly; momentum is never None here, so it is not otherwise used)
//   MaxPool2d    parameter-free; kernel / stride / padding per axis
#pragma once
#include <cstdint>

#include "engine/nn/layers.h"
#include "engine/ops/conv2d.h"

namespace syn::nn {

class Conv2d : public Layer {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, int64_t kh, int64_t kw, Padding2d padding,
         bool bias, Rng& rng, int64_t sh = 1, int64_t sw = 1);
  Tensor forward(const Tensor& x) override;
  Tensor weight, bias;
  int64_t sh, sw;
  Padding2d padding;
};

class BatchNorm2d : public Layer {
 public:
  explicit BatchNorm2d(int64_t channels, float momentum = 0.1f, float eps = 1e-5f);
  Tensor forward(const Tensor& x) override;
  Tensor weight, bias, running_mean, running_var, num_batches_tracked;
  float momentum, eps;
};

class MaxPool2d : public Layer {
 public:
  // stride 0 means "= the kernel" on that axis.
  MaxPool2d(int64_t kh, int64_t kw, int64_t sh = 0, int64_t sw = 0, int64_t ph = 0, int64_t pw = 0);
  Tensor forward(const Tensor& x) override;
  int64_t kh, kw, sh, sw, ph, pw;
};

}  // namespace syn::nn

// op_cases_shape.cpp — data movement: transpose (transpose slot), concat / stack / slice (copy2d
// slot), constant padding (pad slot), and dropout (dropout_mask slot: a mask times x).
// Everything here copies values: fixtures and CUDA vs CPU are bit-exact. Dropout draws its mask
// from a fresh Rng(seed) on every call, so every evaluation and both devices get the same mask.
#include "engine/ops/dropout.h"
#include "engine/ops/pad.h"
#include "engine/ops/shape.h"
#include "engine/rng.h"
#include "tests/support/op_case.h"

namespace syn::test {

namespace {

using Pads = std::vector<std::pair<int64_t, int64_t>>;

OpForward transpose_fn(int64_t d0, int64_t d1) {
  return [d0, d1](const Tensors& in) { return Tensors{ops::transpose(in[0], d0, d1)}; };
}
// Concatenates the defined inputs (a fixture family may have 2 or 3).
OpForward concat_fn(int64_t dim) {
  return [dim](const Tensors& in) {
    Tensors parts;
    for (const Tensor& t : in)
      if (t.defined()) parts.push_back(t);
    return Tensors{ops::concat(parts, dim)};
  };
}
OpForward stack_fn(int64_t dim) {
  return [dim](const Tensors& in) { return Tensors{ops::stack(in, dim)}; };
}
OpForward slice_fn(int64_t dim, int64_t start, int64_t end) {
  return [=](const Tensors& in) { return Tensors{ops::slice(in[0], dim, start, end)}; };
}
OpForward pad_fn(Pads pads, float value) {
  return [pads, value](const Tensors& in) { return Tensors{ops::pad(in[0], pads, value)}; };
}

OpCase& exact_case(std::vector<OpCase>& out, std::string name, std::vector<std::string> slots,
                   OpInputs in, OpForward f, std::vector<bool> grad, unsigned modes) {
  OpCase& c = add_case(out, std::move(name), std::move(slots), std::move(in), std::move(f),
                       std::move(grad), modes);
  c.cuda_out = Tol{};
  return c;
}

FixtureSpec exact_fixture(const std::string& file, std::vector<std::string> inputs,
                          std::vector<std::string> grads) {
  FixtureSpec f{file, std::move(inputs), {"y"}, "dy", std::move(grads)};
  f.out = f.grad = Tol{};
  return f;
}

void add_transpose(std::vector<OpCase>& out) {
  const std::vector<std::string> slots = {"transpose"};
  exact_case(out, "transpose [3, 5] 0,1", slots, randn_inputs(43, {{3, 5}}), transpose_fn(0, 1),
             {true}, kModeBackward);
  exact_case(out, "transpose [2, 3, 4] 0,2", slots, randn_inputs(44, {{2, 3, 4}}),
             transpose_fn(0, 2), {true}, kModeBackward);
  exact_case(out, "transpose [2, 3, 2, 4, 2] 3,1", slots, randn_inputs(45, {{2, 3, 2, 4, 2}}),
             transpose_fn(3, 1), {true}, kModeBackward);
  for (const char* name : {"shape_transpose_4d", "shape_transpose_3d"}) {
    OpCase& k = exact_case(out, std::string("fixture ") + name, slots, nullptr, transpose_fn(0, 1),
                           {true}, 0);
    k.fixture = exact_fixture(name, {"x"}, {"dx"});
    k.fixture->configure = [](const Checkpoint& fx) {
      return transpose_fn(meta_int(fx, "dim0"), meta_int(fx, "dim1"));
    };
  }
  struct TCase {
    Shape shape;
    int64_t d0, d1;
  };
  std::vector<TCase> cases = {{{1, 1}, 0, 1},       {{3, 17, 33}, 1, 2},   {{3, 17, 33}, 0, 2},
                              {{3, 17, 33}, 0, 1},  {{2, 3, 4, 5}, 1, 3},  {{2, 3, 4, 5}, 0, 3},
                              {{2, 3, 4, 5}, 2, 3}, {{33, 65, 3}, 0, 1},   {{4, 100, 257}, 1, 2},
                              {{1, 1, 37}, 0, 2},   {{8, 128, 59}, -1, -2}};
  Rng rng(26);
  for (int k = 0; k < 3; ++k)
    cases.push_back({{1 + rng.randint(40), 1 + rng.randint(40), 1 + rng.randint(40)}, 0, 2});
  uint64_t seed = 26;
  for (const TCase& c : cases)
    exact_case(out, str_cat("transpose ", shape_str(c.shape), " ", c.d0, ",", c.d1), slots,
               randn_inputs(seed++, {c.shape}), transpose_fn(c.d0, c.d1), {true}, kModeCuda);
  exact_case(out, "transpose [16, 1024, 1024] 1,2", slots, randn_inputs(9, {{16, 1024, 1024}}),
             transpose_fn(1, 2), {true}, kModePerf)
      .work.bytes = 8.0 * 16 * 1024 * 1024;
}

void add_concat_stack_slice(std::vector<OpCase>& out) {
  const std::vector<std::string> slots = {"copy2d"};
  // Finite differences (test_shape.cpp).
  exact_case(out, "concat [2, 3] + [2, 1] + [2, 4] dim -1", slots,
             randn_inputs(44, {{2, 3}, {2, 1}, {2, 4}}), concat_fn(-1), {true, true, true},
             kModeBackward);
  exact_case(out, "concat [1, 3] + [2, 3] dim 0", slots, randn_inputs(45, {{1, 3}, {2, 3}}),
             concat_fn(0), {true, true}, kModeBackward);
  exact_case(out, "stack dim 1", slots, randn_inputs(46, {{2, 3}, {2, 3}, {2, 3}}), stack_fn(1),
             {true, true, true}, kModeBackward | kModeCuda);
  exact_case(out, "slice [4, 3] dim 0 (view)", slots, randn_inputs(46, {{4, 3}}), slice_fn(0, 1, 3),
             {true}, kModeBackward);
  exact_case(out, "slice [2, 5, 2] dim 1 (copy)", slots, randn_inputs(47, {{2, 5, 2}}),
             slice_fn(1, 1, 4), {true}, kModeBackward);
  exact_case(out, "slice [3, 2, 3] dim -1 (copy)", slots, randn_inputs(48, {{3, 2, 3}}),
             slice_fn(-1, 0, 2), {true}, kModeBackward);
  // Fixtures: shape_concat (3 inputs), concat4d (2 or 3), slices.
  for (const char* name :
       {"shape_concat", "concat4d_dim0", "concat4d_dim1", "concat4d_dim2", "concat4d_dim3"}) {
    OpCase& k = exact_case(out, std::string("fixture ") + name, slots, nullptr, concat_fn(0),
                           {true, true, true}, 0);
    k.fixture = exact_fixture(name, {"x0", "x1", "?x2"}, {"dx0", "dx1", "?dx2"});
    k.fixture->configure = [](const Checkpoint& fx) { return concat_fn(meta_int(fx, "dim")); };
  }
  for (const char* name : {"shape_slice_dim2", "shape_slice_dim0"}) {
    OpCase& k = exact_case(out, std::string("fixture ") + name, slots, nullptr, slice_fn(0, 0, 1),
                           {true}, 0);
    k.fixture = exact_fixture(name, {"x"}, {"dx"});
    k.fixture->configure = [](const Checkpoint& fx) {
      return slice_fn(meta_int(fx, "dim"), meta_int(fx, "start"), meta_int(fx, "end"));
    };
  }
  // CUDA (test_cuda_ops, test_cuda_ops2d): odd and float4-aligned widths, every dim, views.
  struct CCase {
    std::string name;
    std::vector<Shape> shapes;
    std::vector<bool> grad;
    OpForward f;
  };
  std::vector<CCase> gpu = {
      {"concat dim 1 odd", {{2, 3, 5}, {2, 4, 5}}, {true, true}, concat_fn(1)},
      {"concat dim 2", {{2, 3, 4}, {2, 3, 8}, {2, 3, 1}}, {true, false, true}, concat_fn(2)},
      {"concat dim 1 float4-aligned", {{3, 8, 4}, {3, 4, 4}}, {true, true}, concat_fn(1)},
      {"concat dim 0", {{1, 7}, {3, 7}}, {true, true}, concat_fn(0)},
      {"concat large", {{64, 300, 33}, {64, 17, 33}}, {true, true}, concat_fn(1)},
      {"stack dim 1 [5, 7]", {{5, 7}, {5, 7}, {5, 7}}, {true, true, true}, stack_fn(1)},
      {"stack dim 0 [1]", {{1}, {1}}, {true, true}, stack_fn(0)},
      {"slice dim 1 (copy)", {{4, 10, 3}}, {true}, slice_fn(1, 2, 7)},
      {"slice dim 2 (copy)", {{3, 2, 17}}, {true}, slice_fn(2, -5, -1)},
      {"slice dim 0 (view)", {{4, 10}}, {true}, slice_fn(0, 1, 3)},
  };
  Rng rng(27);
  for (int k = 0; k < 3; ++k) {
    Shape s{1 + rng.randint(20), 1 + rng.randint(20), 1 + rng.randint(20)};
    gpu.push_back({"concat random " + shape_str(s), {s, s}, {true, true}, concat_fn(2)});
  }
  Rng rng4(81);
  const Shape s4{2, 3, 4, 5};
  for (int64_t d = 0; d < 4; ++d) {
    Shape a = s4, b = s4;
    a[(size_t)d] = 1 + rng4.randint(3);
    b[(size_t)d] = 1 + rng4.randint(3);
    gpu.push_back({str_cat("concat rank 4 dim ", d), {a, s4, b}, {true, true, true}, concat_fn(d)});
  }
  uint64_t seed = 27;
  for (const CCase& c : gpu)
    exact_case(out, c.name, slots, randn_inputs(seed++, c.shapes), c.f, c.grad, kModeCuda);
  exact_case(out, "concat [64, 512, 300] + [64, 512, 300] dim 2", slots,
             randn_inputs(10, {{64, 512, 300}, {64, 512, 300}}), concat_fn(2), {true, true},
             kModePerf)
      .work.bytes = 16.0 * 64 * 512 * 300;
}

void add_pad(std::vector<OpCase>& out) {
  const std::vector<std::string> slots = {"pad"};
  exact_case(out, "pad [2, 3, 4] value 0.7", slots, randn_inputs(51, {{2, 3, 4}}),
             pad_fn({{1, 0}, {0, 2}, {2, 1}}, 0.7f), {true}, kModeBackward);
  exact_case(out, "pad [2, 3, 4] crops", slots, randn_inputs(51, {{2, 3, 4}}),
             pad_fn({{0, 0}, {-1, 1}, {1, -2}}, 0.0f), {true}, kModeBackward);
  exact_case(
      out, "pad_dim [1, 1, 3, 2]", slots, randn_inputs(52, {{1, 1, 3, 2}}),
      [](const Tensors& in) { return Tensors{ops::pad_dim(in[0], 2, 3, 3)}; }, {true},
      kModeBackward);
  for (const char* name : {"pad_time3", "pad_mixed_crop", "pad_rank3"}) {
    OpCase& k = exact_case(out, std::string("fixture ") + name, slots, nullptr, pad_fn({}, 0.0f),
                           {true}, 0);
    k.fixture = exact_fixture(name, {"x"}, {"dx"});
    k.fixture->configure = [](const Checkpoint& fx) {
      Pads pads;
      for (int64_t d = 0; d < meta_int(fx, "rank"); ++d)
        pads.push_back({meta_int(fx, str_cat("before", d)), meta_int(fx, str_cat("after", d))});
      return pad_fn(pads, (float)meta_float(fx, "value"));
    };
  }
  // CUDA (test_cuda_ops2d): musicnn's time pad, crops, a fill value, random ranks 1..5.
  struct PCase {
    Shape s;
    Pads pads;
    float value;
  };
  std::vector<PCase> cases = {
      {{2, 1, 187, 96}, {{0, 0}, {0, 0}, {3, 3}, {0, 0}}, 0.0f},
      {{2, 3, 4, 5}, {{1, 0}, {0, 2}, {-1, 2}, {2, -1}}, 1.5f},
      {{3, 4, 2}, {{2, 1}, {0, 0}, {1, 3}}, -0.25f},
      {{1}, {{0, 4}}, 2.0f},
      {{1, 1, 1, 1}, {{1, 1}, {1, 1}, {1, 1}, {1, 1}}, 0.0f},
  };
  Rng rng(61);
  for (int k = 0; k < 5; ++k) {
    PCase c;
    const int r = 1 + (int)rng.randint(5);
    for (int d = 0; d < r; ++d) {
      c.s.push_back(3 + rng.randint(4));  // >= 3: every padded size stays >= 1
      c.pads.push_back({rng.randint(4) - 1, rng.randint(4) - 1});  // -1 .. 2 (crops included)
    }
    c.value = rng.normal();
    cases.push_back(c);
  }
  uint64_t seed = 61;
  for (const PCase& c : cases)
    exact_case(out, "pad " + shape_str(c.s), slots, randn_inputs(seed++, {c.s}),
               pad_fn(c.pads, c.value), {true}, kModeCuda);
  exact_case(out, "pad [16, 1, 187, 96] time 3", slots, randn_inputs(11, {{16, 1, 187, 96}}),
             pad_fn({{0, 0}, {0, 0}, {3, 3}, {0, 0}}, 0.0f), {true}, kModePerf)
      .work.bytes = 8.0 * 16 * 193 * 96;
}

OpForward dropout_fn(float p, uint64_t seed) {
  return [p, seed](const Tensors& in) {
    Rng fixed(seed);  // the same mask on every evaluation and device
    return Tensors{ops::dropout(in[0], p, true, fixed)};
  };
}

void add_dropout(std::vector<OpCase>& out) {
  const std::vector<std::string> slots = {"dropout_mask"};
  exact_case(out, "dropout [4, 6] p 0.4", slots, randn_inputs(37, {{4, 6}}), dropout_fn(0.4f, 99),
             {true}, kModeBackward);
  for (int64_t n : {int64_t{1}, int64_t{3}, int64_t{17}, int64_t{4099}, int64_t{1000003}})
    for (float p : {0.1f, 0.5f, 0.9f, 1.0f})
      exact_case(out, str_cat("dropout n=", n, " p=", p), slots, randn_inputs(28, {{n}}),
                 dropout_fn(p, 99 + (uint64_t)n), {true},
                 n == 1000003 && p == 0.5f ? kModeCuda | kModePerf : kModeCuda)
          .work.bytes = 12.0 * (double)n;
}

}  // namespace

void add_shape_cases(std::vector<OpCase>& out) {
  add_transpose(out);
  add_concat_stack_slice(out);
  add_pad(out);
  add_dropout(out);
}

}  // namespace syn::test

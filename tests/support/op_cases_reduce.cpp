// op_cases_reduce.cpp — sum / mean (reduce_sum, reduce_broadcast slots) and max / min along a
// dim (reduce_max, reduce_max_backward).
// Fixtures: sum / mean accumulate in double, rounded once to fp32, vs a float64 reference: rtol
// 1e-6 (atol for sums that nearly cancel); max / min pick an input value and route the gradient
// exactly where PyTorch's index points (ties included): exact. CUDA vs CPU: sums differ only in
// order (rtol 1e-5, floor 1e-5 max|cpu|); max / min are bit-exact on rounded values (ties).
#include "engine/autograd.h"
#include "engine/ops/reduce.h"
#include "engine/ops/reduce_max.h"
#include "engine/rng.h"
#include "tests/support/op_case.h"

namespace syn::test {

namespace {

const std::vector<std::string> kSumSlots = {"reduce_sum", "reduce_broadcast"};
const std::vector<std::string> kMaxSlots = {"reduce_max", "reduce_max_backward"};
const Tol kDouble{1e-5f, 0.0f, 1e-5f};

// dim == kAll: over every element.
constexpr int64_t kAll = 1000;
OpForward reduce_fn(bool is_mean, int64_t dim, bool keep) {
  return [=](const Tensors& in) {
    if (dim == kAll) return Tensors{is_mean ? ops::mean(in[0]) : ops::sum(in[0])};
    return Tensors{is_mean ? ops::mean(in[0], dim, keep) : ops::sum(in[0], dim, keep)};
  };
}

// Output 1: the same op without autograd (the value-only kernel path).
OpForward max_fn(bool is_min, int64_t dim, bool keep) {
  return [=](const Tensors& in) {
    Tensor y = is_min ? ops::min(in[0], dim, keep) : ops::max(in[0], dim, keep);
    NoGradGuard no_grad;
    return Tensors{y, is_min ? ops::min(in[0], dim, keep) : ops::max(in[0], dim, keep)};
  };
}

std::function<OpForward(const Checkpoint&)> from_meta(bool is_mean) {
  return [is_mean](const Checkpoint& fx) {
    return reduce_fn(is_mean, meta_int(fx, "dim"), meta_int(fx, "keepdim") != 0);
  };
}

void add_sum_mean(std::vector<OpCase>& out) {
  for (bool is_mean : {false, true}) {
    const std::string op = is_mean ? "mean" : "sum";
    add_case(out, op + " [3, 4, 5]", kSumSlots, randn_inputs(51, {{3, 4, 5}}),
             reduce_fn(is_mean, kAll, false), {true}, kModeBackward);
    for (int64_t d : {0, 1, 2, -1})
      for (bool keep : {false, true})
        add_case(out, str_cat(op, " [3, 4, 5] dim ", d, keep ? " keepdim" : ""), kSumSlots,
                 randn_inputs(51, {{3, 4, 5}}), reduce_fn(is_mean, d, keep), {true}, kModeBackward);
  }
  // Fixtures (gen_norm_pool_shape.py, gen_ops2d.py).
  struct Fx {
    const char* name;
    bool is_mean, all;
    Tol out, grad;
  };
  const Tol y6{1e-6f, 1e-6f}, g7{1e-6f, 1e-7f};
  for (Fx f : {Fx{"reduce_sum_all", false, true, y6, g7}, Fx{"reduce_mean_all", true, true, y6, g7},
               Fx{"reduce_sum_dim1", false, false, y6, g7},
               Fx{"reduce_mean_dim2_keep", true, false, y6, g7},
               Fx{"reduce_sum_dim0_keep", false, false, y6, g7},
               Fx{"reduce_mean_dim0", true, false, y6, g7}, Fx{"mean_r4_dim0", true, false, y6, g7},
               Fx{"mean_r4_dim1", true, false, y6, g7}, Fx{"mean_r4_dim2", true, false, y6, g7},
               Fx{"mean_r4_dim3", true, false, y6, g7}, Fx{"mean_r3_dim1", true, false, y6, g7},
               Fx{"mean_r3_last_keep", true, false, y6, g7}}) {
    OpCase& k = add_case(out, std::string("fixture ") + f.name, kSumSlots, nullptr,
                         reduce_fn(f.is_mean, kAll, false), {true}, 0);
    k.fixture = FixtureSpec{f.name, {"x"}, {"y"}, "dy", {"dx"}};
    k.fixture->out = f.out;
    k.fixture->grad = f.grad;
    if (!f.all) k.fixture->configure = from_meta(f.is_mean);
  }
  // CUDA (test_cuda_ops's sizes): over every element, and along one dim.
  uint64_t seed = 25;
  for (int64_t n : {int64_t{1}, int64_t{3}, int64_t{17}, int64_t{1000}, int64_t{1025},
                    int64_t{100003}, (int64_t{1} << 21) + 5})
    for (bool is_mean : {false, true}) {
      OpCase& k = add_case(out, str_cat(is_mean ? "mean" : "sum", " n=", n), kSumSlots,
                           randn_inputs(seed++, {{n}}), reduce_fn(is_mean, kAll, false), {true},
                           n > 2000000 ? kModeCuda | kModePerf : kModeCuda);
      k.work.bytes = 4.0 * (double)n;
    }
  struct DimCase {
    Shape shape;
    int64_t dim;
  };
  std::vector<DimCase> cases = {{{3, 17, 5}, 0},    {{3, 17, 5}, 1},  {{3, 17, 5}, 2},
                                {{1, 70000, 3}, 1}, {{2, 40000}, 1},  {{70000, 2}, 0},
                                {{33, 1, 2}, 1},    {{5, 1030}, -1},  {{1, 1}, 0},
                                {{600, 40, 33}, 0}, {{9, 2000, 1}, 1}};
  Rng rng(25);
  for (int k = 0; k < 3; ++k)
    cases.push_back(
        {{1 + rng.randint(30), 1 + rng.randint(30), 1 + rng.randint(30)}, rng.randint(3)});
  for (const DimCase& c : cases)
    for (bool keep : {false, true})
      for (bool is_mean : {false, true})
        add_case(out,
                 str_cat(is_mean ? "mean " : "sum ", shape_str(c.shape), " dim ", c.dim,
                         keep ? " keepdim" : ""),
                 kSumSlots, randn_inputs(seed++, {c.shape}), reduce_fn(is_mean, c.dim, keep),
                 {true}, kModeCuda);
  // test_cuda_ops2d: mean along every dim of a rank-4 tensor (keepdim on dim 2).
  for (int64_t d = -1; d < 4; ++d)
    add_case(out, str_cat("mean [2, 3, 4, 5] dim ", d), kSumSlots,
             randn_inputs(seed++, {{2, 3, 4, 5}}), reduce_fn(true, d, d == 2), {true}, kModeCuda)
        .cuda_out = kDouble;
}

void add_max_min(std::vector<OpCase>& out) {
  // Finite differences on separated values, every dim, with and without keepdim.
  for (bool is_min : {false, true}) {
    const Shape s = is_min ? Shape{2, 3, 4, 9} : Shape{2, 3, 4, 5};
    const uint64_t seed = is_min ? 62 : 61;
    for (int64_t d :
         is_min ? std::vector<int64_t>{0, 1, 2, 3} : std::vector<int64_t>{0, 1, 2, 3, -1})
      for (bool keep : {false, true})
        add_case(
            out,
            str_cat(is_min ? "min " : "max ", shape_str(s), " dim ", d, keep ? " keepdim" : ""),
            kMaxSlots,
            [s, seed] {
              Rng rng(seed);
              return Tensors{separated_values(s, rng)};
            },
            max_fn(is_min, d, keep), {true}, kModeBackward);
  }
  for (const char* name :
       {"rmax_r3_dim1", "rmax_r4_dim2_keep", "rmax_r4_last", "rmax_r4_dim0", "rmax_ties",
        "rmin_r3_dim1", "rmin_r4_last_long", "rmin_r4_dim2_keep", "rmin_ties_last"}) {
    const bool is_min = std::string(name).rfind("rmin", 0) == 0;
    OpCase& k = add_case(out, std::string("fixture ") + name, kMaxSlots, nullptr,
                         max_fn(is_min, 0, false), {true}, 0);
    k.fixture = FixtureSpec{name, {"x"}, {"y", "y"}, "dy", {"dx"}};
    k.fixture->out = k.fixture->grad = Tol{};
    k.fixture->configure = [is_min](const Checkpoint& fx) {
      return max_fn(is_min, meta_int(fx, "dim"), meta_int(fx, "keepdim") != 0);
    };
  }
  // CUDA (test_cuda_ops2d): every dim of each shape, rounded values (ties), bit-exact.
  std::vector<Shape> shapes = {{1},          {2, 187, 51}, {2, 51, 187},
                               {3, 4, 5, 6}, {1, 1, 1, 1}, {2, 3, 300, 1}};
  Rng rng(71);
  for (int k = 0; k < 4; ++k)
    shapes.push_back({1 + rng.randint(4), 1 + rng.randint(9), 1 + rng.randint(9)});
  uint64_t seed = 71;
  for (const Shape& s : shapes)
    for (int64_t d = 0; d < (int64_t)s.size(); ++d)
      for (bool keep : {false, true}) {
        const uint64_t sd = seed++;
        for (bool is_min : {false, true})
          add_case(
              out,
              str_cat(is_min ? "min " : "max ", "ties ", shape_str(s), " dim ", d,
                      keep ? " keepdim" : ""),
              kMaxSlots,
              [s, sd] {
                Rng r(sd);
                return Tensors{rounded_values(s, r)};
              },
              max_fn(is_min, d, keep), {true}, kModeCuda)
              .cuda_out = Tol{};
      }
  // musicnn's temporal max over a [B, C, T] map (timing).
  OpCase& p =
      add_case(out, "max [16, 512, 187] dim 2", kMaxSlots, randn_inputs(7, {{16, 512, 187}}),
               max_fn(false, 2, false), {true}, kModePerf);
  p.work.bytes = 4.0 * 16 * 512 * 187;
}

}  // namespace

void add_reduce_cases(std::vector<OpCase>& out) {
  add_sum_mean(out);
  add_max_min(out);
}

}  // namespace syn::test

// op_cases_pool.cpp — maxpool1d and maxpool2d (forward with argmax, backward slots).
// Finite differences on well-separated values (never across a kink). Fixtures: PyTorch
// (gen_norm_pool_shape.py, gen_ops2d.py): the maximum is a copy of an input value, exact; dx
// holds one dy or the fp32 sum of a few where windows overlap (float64 in the reference).
// CUDA vs CPU: the same comparisons pick the same elements and the backward adds in the same
// order: bit-exact, on rounded values (ties: the first maximum wins on both devices).
#include "engine/ops/pool.h"
#include "engine/ops/pool2d.h"
#include "engine/rng.h"
#include "tests/support/op_case.h"

namespace syn::test {

namespace {

const std::vector<std::string> kPool1dSlots = {"maxpool1d_forward", "maxpool1d_backward"};
const std::vector<std::string> kPool2dSlots = {"maxpool2d_forward", "maxpool2d_backward"};

OpForward pool1d_fn(int64_t k, int64_t s, int64_t p) {
  return [k, s, p](const Tensors& in) { return Tensors{ops::maxpool1d(in[0], k, s, p)}; };
}

struct P2 {
  int64_t kh, kw, sh, sw, ph, pw;
};
OpForward pool2d_fn(P2 p) {
  return [p](const Tensors& in) {
    return Tensors{ops::maxpool2d(in[0], p.kh, p.kw, p.sh, p.sw, p.ph, p.pw)};
  };
}

// Separated values (finite differences) or rounded ones (CUDA: many ties).
OpInputs pool_input(Shape s, uint64_t seed, bool ties) {
  return [s, seed, ties] {
    Rng rng(seed);
    return Tensors{ties ? rounded_values(s, rng, 1.5f) : separated_values(s, rng)};
  };
}

void add_pool1d(std::vector<OpCase>& out) {
  struct C1 {
    Shape s;
    int64_t k, st, p;
  };
  uint64_t seed = 21;
  for (C1 c : {C1{{2, 2, 10}, 3, 3, 0}, C1{{2, 2, 7}, 2, 1, 1}, C1{{1, 3, 9}, 3, 2, 1},
               C1{{2, 1, 8}, 4, 0, 2}})
    add_case(out, str_cat("maxpool1d ", shape_str(c.s), " k", c.k, " s", c.st, " p", c.p),
             kPool1dSlots, pool_input(c.s, seed++, false), pool1d_fn(c.k, c.st, c.p), {true},
             kModeBackward);
  for (const char* name : {"maxpool_k3s3", "maxpool_k2s1p1"}) {
    OpCase& k = add_case(out, std::string("fixture ") + name, kPool1dSlots, nullptr,
                         pool1d_fn(1, 1, 0), {true}, 0);
    k.fixture = FixtureSpec{name, {"x"}, {"y"}, "dy", {"dx"}};
    k.fixture->out = Tol{};
    k.fixture->grad = Tol{1e-6f, 1e-7f};
    k.fixture->configure = [](const Checkpoint& fx) {
      return pool1d_fn(meta_int(fx, "kernel"), meta_int(fx, "stride"), meta_int(fx, "padding"));
    };
  }
  // CUDA: test_cuda_layers.cpp's shapes; SampleCNN block 1 at batch 4 is also timed.
  for (C1 c : {C1{{2, 3, 10}, 3, 3, 0}, C1{{2, 4, 17}, 3, 2, 1}, C1{{3, 5, 33}, 4, 1, 2},
               C1{{4, 128, 19683}, 3, 3, 0}}) {
    OpCase& k =
        add_case(out, str_cat("maxpool1d ties ", shape_str(c.s), " k", c.k, " s", c.st, " p", c.p),
                 kPool1dSlots, pool_input(c.s, seed++, true), pool1d_fn(c.k, c.st, c.p), {true},
                 c.s[2] > 10000 ? kModeCuda | kModePerf : kModeCuda);
    k.cuda_out = Tol{};
    k.work.bytes = 4.0 * (double)shape_numel(c.s) * (1.0 + 2.0 / (double)c.k);
  }
}

void add_pool2d(std::vector<OpCase>& out) {
  struct C2 {
    Shape s;
    P2 p;
  };
  uint64_t seed = 31;
  for (C2 c : {C2{{2, 2, 6, 9}, {2, 3, 0, 0, 0, 0}}, C2{{1, 2, 5, 7}, {3, 2, 1, 2, 1, 1}},
               C2{{2, 1, 4, 6}, {1, 6, 0, 0, 0, 0}}, C2{{1, 3, 7, 5}, {3, 3, 2, 1, 1, 0}},
               C2{{1, 1, 3, 8}, {2, 4, 1, 3, 1, 2}}})
    add_case(out,
             str_cat("maxpool2d ", shape_str(c.s), " k ", c.p.kh, "x", c.p.kw, " s ", c.p.sh, "x",
                     c.p.sw, " p ", c.p.ph, "x", c.p.pw),
             kPool2dSlots, pool_input(c.s, seed++, false), pool2d_fn(c.p), {true}, kModeBackward);
  for (const char* name : {"maxpool2d_k2x3", "maxpool2d_full_width", "maxpool2d_overlap_pad",
                           "maxpool2d_k3s2x1_p1x0"}) {
    OpCase& k = add_case(out, std::string("fixture ") + name, kPool2dSlots, nullptr,
                         pool2d_fn({1, 1, 0, 0, 0, 0}), {true}, 0);
    k.fixture = FixtureSpec{name, {"x"}, {"y"}, "dy", {"dx"}};
    k.fixture->out = Tol{};
    k.fixture->grad = Tol{1e-6f, 1e-6f};
    k.fixture->configure = [](const Checkpoint& fx) {
      return pool2d_fn({meta_int(fx, "kh"), meta_int(fx, "kw"), meta_int(fx, "sh"),
                        meta_int(fx, "sw"), meta_int(fx, "ph"), meta_int(fx, "pw")});
    };
  }
  // CUDA (test_cuda_ops2d's shapes): rounded values, many ties.
  std::vector<C2> gpu = {
      {{1, 1, 1, 1}, {1, 1, 0, 0, 0, 0}},  {{2, 3, 11, 96}, {1, 96, 0, 0, 0, 0}},
      {{2, 3, 7, 10}, {2, 3, 0, 0, 0, 0}}, {{2, 2, 6, 7}, {3, 2, 1, 2, 1, 1}},
      {{1, 3, 7, 5}, {3, 3, 2, 1, 1, 0}},  {{2, 4, 187, 11}, {1, 11, 0, 0, 0, 0}}};
  Rng rng(51);
  for (int k = 0; k < 6; ++k) {
    C2 c;
    c.s = {1 + rng.randint(3), 1 + rng.randint(4), 1 + rng.randint(15), 1 + rng.randint(15)};
    c.p.kh = 1 + rng.randint(c.s[2]), c.p.kw = 1 + rng.randint(c.s[3]);
    c.p.sh = rng.randint(3), c.p.sw = rng.randint(3);
    c.p.ph = rng.randint(c.p.kh / 2 + 1), c.p.pw = rng.randint(c.p.kw / 2 + 1);
    gpu.push_back(c);
  }
  gpu.push_back({{8, 64, 187, 96}, {2, 2, 2, 2, 0, 0}});  // a musicnn-sized map (timing)
  seed = 51;
  for (const C2& c : gpu) {
    const P2 p = c.p;
    OpCase& k = add_case(
        out,
        str_cat("maxpool2d ties ", shape_str(c.s), " k ", p.kh, "x", p.kw, " s ", p.sh, "x", p.sw,
                " p ", p.ph, "x", p.pw),
        kPool2dSlots,
        [s = c.s, sd = seed++] {
          Rng r(sd);
          return Tensors{rounded_values(s, r)};
        },
        pool2d_fn(p), {true}, c.s[0] == 8 ? kModeCuda | kModePerf : kModeCuda);
    k.cuda_out = Tol{};
    k.work.bytes = 4.0 * (double)shape_numel(c.s) * 1.5;
  }
}

}  // namespace

void add_pool_cases(std::vector<OpCase>& out) {
  add_pool1d(out);
  add_pool2d(out);
}

}  // namespace syn::test

// op_case.h — one declaration per op case, the single source every op check reads (in the
// spirit of ggml's test-backend-ops): the kernel slots the case exercises, how its inputs are
// built, the forward as a call of the public op, which inputs get gradients, the tolerances of
// each mode, an optional PyTorch fixture and the work done (for GFLOP/s or GB/s).
//
// The modes that read the list: tests/support/op_check.h (CPU against the fixture, backward
// against finite differences, CUDA against CPU: tests/test_ops.cpp, tests/test_cuda_ops.cpp)
// and bench/bench_ops.cpp (timings of every case on every device, never a unit test).
// The list is declared per op family in tests/support/op_cases_*.cpp.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/checkpoint.h"
#include "engine/tensor.h"
#include "tests/support/gradcheck.h"

namespace syn {
class Rng;
}

namespace syn::test {

using Tensors = std::vector<Tensor>;

// The forward returns output 0 (the differentiable result; backward seeds it) and optionally
// more tensors that are only compared, e.g. running statistics or optimizer state.
using OpForward = std::function<Tensors(const Tensors&)>;
using OpInputs = std::function<Tensors()>;

// |actual - expected| <= atol + atol_scale * max|expected| + rtol * |expected|, element-wise.
// All zero: bit-exact. (atol_scale: sums carry errors in proportion to their largest terms.)
struct Tol {
  float rtol = 0.0f;
  float atol = 0.0f;
  float atol_scale = 0.0f;
};

// A PyTorch fixture (tests/fixtures/<file>.synt, written by tests/reference/*.py). Keys name
// tensors in it; "" means: input left undefined / output or gradient not compared; a key
// starting with '?' is optional (an input or gradient some fixtures of a family lack, e.g. a
// bias): absent, it counts as "". Outputs after output 0 are extra results (running statistics)
// and may be inputs updated in place.
struct FixtureSpec {
  FixtureSpec(std::string file_, std::vector<std::string> inputs_,
              std::vector<std::string> outputs_, std::string upstream_,
              std::vector<std::string> grads_)
      : file(std::move(file_)),
        inputs(std::move(inputs_)),
        outputs(std::move(outputs_)),
        upstream(std::move(upstream_)),
        grads(std::move(grads_)) {}

  std::string file;
  std::vector<std::string> inputs;   // one key per input of the case
  std::vector<std::string> outputs;  // one key per output of the forward
  std::string upstream;              // dL/d(output 0); "" = all ones (1 for a scalar loss)
  std::vector<std::string> grads;    // expected gradient per input
  Tol out{1e-4f, 1e-5f};
  Tol grad{1e-4f, 1e-5f};
  std::vector<Tol> out_each, grad_each;  // per output / per input; empty: `out` / `grad`
  // The forward set up from the fixture's metadata (stride, eps, ...); null: the case's own.
  std::function<OpForward(const Checkpoint&)> configure;
};

// Work of one forward call, for the perf mode's rates (0: not reported).
struct Work {
  double flops = 0;
  double bytes = 0;
};

// Which modes beyond the fixture (which runs whenever `fixture` is set) a case is fit for.
enum OpMode : unsigned {
  kModeBackward = 1u,  // finite differences: small shapes only (2 forwards per element)
  kModeCuda = 2u,      // CUDA vs CPU, forward and every gradient
  kModePerf = 4u,      // timed by bench/bench_ops
};

struct OpCase {
  std::string name;
  std::vector<std::string> slots;  // kernel slots (engine/dispatch.h) the case runs
  OpInputs inputs;                 // seeded inputs on the CPU (null: the fixture's inputs)
  OpForward forward;
  std::vector<bool> grad;  // per input: does it get a gradient
  std::optional<FixtureSpec> fixture;
  unsigned modes = 0;
  GradcheckOptions fd;               // kModeBackward
  Tol cuda_out{1e-5f, 0.0f, 1e-5f};  // kModeCuda, every output
  std::vector<Tol> cuda_grad;        // per input; empty: cuda_out for every gradient
  uint64_t upstream_seed = 7;        // the random dL/dy of the CUDA mode
  Work work;                         // kModePerf
};

// Every declared case (built once).
const std::vector<OpCase>& op_cases();

// The op families (tests/support/op_cases_<family>.cpp), appended to `out`.
void add_elementwise_cases(std::vector<OpCase>& out);
void add_linear_cases(std::vector<OpCase>& out);
void add_conv_cases(std::vector<OpCase>& out);
void add_pool_cases(std::vector<OpCase>& out);
void add_norm_cases(std::vector<OpCase>& out);
void add_loss_cases(std::vector<OpCase>& out);
void add_reduce_cases(std::vector<OpCase>& out);
void add_shape_cases(std::vector<OpCase>& out);
void add_text_cases(std::vector<OpCase>& out);
void add_diffusion_cases(std::vector<OpCase>& out);
void add_optim_cases(std::vector<OpCase>& out);
void add_audio_cases(std::vector<OpCase>& out);

// Fresh leaves of `inputs` on `device` (copies; undefined stay undefined), requiring a gradient
// where the case says so: what every mode runs a case on.
Tensors case_leaves(const OpCase& c, const Tensors& inputs, Device device);

// Helpers for declarations.
OpCase& add_case(std::vector<OpCase>& out, std::string name, std::vector<std::string> slots,
                 OpInputs inputs, OpForward forward, std::vector<bool> grad, unsigned modes);
// Seeded N(0, stddev^2) inputs of these shapes; an empty shape gives an undefined input.
OpInputs randn_inputs(uint64_t seed, std::vector<Shape> shapes, float stddev = 1.0f);
// Distinct values 0.1 apart in a seeded random order: finite differences (eps 1e-3) of a max
// never cross a kink.
Tensor separated_values(const Shape& s, Rng& rng);
// N(0, 1) values times `per_unit`, rounded to integers: many ties (max/min tie rules).
Tensor rounded_values(const Shape& s, Rng& rng, float per_unit = 2.0f);
// A fixture's metadata (engine/checkpoint.h meta); a missing key is an error naming it.
int64_t meta_int(const Checkpoint& fx, const std::string& key);
double meta_float(const Checkpoint& fx, const std::string& key);
// Integer indices stored in a float tensor (fixture targets, token ids).
std::vector<int64_t> as_indices(const Tensor& t);
Tensor indices_tensor(const std::vector<int64_t>& ids);

}  // namespace syn::test

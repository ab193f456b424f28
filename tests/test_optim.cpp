// test_optim.cpp — optimizers (Adam, AdamW, SGD, LARS) and the cosine schedule against
// PyTorch, step by step, plus checkpoint round trips and the skip/exclusion rules.
// Fixtures: tests/reference/gen_optim.py → tests/fixtures/optim_*.synt.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <memory>

#include "engine/checkpoint.h"
#include "engine/optim/adam.h"
#include "engine/optim/lars.h"
#include "engine/optim/schedule.h"
#include "engine/optim/sgd.h"
#include "engine/rng.h"
#include "tests/support/fixtures.h"

using namespace syn;

namespace {

// Tolerances: our fp32 updates against a float64 reference fed the same fp32 inputs. All five
// steps of every fixture still pass at rtol 2e-6 / atol 2e-7 (the largest misses are ~1e-7
// absolute, on small values formed by cancellation of O(0.1) terms); 1e-5 / 1e-6 leaves a 5x
// margin while formula slips stay far outside it (eps inside the sqrt, or LARS's trust ratio
// taken on ||g|| instead of ||g + wd w||, each fail dozens of elements).
constexpr float kRtol = 1e-5f, kAtol = 1e-6f;

using MakeOpt = std::function<std::unique_ptr<Optimizer>(NamedTensors, const Checkpoint&)>;

bool starts_with(const std::string& s, const std::string& head) {
  return s.compare(0, head.size(), head) == 0;
}

// The parameters of a fixture ("init.<name>"), fresh copies that require a gradient.
NamedTensors fixture_params(const Checkpoint& fx) {
  NamedTensors out;
  for (auto& [key, t] : fx.tensors)
    if (starts_with(key, "init.")) out.emplace_back(key.substr(5), t.clone().set_requires_grad());
  REQUIRE(!out.empty());
  return out;
}

// Sets each parameter's gradient for step k; a parameter with no "g<k>." entry gets none.
void set_fixture_grads(const NamedTensors& params, const Checkpoint& fx, int k) {
  for (auto& [name, p] : params) {
    const Tensor* g = find_named(fx.tensors, str_cat("g", k, ".", name));
    Tensor(p).set_grad(g ? g->clone() : Tensor());
  }
}

void set_fixture_lr(Optimizer& opt, const Checkpoint& fx, int k) {
  opt.set_lr(test::fixture_tensor(fx, "lr").to_vector().at(k));
}

// Compares parameters and state after step k with the reference.
void check_step(const Optimizer& opt, const Checkpoint& fx, int k, const std::string& label) {
  std::string tag = str_cat(label, " step ", k);
  for (auto& [name, p] : opt.params())
    test::check_close(p, test::fixture_tensor(fx, str_cat("p", k, ".", name)),
                      tag + " param " + name, kRtol, kAtol);
  NamedTensors state = opt.state_dict();
  std::string prefix = str_cat("s", k, ".");
  int compared = 0;
  for (auto& [key, expected] : fx.tensors) {
    if (!starts_with(key, prefix)) continue;
    std::string ours = opt.kind() + "." + key.substr(prefix.size());
    const Tensor* t = find_named(state, ours);
    REQUIRE_MESSAGE(t != nullptr, "state has no '", ours, "'");
    test::check_close(*t, expected, tag + " state " + ours, kRtol, kAtol);
    ++compared;
  }
  CHECK_MESSAGE(compared > 0, tag, ": the fixture holds no state to compare");
}

// Replays a fixture: per step set lr and grads, step, compare. Also checks that gradients are
// left untouched and that per-parameter step counts skip the steps without a gradient.
void replay(const std::string& fixture, const MakeOpt& make) {
  Checkpoint fx = test::load_fixture(fixture);
  NamedTensors params = fixture_params(fx);
  auto opt = make(params, fx);
  int steps = (int)test::fixture_int(fx, "steps");
  std::vector<int64_t> expected_counts(params.size(), 0);
  for (int k = 0; k < steps; ++k) {
    set_fixture_lr(*opt, fx, k);
    set_fixture_grads(params, fx, k);
    std::vector<std::vector<float>> grads_before;
    for (auto& [_, p] : params)
      grads_before.push_back(p.grad().defined() ? p.grad().to_vector() : std::vector<float>{});
    opt->step();
    for (size_t i = 0; i < params.size(); ++i) {
      Tensor g = params[i].second.grad();
      if (g.defined()) ++expected_counts[i];
      CHECK_MESSAGE((g.defined() ? g.to_vector() : std::vector<float>{}) == grads_before[i],
                    fixture, ": step modified the gradient of ", params[i].first);
    }
    check_step(*opt, fx, k, fixture);
  }
  CHECK(opt->steps() == steps);
  bool some_skipped = false;
  for (size_t i = 0; i < params.size(); ++i) {
    CHECK_MESSAGE(opt->param_steps(i) == expected_counts[i], params[i].first);
    some_skipped |= expected_counts[i] < steps;
  }
  CHECK_MESSAGE(some_skipped, fixture, " should contain a step without a gradient");
}

std::unique_ptr<Optimizer> make_adam(NamedTensors p, const Checkpoint& fx, bool decoupled) {
  AdamOptions o;
  o.beta1 = test::fixture_float(fx, "beta1");
  o.beta2 = test::fixture_float(fx, "beta2");
  o.eps = test::fixture_float(fx, "eps");
  o.weight_decay = test::fixture_float(fx, "weight_decay");
  o.decoupled_weight_decay = decoupled;
  return std::make_unique<Adam>(std::move(p), o);
}

std::unique_ptr<Optimizer> make_sgd(NamedTensors p, const Checkpoint& fx) {
  SgdOptions o;
  o.momentum = test::fixture_float(fx, "momentum");
  o.dampening = test::fixture_float(fx, "dampening");
  o.weight_decay = test::fixture_float(fx, "weight_decay");
  o.nesterov = test::fixture_int(fx, "nesterov") != 0;
  return std::make_unique<Sgd>(std::move(p), o);
}

std::unique_ptr<Optimizer> make_lars(NamedTensors p, const Checkpoint& fx) {
  LarsOptions o;
  o.momentum = test::fixture_float(fx, "momentum");
  o.weight_decay = test::fixture_float(fx, "weight_decay");
  o.eta = test::fixture_float(fx, "eta");
  o.nesterov = test::fixture_int(fx, "nesterov") != 0;
  return std::make_unique<Lars>(std::move(p), o);
}

const MakeOpt kAdam = [](NamedTensors p, const Checkpoint& fx) { return make_adam(p, fx, false); };
const MakeOpt kAdamW = [](NamedTensors p, const Checkpoint& fx) { return make_adam(p, fx, true); };

}  // namespace

TEST_CASE("Adam matches torch.optim.Adam (L2 weight decay, varying lr)") {
  replay("optim_adam", kAdam);
}

TEST_CASE("AdamW matches torch.optim.AdamW (decoupled weight decay)") {
  replay("optim_adamw", kAdamW);
}

TEST_CASE("SGD matches torch.optim.SGD") {
  SUBCASE("momentum + weight decay") { replay("optim_sgd", make_sgd); }
  SUBCASE("nesterov") { replay("optim_sgd_nesterov", make_sgd); }
  SUBCASE("dampening") { replay("optim_sgd_damp", make_sgd); }
}

TEST_CASE("LARS matches the SimCLR formulas (float64 reference)") {
  SUBCASE("classic momentum") { replay("optim_lars", make_lars); }
  SUBCASE("nesterov") { replay("optim_lars_nesterov", make_lars); }
}

TEST_CASE("state_dict round trip through a checkpoint file resumes exactly") {
  struct Case {
    const char* fixture;
    MakeOpt make;
  };
  for (const Case& c : {Case{"optim_adam", kAdam}, Case{"optim_adamw", kAdamW},
                        Case{"optim_sgd_damp", make_sgd}, Case{"optim_lars", make_lars}}) {
    CAPTURE(c.fixture);
    Checkpoint fx = test::load_fixture(c.fixture);
    int steps = (int)test::fixture_int(fx, "steps");
    const int split = 3;  // includes the step where fc.bias has no gradient
    NamedTensors a_params = fixture_params(fx);
    auto a = c.make(a_params, fx);
    for (int k = 0; k < split; ++k) {
      set_fixture_lr(*a, fx, k), set_fixture_grads(a_params, fx, k);
      a->step();
    }
    // Save model and optimizer together, as a training checkpoint would.
    Checkpoint ck;
    for (auto& [n, p] : a_params) ck.tensors.emplace_back(n, p.clone());
    for (auto& e : a->state_dict()) ck.tensors.push_back(e);
    std::string path = (std::filesystem::temp_directory_path() /
                        ("syn_test_optim_" + std::string(c.fixture) + ".synt"))
                           .string();
    save_checkpoint(path, ck);
    Checkpoint loaded = load_checkpoint(path);
    std::filesystem::remove(path);

    NamedTensors b_params = fixture_params(fx);  // back at init; restored from the file
    for (auto& [n, p] : b_params) Tensor(p).copy_(*find_named(loaded.tensors, n));
    auto b = c.make(b_params, fx);
    b->load_state_dict(loaded.tensors);  // model entries are ignored (not "<kind>.")
    CHECK(b->steps() == a->steps());
    for (size_t i = 0; i < a_params.size(); ++i) CHECK(b->param_steps(i) == a->param_steps(i));

    for (int k = split; k < steps; ++k) {
      set_fixture_lr(*a, fx, k), set_fixture_grads(a_params, fx, k);
      set_fixture_lr(*b, fx, k), set_fixture_grads(b_params, fx, k);
      a->step();
      b->step();
    }
    for (size_t i = 0; i < a_params.size(); ++i)
      CHECK_MESSAGE(a_params[i].second.to_vector() == b_params[i].second.to_vector(),
                    "resumed run differs for ", a_params[i].first);
    NamedTensors sa = a->state_dict(), sb = b->state_dict();
    REQUIRE(sa.size() == sb.size());
    for (size_t i = 0; i < sa.size(); ++i) {
      CHECK(sa[i].first == sb[i].first);
      CHECK_MESSAGE(sa[i].second.to_vector() == sb[i].second.to_vector(), sa[i].first);
    }
    // And the resumed run still matches the reference.
    check_step(*b, fx, steps - 1, std::string(c.fixture) + " resumed");
  }
}

TEST_CASE("load_state_dict names every problem and changes nothing on failure") {
  Tensor w = Tensor::full({2, 3}, 1.0f).set_requires_grad();
  Adam opt({{"fc.weight", w}});
  w.set_grad(Tensor::full({2, 3}, 0.5f));
  opt.step();
  NamedTensors good = opt.state_dict();

  NamedTensors bad;
  for (auto& [n, t] : good) {
    if (n == "adam.exp_avg.fc.weight") continue;  // missing
    if (n == "adam.exp_avg_sq.fc.weight")
      bad.emplace_back(n, Tensor::zeros({3, 2}));  // shape
    else
      bad.emplace_back(n, Tensor::full({1}, 7.0f));  // counts changed: must not be applied
  }
  bad.emplace_back("adam.exp_avg.fc.wieght", Tensor::zeros({2, 3}));  // unexpected
  bad.emplace_back("model.other", Tensor::zeros({5}));                // not ours: ignored
  CHECK_THROWS_WITH_AS(opt.load_state_dict(bad),
                       doctest::Contains("missing: adam.exp_avg.fc.weight"), Error);
  CHECK_THROWS_WITH_AS(opt.load_state_dict(bad),
                       doctest::Contains("shape mismatch: adam.exp_avg_sq.fc.weight"), Error);
  CHECK_THROWS_WITH_AS(opt.load_state_dict(bad),
                       doctest::Contains("unexpected: adam.exp_avg.fc.wieght"), Error);
  CHECK(opt.steps() == 1);
  CHECK(opt.param_steps(0) == 1);

  NamedTensors fractional = good;
  for (auto& [n, t] : fractional)
    if (n == "adam.step") t = Tensor::full({1}, 1.5f);
  CHECK_THROWS_WITH_AS(opt.load_state_dict(fractional), doctest::Contains("not a step count"),
                       Error);
}

TEST_CASE("parameters without a gradient are untouched") {
  Rng rng(3);
  Tensor used = Tensor::randn({4, 3}, rng).set_requires_grad();
  Tensor unused = Tensor::randn({5}, rng).set_requires_grad();
  std::vector<float> unused_before = unused.to_vector();
  std::vector<std::unique_ptr<Optimizer>> opts;
  NamedTensors named{{"a.weight", used}, {"b.weight", unused}};
  opts.push_back(std::make_unique<Adam>(named, AdamOptions{.lr = 0.1f, .weight_decay = 0.1f}));
  opts.push_back(std::make_unique<Adam>(
      named, AdamOptions{.lr = 0.1f, .weight_decay = 0.1f, .decoupled_weight_decay = true}));
  opts.push_back(
      std::make_unique<Sgd>(named, SgdOptions{.lr = 0.1f, .momentum = 0.9f, .weight_decay = 0.1f}));
  opts.push_back(std::make_unique<Lars>(named, LarsOptions{.lr = 0.1f, .weight_decay = 0.1f}));
  for (auto& opt : opts) {
    CAPTURE(opt->kind());
    std::vector<float> used_before = used.to_vector();
    for (int k = 0; k < 3; ++k) {
      used.set_grad(Tensor::randn({4, 3}, rng));
      opt->step();
    }
    CHECK(used.to_vector() != used_before);      // the other parameter did move...
    CHECK(unused.to_vector() == unused_before);  // ...despite weight decay, this one did not
    CHECK(opt->param_steps(1) == 0);
    for (auto& [n, t] : opt->state_dict())
      if (n.find("b.weight") != std::string::npos)
        for (float v : t.to_vector()) CHECK(v == 0.0f);
    opt->zero_grad();
    CHECK_FALSE(used.grad().defined());
  }
}

TEST_CASE("cosine schedule matches torch's CosineAnnealingLR and SimCLR's warmup") {
  Checkpoint fx = test::load_fixture("optim_schedule");
  // Values in [1e-2, 0.5] computed in double on both sides: rtol 1e-6 is fp32 rounding.
  CosineSchedule plain{.base_lr = test::fixture_float(fx, "cosine_base"),
                       .min_lr = test::fixture_float(fx, "cosine_min"),
                       .warmup_steps = 0,
                       .total_steps = test::fixture_int(fx, "cosine_total")};
  std::vector<float> got;
  for (int64_t s = 0; s <= plain.total_steps; ++s) got.push_back(plain.lr(s));
  test::check_close(Tensor::from_vector(got, {(int64_t)got.size()}),
                    test::fixture_tensor(fx, "cosine"), "CosineAnnealingLR", 1e-6f, 1e-8f);

  CosineSchedule warm{.base_lr = test::fixture_float(fx, "warmup_base"),
                      .min_lr = 0.0f,
                      .warmup_steps = test::fixture_int(fx, "warmup_steps"),
                      .total_steps = test::fixture_int(fx, "warmup_total")};
  Tensor expected = test::fixture_tensor(fx, "warmup_cosine");
  got.clear();
  for (int64_t s = 0; s < expected.numel(); ++s) got.push_back(warm.lr(s));
  test::check_close(Tensor::from_vector(got, {(int64_t)got.size()}), expected, "warmup cosine",
                    1e-6f, 1e-8f);

  // Properties the fixture does not spell out.
  CHECK(warm.lr(0) == 0.0f);
  CHECK(warm.lr(warm.warmup_steps) == doctest::Approx(warm.base_lr));
  CHECK(plain.lr(plain.total_steps + 100) == plain.min_lr);  // no restart past the end
  for (int64_t s = warm.warmup_steps; s < warm.total_steps; ++s)
    CHECK(warm.lr(s + 1) <= warm.lr(s));
  CHECK_THROWS_AS((CosineSchedule{.warmup_steps = 5, .total_steps = 4}.lr(0)), Error);
}

TEST_CASE("LARS exclusion predicates") {
  Tensor m = Tensor::zeros({2, 2}), v = Tensor::zeros({2});
  for (const char* name :
       {"conv.bias", "bn.weight", "bn1.bias", "block.BN_2.weight", "encoder.batchnorm.weight",
        "layer.batch_normalization.gamma", "enc.norm1.weight", "proj.LayerNorm.weight"})
    CHECK_MESSAGE(lars_exclude_by_name(name, m), name);
  for (const char* name :
       {"conv.weight", "fc.weight", "subnet.weight", "bias_proj.weight", "embedding.weight"})
    CHECK_MESSAGE(!lars_exclude_by_name(name, m), name);
  CHECK(lars_exclude_1d("sequential.0.1.weight", v));  // a BN scale with a positional name
  CHECK(!lars_exclude_1d("sequential.0.0.weight", m));

  // The decisions a Lars takes, with a separate adaptation predicate.
  NamedTensors named{{"conv.weight", m.clone()}, {"conv.bias", v.clone()}};
  Lars defaults(named);
  CHECK(defaults.decays(0));
  CHECK(defaults.adapts(0));
  CHECK(!defaults.decays(1));
  CHECK(!defaults.adapts(1));
  LarsOptions o;
  o.exclude_from_adaptation = [](const std::string&, const Tensor&) { return true; };
  Lars custom(named, o);
  CHECK(custom.decays(0));
  CHECK(!custom.adapts(0));
  o.weight_decay = 0.0f;
  CHECK(!Lars(named, o).decays(0));
}

TEST_CASE("LARS with a zero weight or a zero gradient uses trust ratio 1 and stays finite") {
  Tensor w = Tensor::zeros({3, 2}).set_requires_grad();
  Lars opt({{"fc.weight", w}}, LarsOptions{.lr = 0.5f, .momentum = 0.9f, .weight_decay = 0.1f});
  w.set_grad(Tensor::full({3, 2}, 2.0f));
  opt.step();  // ||w|| = 0: trust 1, w = -lr * g
  for (float x : w.to_vector()) CHECK(x == doctest::Approx(-1.0f));
  w.set_grad(Tensor::zeros({3, 2}));
  Tensor u = Tensor::full({3, 2}, 1.0f).set_requires_grad();
  Lars opt2({{"fc.weight", u}}, LarsOptions{.lr = 0.5f, .weight_decay = 0.0f});
  u.set_grad(Tensor::zeros({3, 2}));
  opt2.step();  // ||g'|| = 0: no 0/0, nothing moves
  for (float x : u.to_vector()) CHECK(x == 1.0f);
}

TEST_CASE("invalid hyper-parameters and names are rejected") {
  Tensor w = Tensor::zeros({2}).set_requires_grad();
  CHECK_THROWS_WITH_AS(
      Sgd({{"w", w}}, SgdOptions{.momentum = 0.9f, .dampening = 0.1f, .nesterov = true}),
      doctest::Contains("nesterov"), Error);
  CHECK_THROWS_AS(Adam({{"w", w}}, AdamOptions{.beta1 = 1.0f}), Error);
  CHECK_THROWS_WITH_AS(Adam({{"w", w}, {"w", w.clone()}}), doctest::Contains("twice"), Error);
  CHECK_THROWS_AS(Lars({{"w", w}}, LarsOptions{.eta = 0.0f}), Error);
}

// test_clmr_model.cpp — SampleCNN + projector + NT-Xent, forward and backward, against PyTorch
// given identical weights (fixture: tests/reference/gen_clmr.py, reduced width/depth).
#include <doctest/doctest.h>

#include "engine/ops/conv1d.h"
#include "models/clmr.h"
#include "tests/support/fixtures.h"

using namespace syn;

TEST_CASE("CLMR forward and backward match PyTorch") {
  Checkpoint fx = test::load_fixture("clmr_small");
  models::ClmrConfig cfg;
  cfg.encoder.first_channels = 8;
  cfg.encoder.hidden = {8, 16, 16};
  cfg.projection_dim = 8;
  cfg.temperature = (float)test::fixture_float(fx, "temperature");
  Rng rng(1);
  models::Clmr model(cfg, rng);
  NamedTensors init;
  for (auto& [name, t] : fx.tensors)
    if (name.rfind("init.", 0) == 0) init.emplace_back(name.substr(5), t);
  model.load_state_dict(init);
  model.train();

  auto out = model.forward(test::fixture_tensor(fx, "x_i"), test::fixture_tensor(fx, "x_j"));
  // fp32 against a float64 reference through 5 conv layers, 5 batch norms and a softmax.
  test::check_close(out.loss, test::fixture_tensor(fx, "loss"), "loss", 1e-4f, 1e-5f);
  test::check_close(out.h_i, test::fixture_tensor(fx, "h_i"), "h_i", 1e-3f, 1e-4f);
  test::check_close(out.z_j, test::fixture_tensor(fx, "z_j"), "z_j", 1e-3f, 1e-4f);
  out.loss.backward();
  int checked = 0;
  for (auto& [name, p] : model.named_parameters()) {
    REQUIRE_MESSAGE(p.grad().defined(), name, " got no gradient");
    // Gradients pass back through every layer; 2e-3 relative covers fp32 accumulation.
    test::check_close(p.grad(), test::fixture_tensor(fx, "grad." + name), "grad." + name, 2e-3f,
                      2e-5f);
    ++checked;
  }
  CHECK(checked == (int)model.named_parameters().size());
  CHECK(checked == 5 * 4 + 2);  // 5 × (conv w, conv b, bn w, bn b) + 2 projector weights
  for (auto& [name, b] : model.named_buffers())
    test::check_close(b, test::fixture_tensor(fx, "after." + name), "after." + name, 1e-4f, 1e-6f);
}

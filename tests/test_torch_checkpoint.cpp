// test_torch_checkpoint.cpp — PyTorch checkpoints written by PyTorch 1.13
// (tests/reference/gen_torch_checkpoint.py) read natively: awkward tensors (views, offsets,
// strides, shared and expanded storages, fp16/bf16/fp64/integer/bool) in the zip and legacy
// formats equal PyTorch's values exactly; a Lightning checkpoint's state dict and metadata; and
// CLMR's layouts loaded into our SampleCNN and heads, whose outputs equal PyTorch's on the same
// input. Strictness (missing / unexpected / mis-shaped keys) and clear errors for wrong files.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "engine/autograd.h"
#include "engine/check.h"
#include "engine/io/torch_checkpoint.h"
#include "engine/rng.h"
#include "models/clmr_weights.h"
#include "tests/support/fixtures.h"

using namespace syn;

static std::string fixture(const std::string& name) {
  return std::string(SYN_FIXTURE_DIR) + "/" + name;
}

template <class F>
static std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

static bool has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

static const char* kMiscNames[] = {
    "contiguous", "transposed", "permuted", "sliced", "strided", "row",    "expanded", "half",
    "bfloat16",   "double",     "long",     "int",    "bool",    "scalar", "empty",    "param"};

TEST_CASE("awkward tensors equal PyTorch's, in the zip and the legacy format") {
  Checkpoint expected = test::load_fixture("torch_expected");
  for (const char* file : {"torch_misc.pt", "torch_misc_legacy.pt"}) {
    CAPTURE(file);
    TorchCheckpoint ck = load_torch_checkpoint(fixture(file));
    CHECK(ck.format == (std::string(file) == "torch_misc.pt" ? "zip" : "legacy"));
    CHECK(ck.state_dict_key.empty());
    CHECK(ck.meta.empty());
    REQUIRE(ck.tensors.size() == std::size(kMiscNames));
    for (size_t i = 0; i < ck.tensors.size(); ++i) {
      CHECK(ck.tensors[i].first == kMiscNames[i]);  // file order
      Tensor want = test::fixture_tensor(expected, std::string("misc.") + kMiscNames[i]);
      // Every value is a copy or an exact conversion of a stored one.
      test::check_close(ck.tensors[i].second, want, ck.tensors[i].first, 0.0f, 0.0f);
    }
    // Spot checks that do not depend on the fixture writer.
    const Tensor& lng = *find_named(ck.tensors, "long");
    CHECK(lng.to_vector() == std::vector<float>{-3.0f, 0.0f, 7.0f, 1099511627776.0f});
    CHECK(find_named(ck.tensors, "scalar")->shape() == Shape{});
    CHECK(find_named(ck.tensors, "scalar")->item() == 3.5f);
    CHECK(find_named(ck.tensors, "empty")->shape() == Shape{0, 3});
    CHECK(find_named(ck.tensors, "transposed")->shape() == Shape{4, 3});
    CHECK(find_named(ck.tensors, "permuted")->shape() == Shape{4, 2, 3});
    CHECK(find_named(ck.tensors, "bool")->to_vector() == std::vector<float>{1, 0, 1});
  }
}

TEST_CASE("a Lightning checkpoint: its state dict, metadata, and shared tensors") {
  TorchCheckpoint ck = load_torch_checkpoint(fixture("torch_clmr_encoder_lightning.pt"));
  CHECK(ck.format == "zip");
  CHECK(ck.state_dict_key == "state_dict");
  CHECK(ck.meta["pytorch-lightning_version"] == "1.2.10");
  CHECK(ck.meta["epoch"] == "9999");
  CHECK(ck.meta["global_step"] == "69993");
  CHECK(ck.meta["hparams_name"] == "args");
  CHECK(ck.meta.count("optimizer_states") == 0);  // not a scalar
  // 6 conv+BN layers × 7 tensors, once as "encoder." and once as "model.encoder.", + projector.
  CHECK(ck.tensors.size() == 6 * 7 * 2 + 2);
  CHECK(ck.tensors.front().first == "encoder.sequential.0.0.weight");
  CHECK(ck.tensors.back().first == "model.projector.2.weight");
  for (auto& [name, t] : ck.tensors) {
    if (name.rfind("encoder.", 0) != 0) continue;
    const Tensor* twin = find_named(ck.tensors, "model." + name);
    REQUIRE_MESSAGE(twin != nullptr, name);
    CHECK(twin->to_vector() == t.to_vector());
  }
  CHECK(find_named(ck.tensors, "encoder.sequential.1.1.num_batches_tracked")->item() == 123.0f);
  CHECK(find_named(ck.tensors, "model.projector.2.weight")->shape() == Shape{8, 32});

  // Other entries are parsed and can be asked for; they are not state dicts.
  std::string e = error_of([] {
    load_torch_checkpoint(fixture("torch_clmr_encoder_lightning.pt"), "hyper_parameters");
  });
  CHECK(has(e, "[hyper_parameters] entry 'dataset' is a str 'magnatagatune', not a tensor"));
  e = error_of([] { load_torch_checkpoint(fixture("torch_clmr_encoder_lightning.pt"), "nope"); });
  CHECK(has(e, "has no entry 'nope'"));
  CHECK(has(e, "pytorch-lightning_version"));  // lists what there is
  e = error_of([] { load_torch_checkpoint(fixture("torch_clmr_encoder_lightning.pt"), "epoch"); });
  CHECK(has(e, "is a int 9999, not a state dict"));
}

TEST_CASE("files that are not PyTorch checkpoints are clear errors") {
  CHECK(has(error_of([] { load_torch_checkpoint("/nonexistent/c.pt"); }), "cannot open"));
  std::string synt = fixture("torch_expected.synt");
  CHECK(has(error_of([&] { load_torch_checkpoint(synt); }), "is not a PyTorch checkpoint"));
}

// ---------------------------------------------------------------- CLMR

static models::SampleCNNConfig small_config() {
  models::SampleCNNConfig cfg;
  cfg.first_channels = 8;
  cfg.hidden = {8, 16, 16, 32};
  return cfg;
}

TEST_CASE("CLMR encoder (plain and Lightning layouts) computes PyTorch's features") {
  Checkpoint expected = test::load_fixture("torch_expected");
  Tensor x = test::fixture_tensor(expected, "x");
  Tensor want = test::fixture_tensor(expected, "features");
  for (const char* file : {"torch_clmr_encoder_plain.pt", "torch_clmr_encoder_lightning.pt"}) {
    CAPTURE(file);
    models::ClmrEncoderWeights w =
        models::clmr_encoder_weights(load_torch_checkpoint(fixture(file)), file);
    CHECK(w.config.first_channels == 8);
    CHECK(w.config.hidden == std::vector<int64_t>{8, 16, 16, 32});
    CHECK(w.tensors.size() == 6 * 6);  // num_batches_tracked dropped
    bool lightning = std::string(file).find("lightning") != std::string::npos;
    CHECK(w.prefix == (lightning ? "model.encoder." : "encoder."));
    // Ignored: the projector (2), the num_batches_tracked (6), and in Lightning the "encoder."
    // twins.
    CHECK(w.ignored.size() == (lightning ? 2 + 6 + 42 : 2 + 6));

    auto encoder = models::load_clmr_encoder(fixture(file));
    CHECK_FALSE(encoder->is_training());
    NoGradGuard no_grad;
    Tensor h = encoder->forward(x);
    // fp32 against float64 through 6 conv + batch-norm layers.
    test::check_close(h, want, std::string(file) + " features", 1e-4f, 1e-5f);
  }
}

TEST_CASE("CLMR heads: the Lightning linear head and a plain MLP head compute PyTorch's logits") {
  Checkpoint expected = test::load_fixture("torch_expected");
  Tensor features = test::fixture_tensor(expected, "features");
  auto linear = models::load_clmr_head(fixture("torch_clmr_finetuner_lightning.pt"));
  CHECK(linear->size() == 1);
  NoGradGuard no_grad;
  test::check_close(linear->forward(features), test::fixture_tensor(expected, "logits"),
                    "linear logits", 1e-5f, 1e-6f);
  models::ClmrHeadWeights w = models::clmr_head_weights(
      load_torch_checkpoint(fixture("torch_clmr_finetuner_lightning.pt")), "f");
  CHECK(w.config.in_dim == 32);
  CHECK(w.config.out_dim == 5);
  CHECK(w.config.hidden_dim == 0);
  CHECK(w.ignored.size() == 6 * 7);  // the frozen encoder inside LinearEvaluation

  auto mlp = models::load_clmr_head(fixture("torch_clmr_finetuner_mlp.pt"));
  CHECK(mlp->size() == 3);
  test::check_close(mlp->forward(features), test::fixture_tensor(expected, "mlp_logits"),
                    "mlp logits", 1e-5f, 1e-6f);

  // The whole CLMR tagger: encoder then head, from the files alone.
  auto encoder = models::load_clmr_encoder(fixture("torch_clmr_encoder_lightning.pt"));
  Tensor logits = linear->forward(encoder->forward(test::fixture_tensor(expected, "x")));
  test::check_close(logits, test::fixture_tensor(expected, "logits"), "end to end", 1e-4f, 1e-5f);
}

TEST_CASE("CLMR loading is strict and lists every problem") {
  Rng rng(0);
  const std::string file = fixture("torch_clmr_encoder_plain.pt");
  // One block too many: the file lacks it.
  models::SampleCNNConfig more = small_config();
  more.hidden.push_back(32);
  models::SampleCNN bigger(more, rng);
  std::string e = error_of([&] { models::load_clmr_encoder(file, bigger); });
  CHECK(has(e, "torch_clmr_encoder_plain.pt"));
  CHECK(has(e, "missing: sequential.6.0.weight"));
  CHECK(has(e, "missing: sequential.6.1.running_var"));
  // One block too few: the file's last blocks are unexpected.
  models::SampleCNNConfig fewer = small_config();
  fewer.hidden.pop_back();
  models::SampleCNN smaller(fewer, rng);
  e = error_of([&] { models::load_clmr_encoder(file, smaller); });
  CHECK(has(e, "unexpected: sequential.5.0.weight"));
  CHECK(has(e, "shape mismatch: sequential.4.0.weight"));
  // The right shape loads.
  models::SampleCNN same(small_config(), rng);
  models::load_clmr_encoder(file, same);
  CHECK(same.state_dict()[0].second.to_vector() ==
        find_named(load_torch_state_dict(file), "encoder.sequential.0.0.weight")->to_vector());

  // A file without a SampleCNN, and a head file without a head.
  e = error_of([] { models::load_clmr_encoder(fixture("torch_clmr_finetuner_mlp.pt")); });
  CHECK(has(e, "has no SampleCNN weights"));
  CHECK(has(e, "0.weight"));
  e = error_of([] { models::load_clmr_head(fixture("torch_misc.pt")); });
  CHECK(has(e, "no '0.weight'"));
  // A head whose layers disagree: the plain encoder file has no "model." keys, so its keys are
  // taken as they are and "0.weight" is missing.
  e = error_of([] { models::load_clmr_head(fixture("torch_clmr_encoder_plain.pt")); });
  CHECK(has(e, "CLMR finetuner checkpoint"));
}

// With CLMR's released files at hand (see README: "CLMR's released weights"), point
// SYN_CLMR_CHECKPOINT_DIR at them to check the real layout end to end; skipped otherwise.
TEST_CASE("CLMR's released checkpoints (optional: SYN_CLMR_CHECKPOINT_DIR)") {
  const char* dir = std::getenv("SYN_CLMR_CHECKPOINT_DIR");
  if (!dir) {
    MESSAGE("SYN_CLMR_CHECKPOINT_DIR not set: skipping the released-weights check");
    return;
  }
  auto encoder = models::load_clmr_encoder(std::string(dir) + "/clmr_checkpoint_10000.pt");
  models::SampleCNNConfig full;
  CHECK(encoder->config().hidden == full.hidden);
  CHECK(encoder->config().first_channels == full.first_channels);
  auto head = models::load_clmr_head(std::string(dir) + "/finetuner_checkpoint_200.pt");
  Rng rng(1);
  NoGradGuard no_grad;
  Tensor y =
      head->forward(encoder->forward(Tensor::randn({2, 1, full.input_samples()}, rng, 0.1f)));
  CHECK(y.shape() == Shape{2, 50});
  for (float v : y.to_vector()) CHECK(std::isfinite(v));
}

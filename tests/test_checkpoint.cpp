// test_checkpoint.cpp — checkpoint round trips and rejection of damaged files.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "apps/train/training_state.h"
#include "engine/check.h"
#include "engine/checkpoint.h"
#include "engine/rng.h"
#include "tests/support/error_text.h"

using namespace syn;
namespace fs = std::filesystem;

static std::string tmp_path(const std::string& name) {
  return (fs::temp_directory_path() / ("syn_test_" + name)).string();
}

static std::vector<char> read_all(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
static void write_all(const std::string& p, const std::vector<char>& bytes) {
  std::ofstream(p, std::ios::binary).write(bytes.data(), (std::streamsize)bytes.size());
}

TEST_CASE("round trip preserves names, shapes, values and metadata") {
  Rng rng(3);
  Checkpoint ck;
  ck.tensors = {{"conv.weight", Tensor::randn({4, 2, 3}, rng)},
                {"conv.bias", Tensor::randn({4}, rng)},
                {"scalar", Tensor::scalar(2.5f)}};
  ck.meta = {{"step", "120"}, {"note", "hello"}};
  std::string p = tmp_path("roundtrip.synt");
  save_checkpoint(p, ck);
  Checkpoint back = load_checkpoint(p);
  REQUIRE(back.tensors.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(back.tensors[i].first == ck.tensors[i].first);
    CHECK(back.tensors[i].second.shape() == ck.tensors[i].second.shape());
    CHECK(back.tensors[i].second.to_vector() == ck.tensors[i].second.to_vector());
  }
  CHECK(back.meta == ck.meta);
  const std::string tmp_prefix = fs::path(p).filename().string() + ".tmp.";
  for (const auto& e : fs::directory_iterator(fs::path(p).parent_path()))
    CHECK_FALSE(e.path().filename().string().rfind(tmp_prefix, 0) == 0);
  fs::remove(p);
}

TEST_CASE("fp16 files halve the size and round to nearest") {
  Rng rng(4);
  Tensor t = Tensor::randn({1000}, rng);
  std::string p32 = tmp_path("f32.synt"), p16 = tmp_path("f16.synt");
  save_checkpoint(p32, {{{"t", t}}, {}});
  save_checkpoint(p16, {{{"t", t}}, {}}, true);
  CHECK(fs::file_size(p16) < fs::file_size(p32) * 0.6);
  std::vector<float> a = t.to_vector(), b = load_checkpoint(p16).tensors[0].second.to_vector();
  for (size_t i = 0; i < a.size(); ++i)
    CHECK(std::fabs(a[i] - b[i]) <= std::fabs(a[i]) * 4.9e-4f + 6e-8f);
  CHECK(half_to_float(float_to_half(65504.0f)) == 65504.0f);
  CHECK(half_to_float(float_to_half(1e-7f)) == doctest::Approx(1.19209e-07).epsilon(0.01));
  fs::remove(p32);
  fs::remove(p16);
}

TEST_CASE("truncated, corrupt and foreign files are clear errors naming the file") {
  Rng rng(5);
  std::string p = tmp_path("damaged.synt");
  save_checkpoint(p, {{{"w", Tensor::randn({64}, rng)}}, {}});
  std::vector<char> good = read_all(p);

  write_all(p, std::vector<char>(good.begin(), good.begin() + good.size() / 2));
  CHECK_THROWS_WITH_AS(load_checkpoint(p), doctest::Contains("truncated"), Error);

  std::vector<char> flipped = good;
  flipped[flipped.size() / 2] ^= 0x40;
  write_all(p, flipped);
  CHECK_THROWS_WITH_AS(load_checkpoint(p), doctest::Contains("corrupt"), Error);

  write_all(p, {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '!'});
  CHECK_THROWS_WITH_AS(load_checkpoint(p), doctest::Contains("not a Synesthesia checkpoint"),
                       Error);
  CHECK_THROWS_WITH_AS(load_checkpoint(p), doctest::Contains(p.c_str()), Error);

  CHECK_THROWS_WITH_AS(load_checkpoint(p + ".missing"), doctest::Contains("cannot open"), Error);
  fs::remove(p);
}

namespace {
struct Tiny : Module {
  Tensor w, b, running;
  explicit Tiny(int n) {
    w = register_parameter("weight", Tensor::zeros({n, 2}));
    b = register_parameter("bias", Tensor::zeros({n}));
    running = register_buffer("running_mean", Tensor::zeros({n}));
  }
};
struct Outer : Module {
  std::shared_ptr<Tiny> inner;
  explicit Outer(int n) { inner = register_module("inner", std::make_shared<Tiny>(n)); }
};
}  // namespace

TEST_CASE("modules load by name and report every mismatch") {
  Outer a(3), b(3), wrong(4);
  a.inner->w.fill_(1.5f);
  a.inner->running.fill_(-2.0f);
  std::string p = tmp_path("module.synt");
  save_module(p, a);
  load_module(p, b);
  CHECK(b.inner->w.to_vector() == a.inner->w.to_vector());
  CHECK(b.inner->running.to_vector() == a.inner->running.to_vector());
  CHECK(a.state_dict()[0].first == "inner.weight");
  try {
    load_module(p, wrong);
    FAIL("expected a shape error");
  } catch (const Error& e) {
    std::string msg = e.what();
    CHECK(msg.find("inner.weight expects [4, 2], file has [3, 2]") != std::string::npos);
    CHECK(msg.find("inner.bias") != std::string::npos);
    CHECK(msg.find(p) != std::string::npos);
  }
  fs::remove(p);
}

TEST_CASE("trainer metadata: written, read back, and checked for the trainer that wrote it") {
  using syn::test::contains;
  using syn::test::error_of;
  Config cfg = Config::parse("seed: 42 # the seed\n", "t.yaml");
  Checkpoint ck;
  app::store_run_meta(ck, "imagine-train", 250, cfg, 12.5);
  CHECK(ck.meta["kind"] == "imagine-train");
  CHECK(contains(ck.meta["config"], "seed: 42"));
  app::RunMeta m = app::read_run_meta(ck, "c.synt", "imagine-train", "a train_imagine checkpoint");
  CHECK(m.step == 250);
  CHECK(m.train_seconds == doctest::Approx(12.5));

  Checkpoint untimed;  // a trainer that does not count seconds writes none, and reads back 0
  app::store_run_meta(untimed, "clmr-pretrain", 7, cfg);
  CHECK(untimed.meta.count("train_seconds") == 0);
  CHECK(app::read_run_meta(untimed, "p.synt", "clmr-pretrain", "x").train_seconds == 0.0);

  CHECK(contains(error_of([&] {
                   app::read_run_meta(ck, "c.synt", "caption-train",
                                      "a train_captioner checkpoint");
                 }),
                 "'c.synt' is not a train_captioner checkpoint"));
  ck.meta["step"] = "many";
  CHECK(contains(error_of([&] { app::read_run_meta(ck, "c.synt", "imagine-train", "x"); }),
                 "'c.synt': unreadable step"));
  ck.meta.erase("step");
  CHECK(contains(error_of([&] { app::read_run_meta(ck, "c.synt", "imagine-train", "x"); }),
                 "is not x"));
  CHECK(app::checkpoint_file("runs/a", 1000) == "runs/a/checkpoint_1000.synt");
}

// test_clmr_flags.cpp — CLMR's flag names in apps/pretrain and apps/linear_evaluation
// (apps/cli/clmr_flags.h): the commands of CLMR's README, with our binaries' names and tiny
// sizes, parse through the apps' own argument parser and run; --max_epochs gives the expected
// step count and wins over --max_steps; what we do not implement (--gpus 2, --accelerator,
// --supervised, pretraining keys in the evaluation) is a clear error.
#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "apps/cli/app_config.h"
#include "apps/cli/clmr_flags.h"
#include "apps/eval/linear_evaluation.h"
#include "apps/train/clmr_task.h"
#include "apps/train/trainer.h"
#include "tests/support/mini_mtt.h"

using namespace syn;
namespace fs = std::filesystem;

namespace {

// Parses a command line as the app's main does (its default YAML, then the flags).
Config parse(const std::string& yaml, std::vector<std::string> words) {
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  app::AppArgs args = app::parse_app_args((int)argv.size(), argv.data(), yaml, "test");
  REQUIRE(args.positional.empty());
  return args.config;
}

// The flags that shrink pretraining to milliseconds: 3 SampleCNN blocks on 81 samples.
std::vector<std::string> tiny(std::vector<std::string> words, const fs::path& runs) {
  for (std::string w : {"--encoder_blocks", "3", "--encoder_width_divisor", "16", "--audio_length",
                        "81", "--projection_dim", "8", "--batch_size", "4", "--log_every_seconds",
                        "0", "--checkpoint_every", "0"})
    words.push_back(w);
  words.push_back("--log_dir");
  words.push_back(runs.string());
  return words;
}

fs::path fresh_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("syn_clmr_flags_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// What apps/pretrain does with a parsed config; returns the steps it trained.
int64_t run_pretrain(Config cfg, std::ostream& log) {
  app::apply_clmr_infra_flags(cfg);
  auto data = app::make_clip_source(cfg, log);
  app::apply_max_epochs(cfg, data->size(), log);
  app::ClmrTask task(cfg, data);
  app::Trainer trainer(task);
  trainer.fit(log);
  return (int64_t)trainer.losses().size();
}

}  // namespace

TEST_CASE("pretrain: an epoch is one pass over the clips, and --max_epochs wins over --max_steps") {
  fs::path dir = fresh_dir("epochs");
  // 10 clips at batch 4: ceil(10 / 4) = 3 steps per epoch.
  Config cfg = parse("config.yaml", tiny({"pretrain", "--dataset", "synthetic", "--synthetic_clips",
                                          "10", "--max_epochs", "2", "--max_steps", "100"},
                                         dir));
  CHECK(app::clmr_max_steps(cfg, 10) == 6);
  CHECK(app::clmr_max_steps(cfg, 12) == 6);
  CHECK(app::clmr_max_steps(cfg, 13) == 8);
  std::ostringstream log;
  CHECK(run_pretrain(cfg, log) == 6);
  CHECK(log.str().find("max_epochs 2: 6 steps") != std::string::npos);
  CHECK(fs::exists(dir / "clmr" / "checkpoint_6.synt"));
  // Without --max_epochs (null by default) --max_steps counts.
  Config steps = parse("config.yaml", tiny({"pretrain", "--dataset", "synthetic",
                                            "--synthetic_clips", "10", "--max_steps", "2"},
                                           dir));
  CHECK(steps.is_null("max_epochs"));
  CHECK(app::clmr_max_steps(steps, 10) == 2);
  Config zero = parse("config.yaml", {"pretrain", "--max_epochs", "0"});
  CHECK_THROWS_WITH_AS(app::clmr_max_steps(zero, 10), doctest::Contains("--max_epochs"), Error);
}

TEST_CASE("pretrain: CLMR's README command runs on a miniature MagnaTagATune") {
  fs::path dir = fresh_dir("mtt");
  test::write_mini_mtt(dir / "mtt");
  // README: python main.py --dataset magnatagatune  (here with a dataset_dir and tiny sizes)
  Config cfg =
      parse("config.yaml", tiny({"pretrain", "--dataset", "magnatagatune", "--dataset_dir",
                                 (dir / "mtt").string(), "--max_epochs", "1", "--gpus", "0"},
                                dir / "runs"));
  std::ostringstream log;
  CHECK(run_pretrain(cfg, log) == 3);  // 10 training clips at batch 4
  CHECK(cfg.get_string("device") == "cpu");
}

TEST_CASE("--gpus, --accelerator and --supervised: CLMR's meaning or a clear error") {
  Config cpu = parse("config.yaml", {"pretrain", "--gpus", "0"});
  app::apply_clmr_infra_flags(cpu);
  CHECK(cpu.get_string("device") == "cpu");
  Config one = parse("config.yaml", {"pretrain", "--gpus", "1"});
  app::apply_clmr_infra_flags(one);
  CHECK(one.get_string("device") == "cuda");
  Config two = parse("config.yaml", {"pretrain", "--gpus", "2"});
  CHECK_THROWS_WITH_AS(app::apply_clmr_infra_flags(two),
                       doctest::Contains("--gpus 2 needs distributed training"), Error);
  Config clash = parse("config.yaml", {"pretrain", "--gpus", "0", "--device", "cuda"});
  CHECK_THROWS_WITH_AS(app::apply_clmr_infra_flags(clash),
                       doctest::Contains("contradicts --device cuda"), Error);
  Config ddp = parse("config.yaml", {"pretrain", "--accelerator", "ddp"});
  CHECK_THROWS_WITH_AS(app::apply_clmr_infra_flags(ddp), doctest::Contains("--accelerator"), Error);
  Config sup = parse("config.yaml", {"pretrain", "--supervised", "1"});
  CHECK_THROWS_WITH_AS(app::apply_clmr_infra_flags(sup), doctest::Contains("--supervised 1"),
                       Error);
  // linear_evaluation reads the same names.
  Config eval_two = parse("linear_evaluation.yaml", {"linear_evaluation", "--gpus", "2"});
  CHECK_THROWS_WITH_AS(app::apply_linear_evaluation_clmr_flags(eval_two),
                       doctest::Contains("--gpus 2 needs distributed training"), Error);
  // pretrain accepts the finetuner_* keys of CLMR's shared config (linear_evaluation uses them).
  Config fin =
      parse("config.yaml", {"pretrain", "--finetuner_max_epochs", "20", "--finetuner_mlp", "1"});
  app::apply_clmr_infra_flags(fin);
  CHECK(fin.get_int("finetuner_max_epochs") == 20);
}

TEST_CASE("linear_evaluation: CLMR's README command runs; pretraining keys are refused") {
  fs::path dir = fresh_dir("eval");
  test::write_mini_mtt(dir / "mtt");
  // A tiny encoder checkpoint from our pretrain, standing in for clmr_checkpoint_10000.pt.
  Config pre = parse("config.yaml", tiny({"pretrain", "--dataset", "synthetic", "--synthetic_clips",
                                          "10", "--max_steps", "1"},
                                         dir / "runs"));
  std::ostringstream log;
  REQUIRE(run_pretrain(pre, log) == 1);
  const std::string ck = (dir / "runs" / "clmr" / "checkpoint_1.synt").string();
  // README: python linear_evaluation.py --checkpoint_path ./clmr_checkpoint_10000.pt
  std::vector<std::string> words = {"linear_evaluation",
                                    "--checkpoint_path",
                                    ck,
                                    "--dataset_dir",
                                    (dir / "mtt").string(),
                                    "--audio_length",
                                    "81",
                                    "--finetuner_max_epochs",
                                    "2",
                                    "--gpus",
                                    "0",
                                    "--labels",
                                    "refined",
                                    "--refined_top_n",
                                    "8",
                                    "--log_dir",
                                    (dir / "runs").string()};
  Config cfg = parse("linear_evaluation.yaml", words);
  app::apply_linear_evaluation_clmr_flags(cfg);
  app::LinearEvaluationResult r = app::run_linear_evaluation(cfg, log);
  CHECK(r.test_clips > 0);
  CHECK(r.epochs >= 1);
  CHECK(r.epochs <= 2);
  for (const char* bad : {"--max_epochs", "--learning_rate", "--transforms_pitch"}) {
    std::vector<std::string> w = words;
    w.push_back(bad);
    w.push_back(std::string(bad) == "--max_epochs" ? "5" : "0.1");
    Config c = parse("linear_evaluation.yaml", w);
    CHECK_THROWS_WITH_AS(app::apply_linear_evaluation_clmr_flags(c), doctest::Contains(bad), Error);
  }
  // At their defaults they are accepted, as CLMR's shared config.yaml passes them.
  std::vector<std::string> w = words;
  for (std::string x : {"--optimizer", "Adam", "--learning_rate", "0.0003"}) w.push_back(x);
  Config ok = parse("linear_evaluation.yaml", w);
  CHECK_NOTHROW(app::apply_linear_evaluation_clmr_flags(ok));
  CHECK(Config::load(std::string(SYN_SOURCE_DIR) + "/config/linear_evaluation.yaml")
            .undocumented_keys()
            .empty());
}

TEST_CASE("pretrain's speed flags: --prefetch range, --precision and --augment_device on the CPU") {
  auto problems = [](std::vector<std::string> words) {
    words.insert(words.begin(), "pretrain");
    Config cfg = parse("config.yaml", words);
    app::FlagChecks c(cfg, "pretrain");
    app::check_pretrain_speed_flags(cfg, c);
    try {
      c.done();
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(problems({}).empty());
  CHECK(problems({"--prefetch", "0", "--precision", "fp32", "--augment_device", "cpu"}).empty());
  CHECK(problems({"--prefetch", "-1"}).find("--prefetch") != std::string::npos);
  CHECK(problems({"--prefetch", "65"}).find("--prefetch") != std::string::npos);
  CHECK(problems({"--precision", "fp16"}).find("--precision") != std::string::npos);
  for (const char* p : {"tf32", "bf16"})
    CHECK(problems({"--precision", p}).find("needs --device cuda") != std::string::npos);
  CHECK(problems({"--augment_device", "cuda"}).find("--augment_device cuda needs --device cuda") !=
        std::string::npos);
  // The task refuses them too (for callers that skip the app's checks).
  Config cfg = parse("config.yaml", {"pretrain", "--dataset", "synthetic", "--precision", "bf16"});
  std::ostringstream log;
  CHECK_THROWS_WITH(app::ClmrTask(cfg, app::make_clip_source(cfg, log)),
                    doctest::Contains("--precision bf16 needs --device cuda"));
}

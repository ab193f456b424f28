// clmr_flags.cpp — see clmr_flags.h.
#include "apps/cli/clmr_flags.h"

#include <ostream>

#include "engine/check.h"
#include "engine/dist/launch.h"

namespace syn::app {

namespace {

// Whether the key's current value equals the default its YAML declared.
bool holds_default(const Config& cfg, const std::string& key) {
  const ConfigEntry* e = nullptr;
  for (const ConfigEntry& x : cfg.entries())
    if (x.key == key) e = &x;
  SYN_CHECK(e != nullptr, "config '", cfg.source(), "' has no key '", key, "'");
  const Config d = Config::parse(key + ": " + e->default_text, "the default of " + key);
  const ConfigEntry& def = d.entries().front();
  if (def.type != e->type) return false;
  switch (e->type) {
    case ConfigType::Int:
      return def.i == e->i;
    case ConfigType::Float:
      return def.f == e->f;
    case ConfigType::Bool:
      return def.b == e->b;
    case ConfigType::String:
      return def.s == e->s;
    case ConfigType::List:
      return def.list == e->list;
    case ConfigType::Null:
      return true;
  }
  return false;
}

}  // namespace

void apply_clmr_infra_flags(Config& cfg) {
  // A config of the user's own may predate these keys: absent means CLMR's default.
  SYN_CHECK(!cfg.has("accelerator") || cfg.is_null("accelerator"),
            "--accelerator selects Lightning's dp / ddp; here data-parallel training starts "
            "one process per GPU (or CPU share) under a launcher (mpirun -np N, srun, or "
            "torchrun-style RANK / WORLD_SIZE); leave --accelerator unset (null)");
  SYN_CHECK(!cfg.has("supervised") || cfg.get_int("supervised") == 0, "--supervised ",
            cfg.get_int("supervised"),
            ": CLMR's fully supervised baseline is not implemented (only 0, contrastive "
            "pretraining, is)");
  if (!cfg.has("gpus") || cfg.is_null("gpus")) return;
  const int64_t gpus = cfg.get_int("gpus");
  SYN_CHECK(gpus >= 0, "--gpus must be 0 (CPU) or 1 (one CUDA device), got ", gpus);
  SYN_CHECK(gpus <= 1, "--gpus ", gpus,
            " needs distributed training: start one process per GPU with a launcher (mpirun -np ",
            gpus, ", srun, or torchrun-style RANK / WORLD_SIZE), each with --gpus 1");
  const std::string& device = cfg.get_string("device");
  SYN_CHECK(!(gpus == 0 && device == "cuda"),
            "--gpus 0 (CPU) contradicts --device cuda; give one of them");
  cfg.set("device", gpus == 1 ? "cuda" : "cpu");
}

int64_t clmr_max_steps(const Config& cfg, int64_t clips, int world) {
  if (!cfg.has("max_epochs") || cfg.is_null("max_epochs")) return cfg.get_int("max_steps");
  const int64_t epochs = cfg.get_int("max_epochs"), batch = cfg.get_int("batch_size");
  SYN_CHECK(epochs >= 1, "--max_epochs must be at least 1 (or null to use --max_steps), got ",
            epochs);
  SYN_CHECK(batch >= 1, "--batch_size must be positive, got ", batch);
  SYN_CHECK(clips >= 1, "--max_epochs: the dataset has no clips");
  SYN_CHECK(world >= 1, "clmr_max_steps: world size ", world);
  const int64_t global = batch * world;
  return epochs * ((clips + global - 1) / global);
}

void apply_max_epochs(Config& cfg, int64_t clips, std::ostream& log, int world) {
  if (!cfg.has("max_epochs") || cfg.is_null("max_epochs")) return;
  cfg.set("max_steps", std::to_string(clmr_max_steps(cfg, clips, world)));
  log << "max_epochs " << cfg.get_int("max_epochs") << ": " << cfg.get_int("max_steps")
      << " steps (an epoch is one pass over the " << clips << " clips at batch "
      << cfg.get_int("batch_size");
  if (world > 1) log << " x " << world << " processes";
  log << "; --max_steps is not used)\n";
}

void apply_linear_evaluation_clmr_flags(Config& cfg) {
  // Feature extraction and the head's training run in one process; several launched processes
  // would each do the whole evaluation and race on its outputs.
  const dist::LaunchInfo launch = dist::detect_launch();
  SYN_CHECK(launch.world <= 1, "linear_evaluation runs in one process, but ", launch.launcher,
            " started ", launch.world, " (this is rank ", launch.rank,
            "); run it without mpirun / srun / torchrun");
  apply_clmr_infra_flags(cfg);
  SYN_CHECK(!cfg.has("max_epochs") || cfg.is_null("max_epochs"),
            "--max_epochs is pretraining's (apps/pretrain); the head trains for "
            "--finetuner_max_epochs, as in CLMR's linear_evaluation.py");
  require_defaults(
      cfg,
      {"optimizer", "learning_rate", "transforms_polarity", "transforms_noise", "transforms_gain",
       "transforms_filters", "transforms_delay", "transforms_pitch", "transforms_reverb"},
      "it only applies to pretraining (apps/pretrain; the head uses Adam at "
      "--finetuner_learning_rate on unaugmented crops)");
}

void check_pretrain_speed_flags(const Config& cfg, FlagChecks& c) {
  if (cfg.has("prefetch")) c.int_in("prefetch", 0, 64);
  const bool cuda = cfg.has("device") && cfg.get_string("device") == "cuda";
  if (cfg.has("precision")) {
    c.one_of("precision", {"fp32", "tf32", "bf16"});
    const std::string& p = cfg.get_string("precision");
    c.require(cuda || (p != "tf32" && p != "bf16"),
              "--precision " + p +
                  " needs --device cuda: the CPU kernels compute in fp32 only (use --precision "
                  "fp32 on the CPU)");
  }
  if (cfg.has("augment_device")) {
    c.one_of("augment_device", {"cpu", "cuda"});
    c.require(cuda || cfg.get_string("augment_device") != "cuda",
              "--augment_device cuda needs --device cuda (the views are made where the model "
              "runs)");
  }
}

void require_defaults(const Config& cfg, const std::vector<std::string>& keys,
                      const std::string& why) {
  for (const std::string& key : keys)
    SYN_CHECK(holds_default(cfg, key), "--", key,
              " is set to a value other than its "
              "default, but ",
              why, "; leave it at its default");
}

}  // namespace syn::app

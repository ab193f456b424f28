// clmr_flags.h — CLMR's own flag names (Spijkervet/CLMR config/config.yaml, PyTorch Lightning's
// Trainer flags) in apps/pretrain and apps/linear_evaluation, so the commands of CLMR's README
// work with our binaries. Each key means what it means in CLMR; a key whose feature we do not
// have (distributed training, the supervised baseline) is an error when set to anything but
// its default, never silently ignored.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "apps/cli/flag_checks.h"
#include "engine/config.h"

namespace syn::app {

// --gpus (null: --device decides; 0: --device cpu; 1: --device cuda; more: an error, since
// data-parallel runs start one process per GPU under a launcher (mpirun / srun / torchrun);
// contradicting an explicit --device cuda is an error), --accelerator (null only: Lightning's
// dp / ddp are replaced by the launcher) and --supervised (0 only).
void apply_clmr_infra_flags(Config& cfg);

// The optimisation steps of a pretraining run: --max_epochs × ceil(clips / batch_size) when
// --max_epochs is set (it wins over --max_steps, as documented in config/config.yaml), else
// --max_steps. An epoch is one pass over the training clips at --batch_size.
// With `world` processes (data-parallel, --batch_size per process as in Lightning) an epoch is
// ceil(clips / (batch_size × world)) steps.
int64_t clmr_max_steps(const Config& cfg, int64_t clips, int world = 1);
// apps/pretrain: when --max_epochs is set, --max_steps becomes clmr_max_steps (so checkpoints
// record the steps trained to) and one line to `log` says so.
void apply_max_epochs(Config& cfg, int64_t clips, std::ostream& log, int world = 1);

// apps/linear_evaluation (single-process: launched with several processes it refuses, naming
// the launcher): the infra flags above, and CLMR's pretraining keys it accepts
// (--max_epochs, --optimizer, --learning_rate, --transforms_*) only at their defaults, since they
// change nothing in the evaluation (the head trains for --finetuner_max_epochs at
// --finetuner_learning_rate, as in CLMR).
void apply_linear_evaluation_clmr_flags(Config& cfg);

// apps/pretrain's speed keys, each optional (a config of the user's own may predate them):
// --prefetch 0..64 (batches of views prepared ahead on a worker thread); --precision
// fp32|tf32|bf16, where tf32 and bf16 need --device cuda (the CPU kernels compute in fp32 only,
// and emulating bf16 there would only be slower); --augment_device cpu|cuda, where cuda needs
// --device cuda.
void check_pretrain_speed_flags(const Config& cfg, FlagChecks& c);

// Errors unless each key holds its default (as declared in the app's YAML): `why` says what the
// key is for, e.g. "it only applies to pretraining (apps/pretrain)".
void require_defaults(const Config& cfg, const std::vector<std::string>& keys,
                      const std::string& why);

}  // namespace syn::app

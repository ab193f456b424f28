// linear_evaluation — CLMR's linear evaluation on MagnaTagATune: frozen encoder, tag head, test
// ROC-AUC / PR-AUC (macro over tags).
//   linear_evaluation --dataset_dir /data/mtt --checkpoint_path clmr_checkpoint_10000.pt
//   linear_evaluation --dataset_dir /data/mtt --checkpoint_path runs/clmr/checkpoint_10000.synt
//   linear_evaluation ... --finetuner_checkpoint_path finetuner_checkpoint_200.pt   (no training)
//   linear_evaluation ... --labels refined --refined_top_n 50     the redefined vocabulary
//   linear_evaluation --checkpoint_path ./clmr_checkpoint_10000.pt --gpus 1   CLMR's README flags
//   linear_evaluation --help                                      every flag with its default
// Thin by design; the protocol lives in apps/eval/linear_evaluation.
#include "apps/eval/linear_evaluation.h"

#include <iostream>

#include "apps/cli/app_config.h"
#include "apps/cli/clmr_flags.h"
#include "engine/check.h"

using namespace syn;

int main(int argc, char** argv) {
  try {
    auto args = app::parse_app_args(argc, argv, "linear_evaluation.yaml",
                                    "linear_evaluation [--key value ...]");
    if (args.help) return 0;
    app::require_no_positional(args, "linear_evaluation");
    app::apply_linear_evaluation_clmr_flags(args.config);
    app::run_linear_evaluation(args.config, std::cout);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "linear_evaluation: error: " << e.what() << "\n";
    return 1;
  }
}

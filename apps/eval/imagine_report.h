// imagine_report.h — eval_imagine's outputs from the figures of apps/eval/imagine_eval.h: the
// printed table (one row per model, then the real held-out pictures and the noise ceiling), the
// per-prompt lines, the JSON file of every figure, and contact sheets per prompt kind.
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

#include "apps/eval/imagine_eval.h"
#include "apps/pipeline/json_io.h"

namespace syn::quality {

// The main table and a line on what each column means.
void print_imagine_table(std::ostream& out, const std::vector<ModelFigures>& models,
                         const ImagineEvalReference& ref, bool with_classifier);
// Per kind (prompt fit, judge top-1) of each model.
void print_kind_table(std::ostream& out, const std::vector<ModelFigures>& models);
// One line per prompt: judge hits, fit (and the real pictures'), diversity, nearest distances,
// what the judge read most.
void print_prompt_lines(std::ostream& out, const ModelFigures& m,
                        const std::vector<EvalPrompt>& prompts, int64_t samples_per_prompt);

// Every figure: the settings given in `run`, the reference, each model with its per-prompt rows.
app::Json imagine_json(const app::Json& run, const std::vector<ModelFigures>& models,
                       const ImagineEvalReference& ref, const std::vector<EvalPrompt>& prompts);

// One PNG per prompt kind, "<folder>/<model>_<kind>.png": a row per prompt of that kind, its
// samples side by side, pictures upscaled to at least 64 pixels (nearest neighbour). Returns the
// paths written. The folder is created when missing.
std::vector<std::string> write_contact_sheets(const std::string& folder, const std::string& model,
                                              const Tensor& pictures,
                                              const std::vector<EvalPrompt>& prompts,
                                              int64_t samples_per_prompt);

}  // namespace syn::quality

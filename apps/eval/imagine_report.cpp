// imagine_report.cpp — see imagine_report.h.
#include "apps/eval/imagine_report.h"

#include <cmath>
#include <filesystem>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "apps/eval/judge_features.h"
#include "apps/pipeline/image_grid.h"
#include "data/images/png_image.h"
#include "engine/check.h"

namespace syn::quality {

namespace {

std::string pct(double v) {
  std::ostringstream os;
  os << std::fixed << std::setprecision(1) << 100.0 * v << "%";
  return os.str();
}

std::string num(double v, int digits = 3) {
  if (!std::isfinite(v)) return "-";
  std::ostringstream os;
  os << std::fixed << std::setprecision(digits) << v;
  return os.str();
}

void cell(std::ostream& out, const std::string& s, int width) {
  out << std::right << std::setw(width) << s;
}

app::Json nearest_json(const NearestResult& r) {
  return {{"mean", app::json_number(r.mean_distance)},
          {"min", app::json_number(r.min_distance)},
          {"max", app::json_number(r.max_distance)}};
}

app::Json classify_json(const ClassifyResult& r) {
  return {{"top1", app::json_number(r.top1)},
          {"top5", app::json_number(r.top5)},
          {"counted", r.counted}};
}

// null for a figure that could not be measured (NaN).
app::Json maybe(double v) { return app::json_number(v); }

}  // namespace

void print_imagine_table(std::ostream& out, const std::vector<ModelFigures>& models,
                         const ImagineEvalReference& ref, bool with_classifier) {
  out << std::left << std::setw(24) << "" << std::right << std::setw(16) << "judge top-1/5";
  if (with_classifier) out << std::setw(16) << "classif. 1/5";
  out << std::setw(8) << "fit" << std::setw(9) << "fit/real" << std::setw(8) << "FD" << std::setw(8)
      << "divers." << std::setw(9) << "nn feat" << std::setw(8) << "nn RMS" << std::setw(8)
      << "copies"
      << "\n";
  auto row_start = [&](const std::string& name, const ClassifyResult* judge) {
    out << std::left << std::setw(24) << name;
    cell(out, judge ? pct(judge->top1) + " " + pct(judge->top5) : "-", 16);
  };
  for (const ModelFigures& m : models) {
    row_start(m.model, &m.judge);
    if (with_classifier)
      cell(out, m.classifier.counted ? pct(m.classifier.top1) + " " + pct(m.classifier.top5) : "-",
           16);
    cell(out, num(m.fit), 8);
    cell(out, m.fit_prompts ? pct(m.fit_share) : "-", 9);
    cell(out, num(m.fd, 4), 8);
    cell(out, num(m.diversity), 8);
    cell(out, num(m.nearest_features.mean_distance), 9);
    cell(out, num(m.nearest_pixels.mean_distance), 8);
    cell(out, pct(m.near_copies), 8);
    out << "\n";
  }
  if (models.empty()) return;
  const ModelFigures& m = models.front();
  row_start("real held-out pictures", &ref.held_judge);
  if (with_classifier)
    cell(out,
         ref.held_classifier.counted
             ? pct(ref.held_classifier.top1) + " " + pct(ref.held_classifier.top5)
             : "-",
         16);
  cell(out, num(m.real_fit), 8);
  cell(out, "100.0%", 9);
  cell(out, num(m.fd_floor, 4), 8);
  cell(out, num(m.real_diversity), 8);
  cell(out, num(ref.held_nearest_features.mean_distance), 9);
  cell(out, num(ref.held_nearest_pixels.mean_distance), 8);
  cell(out, "5.0%", 8);
  out << "\n";
  row_start("noise (FD ceiling)", nullptr);
  if (with_classifier) cell(out, "-", 16);
  cell(out, "", 8);
  cell(out, "", 9);
  cell(out, num(m.fd_ceiling, 4), 8);
  out << "\n"
      << "judge top-1/5: the judge's zero-shot concept reading over " << ref.concepts.size()
      << " corpus concepts (chance " << pct(1.0 / (double)ref.concepts.size()) << " / "
      << pct(std::min(1.0, 5.0 / (double)ref.concepts.size())) << ")"
      << (with_classifier ? "; classif.: the concept classifier, over the " +
                                std::to_string(m.classifier.counted) +
                                " pictures whose concept is one of its classes"
                          : "")
      << "\n"
      << "fit: mean cosine picture-prompt; fit/real: over the " << m.fit_prompts
      << " prompts whose concept has held-out pictures, as a share of those real pictures' fit\n"
      << "FD: Frechet distance of judge features to the " << ref.held_features.size(0)
      << " held-out real pictures (floor: "
      << std::min<int64_t>(m.pictures, ref.train_features.size(0))
      << " training pictures; ceiling: " << m.pictures << " noise pictures)\n"
      << "divers.: mean pairwise feature distance within a prompt (real: within a concept's "
         "held-out pictures)\n"
      << "nn feat / nn RMS: mean distance to the nearest of " << ref.train_features.size(0)
      << " TRAINING pictures (judge features / pixels at " << ref.size
      << " px); copies: share closer in pixels than the 5th percentile of the held-out real "
         "pictures ("
      << num(ref.held_copy_threshold) << ")\n";
}

void print_kind_table(std::ostream& out, const std::vector<ModelFigures>& models) {
  out << std::left << std::setw(24) << "per kind: fit | top-1";
  for (const auto& kind : prompt_kinds()) out << std::right << std::setw(16) << kind;
  out << "\n";
  for (const ModelFigures& m : models) {
    out << std::left << std::setw(24) << m.model;
    for (const auto& kind : prompt_kinds()) {
      auto f = m.kind_fit.find(kind);
      auto t = m.kind_top1.find(kind);
      std::string s = (f == m.kind_fit.end() ? "-" : num(f->second)) + " | " +
                      (t == m.kind_top1.end() || !std::isfinite(t->second) ? "-" : pct(t->second));
      out << std::right << std::setw(16) << s;
    }
    out << "\n";
  }
}

void print_prompt_lines(std::ostream& out, const ModelFigures& m,
                        const std::vector<EvalPrompt>& prompts, int64_t n) {
  out << m.model << " per prompt (judge top-1 hits of " << n
      << ", fit [real], diversity, nearest training feature / RMS distance, what the judge read "
         "most):\n";
  for (size_t p = 0; p < prompts.size(); ++p) {
    const PromptFigures& f = m.per_prompt[p];
    std::string text = prompts[p].text;
    if (text.size() > 34) text = text.substr(0, 31) + "...";
    out << "  " << std::left << std::setw(9) << prompts[p].kind << std::setw(35) << text
        << std::right << std::setw(3)
        << (prompts[p].concept_id.empty() ? std::string("-") : std::to_string(f.judge_hits1)) << "/"
        << n << std::setw(7) << num(f.fit) << " [" << num(f.real_fit) << "]" << std::setw(7)
        << num(f.diversity) << std::setw(7) << num(f.nearest_feature) << std::setw(7)
        << num(f.nearest_rms) << "   " << f.judge_read << "\n";
  }
}

app::Json imagine_json(const app::Json& run, const std::vector<ModelFigures>& models,
                       const ImagineEvalReference& ref, const std::vector<EvalPrompt>& prompts) {
  app::Json j;
  j["run"] = run;
  j["reference"] = {
      {"image_size", ref.size},
      {"training_pictures", ref.train_features.size(0)},
      {"held_out_pictures", ref.held_features.size(0)},
      {"concepts", ref.concepts.size()},
      {"held_out_judge", classify_json(ref.held_judge)},
      {"held_out_classifier",
       ref.held_classifier.counted ? classify_json(ref.held_classifier) : app::Json(nullptr)},
      {"held_out_nearest_training_feature", nearest_json(ref.held_nearest_features)},
      {"held_out_nearest_training_rms", nearest_json(ref.held_nearest_pixels)},
      {"copy_threshold_rms", app::json_number(ref.held_copy_threshold)}};
  app::Json list = app::Json::array();
  for (const ModelFigures& m : models) {
    app::Json e;
    e["model"] = m.model;
    e["pictures"] = m.pictures;
    e["judge"] = classify_json(m.judge);
    e["classifier"] = m.classifier.counted ? classify_json(m.classifier) : app::Json(nullptr);
    e["prompt_fit"] = app::json_number(m.fit);
    e["prompt_fit_matched"] = app::json_number(m.fit_matched);
    e["prompt_fit_real"] = app::json_number(m.real_fit);
    e["prompt_fit_share_of_real"] = app::json_number(m.fit_share);
    e["prompt_fit_prompts"] = m.fit_prompts;
    e["fd"] = app::json_number(m.fd);
    e["fd_floor_training_vs_held_out"] = app::json_number(m.fd_floor);
    e["fd_ceiling_noise_vs_held_out"] = app::json_number(m.fd_ceiling);
    e["diversity"] = maybe(m.diversity);
    e["diversity_real"] = maybe(m.real_diversity);
    e["nearest_training_feature"] = nearest_json(m.nearest_features);
    e["nearest_training_rms"] = nearest_json(m.nearest_pixels);
    e["near_copies"] = app::json_number(m.near_copies);
    app::Json kinds;
    for (const auto& kind : prompt_kinds()) {
      auto f = m.kind_fit.find(kind);
      auto t = m.kind_top1.find(kind);
      kinds[kind] = {
          {"prompt_fit", f == m.kind_fit.end() ? app::Json(nullptr) : maybe(f->second)},
          {"judge_top1", t == m.kind_top1.end() ? app::Json(nullptr) : maybe(t->second)}};
    }
    e["per_kind"] = kinds;
    app::Json rows = app::Json::array();
    for (size_t p = 0; p < prompts.size(); ++p) {
      const PromptFigures& f = m.per_prompt[p];
      rows.push_back({{"kind", prompts[p].kind},
                      {"concept", prompts[p].concept_id},
                      {"prompt", prompts[p].text},
                      {"judge_hits1", f.judge_hits1},
                      {"judge_hits5", f.judge_hits5},
                      {"fit", app::json_number(f.fit)},
                      {"real_fit", maybe(f.real_fit)},
                      {"diversity", maybe(f.diversity)},
                      {"real_diversity", maybe(f.real_diversity)},
                      {"nearest_training_feature", app::json_number(f.nearest_feature)},
                      {"nearest_training_rms", app::json_number(f.nearest_rms)},
                      {"judge_read", f.judge_read}});
    }
    e["prompts"] = rows;
    e["seconds_pictures"] = app::json_number(m.seconds_pictures);
    e["seconds_measure"] = app::json_number(m.seconds_measure);
    list.push_back(e);
  }
  j["models"] = list;
  return j;
}

std::vector<std::string> write_contact_sheets(const std::string& folder, const std::string& model,
                                              const Tensor& pictures,
                                              const std::vector<EvalPrompt>& prompts, int64_t n) {
  SYN_CHECK(pictures.dim() == 4 && pictures.size(0) == (int64_t)prompts.size() * n,
            "write_contact_sheets: ", pictures.describe(), " for ", prompts.size(), " prompts x ",
            n);
  std::filesystem::create_directories(folder);
  const int64_t S = pictures.size(2);
  const int64_t scale = std::max<int64_t>(1, (64 + S - 1) / S);
  std::vector<std::string> written;
  for (const auto& kind : prompt_kinds()) {
    std::vector<int64_t> rows;
    for (size_t p = 0; p < prompts.size(); ++p)
      if (prompts[p].kind == kind)
        for (int64_t k = 0; k < n; ++k) rows.push_back((int64_t)p * n + k);
    if (rows.empty()) continue;
    const std::string path =
        (std::filesystem::path(folder) / (model + "_" + kind + ".png")).string();
    write_png(path, app::image_grid(select_rows(pictures, rows), n, scale));
    written.push_back(path);
  }
  return written;
}

}  // namespace syn::quality

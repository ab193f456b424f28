// compare_pictures — how differently did apps/pipeline picture pieces of music, and how different
// are its four prompt strategies?
//   pipeline -o runs/a && pipeline other.wav -o runs/b && compare_pictures runs/a runs/b [runs/c
//   ...]
// Prints, per folder, the music character, motifs and mean colour of the cover and of the four
// strategy images; for two folders the colour-histogram distances between them
// (apps/eval/image_quality.h: 0 = the same colour distribution, 1 = disjoint colours); then
// (apps/pipeline/picture_distances.h) for any number of folders:
//   - within each clip, the colour and content distance of every pair of strategies
//   - between clips, for each strategy and the cover, the distance of every pair of clips
//   - the judge's prompt fit of each strategy to its prompt and to the refined tags, as each
//     folder's pipeline.json recorded it
// Content distances need the judge (--judge, apps/pipeline/picture_judge.h: missing = colour only).
// Thin by design: config → PNGs and pipeline.json (apps/pipeline/json_io)
// → apps/eval/image_quality and apps/pipeline/picture_distances → printed tables.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "apps/cli/app_config.h"
#include "apps/eval/image_quality.h"
#include "apps/pipeline/json_io.h"
#include "apps/pipeline/picture_distances.h"
#include "apps/pipeline/picture_judge.h"
#include "data/images/png_image.h"
#include "engine/check.h"
#include "engine/ops/shape.h"

using namespace syn;
namespace fs = std::filesystem;

namespace {

struct PipelineOutput {
  std::string dir;
  app::Json summary;                    // pipeline.json
  Tensor cover;                         // [3, H, W]
  Tensor images;                        // [4, 3, S, S]: the strategy images, in file-name order
  std::vector<std::string> strategies;  // their names, from the file names (image_1_raw.png: raw)
  Tensor features;                      // [4, D] the judge's features (undefined without a judge)
};

PipelineOutput read_output(const std::string& dir) {
  SYN_CHECK(fs::is_directory(dir), "'", dir,
            "' is not a folder (give two apps/pipeline output folders)");
  PipelineOutput o;
  o.dir = dir;
  const fs::path summary = fs::path(dir) / "pipeline.json";
  SYN_CHECK(fs::exists(summary), "'", dir,
            "' holds no pipeline.json: is it an apps/pipeline output folder?");
  o.summary = app::read_json_file(summary.string());
  SYN_CHECK(o.summary.is_object(), "'", summary.string(), "' is not a JSON object");
  o.cover = read_png((fs::path(dir) / "cover.png").string());
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind("image_", 0) == 0 && e.path().extension() == ".png")
      files.push_back(e.path());
  std::sort(files.begin(), files.end());
  SYN_CHECK(!files.empty(), "'", dir, "' holds no image_*.png");
  for (const auto& p : files) {
    const std::string stem = p.stem().string();  // image_<n>_<strategy>
    const size_t second = stem.find('_', 6);
    o.strategies.push_back(second == std::string::npos ? stem : stem.substr(second + 1));
  }
  std::vector<Tensor> images;
  for (const auto& p : files) {
    Tensor t = read_png(p.string());
    images.push_back(ops::reshape(t, {1, t.size(0), t.size(1), t.size(2)}));
  }
  o.images = ops::concat(images, 0);
  return o;
}

// A value of pipeline.json as JSON text ("?" when absent): strings keep their quotes.
std::string field(const app::Json& summary, const std::string& key) {
  auto v = summary.find(key);
  return v == summary.end() ? "?" : app::json_inline(*v);
}
std::string music_field(const app::Json& summary, const std::string& key) {
  auto music = summary.find("music");
  return music == summary.end() || !music->is_object() ? "?" : field(*music, key);
}
// The motif captions, "man dancing, drum" ("?" when absent).
std::string motif_captions(const app::Json& summary) {
  auto motifs = summary.find("motifs");
  if (motifs == summary.end() || !motifs->is_array()) return "?";
  std::string out;
  for (const app::Json& m : *motifs) {
    auto caption = m.find("caption");
    out += (out.empty() ? "" : ", ") +
           (caption != m.end() && caption->is_string() ? caption->get<std::string>() : "?");
  }
  return out;
}

// Whole degrees in [0, 360): 359.6° prints as 0°, not 360°.
long whole_degrees(double hue) { return std::lround(hue) % 360; }

void describe(const PipelineOutput& o) {
  auto cover = quality::mean_hsv(o.cover), images = quality::mean_hsv(o.images);
  std::cout << o.dir << ":\n  sentence: " << field(o.summary, "sentence") << "\n  tempo "
            << music_field(o.summary, "tempo_bpm") << " BPM, arousal "
            << music_field(o.summary, "arousal") << ", valence "
            << music_field(o.summary, "valence") << "\n  motifs: " << motif_captions(o.summary)
            << "\n"
            << std::fixed << "  cover:  hue " << whole_degrees(cover.hue) << "°, saturation "
            << std::setprecision(2) << cover.saturation << ", value " << cover.value
            << "\n  images: hue " << whole_degrees(images.hue) << "°, saturation "
            << std::setprecision(2) << images.saturation << ", value " << images.value << "\n";
}

// The folder's short name for tables: its last path component.
std::string short_name(const std::string& dir) {
  std::string name = fs::path(dir).lexically_normal().filename().string();
  if (name.empty()) name = fs::path(dir).lexically_normal().parent_path().filename().string();
  return name.empty() ? dir : name;
}

std::string pair_text(double colour, double content) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(3) << colour << " / ";
  if (std::isfinite(content))
    out << content;
  else
    out << "--";
  return out.str();
}

// [3, H, W] of picture i of a set [N, 3, H, W].
Tensor picture(const Tensor& set, int64_t i) {
  return ops::reshape(ops::slice(set, 0, i, i + 1), {set.size(1), set.size(2), set.size(3)});
}

double content_between(const PipelineOutput& a, int64_t i, const PipelineOutput& b, int64_t j) {
  if (!a.features.defined() || !b.features.defined()) return NAN;
  const std::vector<float> fa = a.features.to_vector(), fb = b.features.to_vector();
  const auto D = (size_t)a.features.size(1);
  return app::cosine_distance(std::vector<float>(fa.begin() + i * D, fa.begin() + (i + 1) * D),
                              std::vector<float>(fb.begin() + j * D, fb.begin() + (j + 1) * D));
}

void strategy_tables(const std::vector<PipelineOutput>& outs, const app::PictureJudge& judge) {
  const size_t width = 18;
  std::cout << "\ndistances (colour / content; colour: RGB-histogram total variation, content: 1 - "
               "cosine of the judge's image features"
            << (judge.present() ? "" : "; no judge: " + judge.missing_reason) << ")\n";
  std::cout << "within each clip, strategy against strategy:\n  " << std::left << std::setw(width)
            << "clip";
  const PipelineOutput& first = outs[0];
  const auto n = (int64_t)first.strategies.size();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j)
      std::cout << std::setw(width)
                << first.strategies[(size_t)i] + "~" + first.strategies[(size_t)j];
  std::cout << "\n";
  for (const PipelineOutput& o : outs) {
    std::cout << "  " << std::setw(width) << short_name(o.dir);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = i + 1; j < n; ++j)
        std::cout << std::setw(width)
                  << pair_text(app::colour_distance(picture(o.images, i), picture(o.images, j)),
                               content_between(o, i, o, j));
    std::cout << "\n";
  }
  std::cout << "between clips, the same strategy (and the covers, colour only):\n  "
            << std::setw(2 * width) << "clips";
  for (const std::string& s : first.strategies) std::cout << std::setw(width) << s;
  std::cout << "cover\n";
  for (size_t a = 0; a < outs.size(); ++a)
    for (size_t b = a + 1; b < outs.size(); ++b) {
      std::cout << "  " << std::setw(2 * width)
                << short_name(outs[a].dir) + "~" + short_name(outs[b].dir);
      for (int64_t i = 0; i < n; ++i)
        std::cout << std::setw(width)
                  << pair_text(app::colour_distance(picture(outs[a].images, i),
                                                    picture(outs[b].images, i)),
                               content_between(outs[a], i, outs[b], i));
      std::cout << std::fixed << std::setprecision(3)
                << app::colour_distance(outs[a].cover, outs[b].cover) << "\n";
    }
  std::cout << "prompt fit (own prompt / refined tags; the judge's cosine, from pipeline.json; -- "
               "= the judge knows no word of the text):\n  "
            << std::setw(width) << "clip";
  for (const std::string& s : first.strategies) std::cout << std::setw(width) << s;
  std::cout << "\n";
  for (const PipelineOutput& o : outs) {
    std::cout << "  " << std::setw(width) << short_name(o.dir);
    const auto judged = o.summary.find("judge");
    for (const std::string& s : o.strategies) {
      double own = NAN, refined = NAN;
      if (judged != o.summary.end() && judged->is_object()) {
        auto get = [&](const char* key) {
          auto m = judged->find(key);
          if (m == judged->end() || !m->is_object()) return (double)NAN;
          auto v = m->find(s);
          return v != m->end() && v->is_number() ? v->get<double>() : (double)NAN;
        };
        own = get("fit_own");
        refined = get("fit_refined");
      }
      std::ostringstream cell;
      cell << std::fixed << std::setprecision(3);
      if (std::isfinite(own))
        cell << own;
      else
        cell << "--";
      cell << " / ";
      if (std::isfinite(refined))
        cell << refined;
      else
        cell << "--";
      std::cout << std::setw(width) << cell.str();
    }
    std::cout << "\n";
  }
  std::cout << std::right;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    auto args = app::parse_app_args(argc, argv, "compare_pictures.yaml",
                                    "compare_pictures DIR_A DIR_B [DIR_C ...]");
    if (args.help) return 0;
    SYN_CHECK(args.positional.size() >= 2,
              "compare_pictures takes two or more apps/pipeline output folders, got ",
              args.positional.size());
    const int bins = (int)args.config.get_int("bins");
    const std::string judge_path = args.config.get_string("judge");
    const app::PictureJudge judge =
        app::load_picture_judge(judge_path.empty() ? "" : app::resolve_source_path(judge_path));
    std::vector<PipelineOutput> outs;
    for (const std::string& dir : args.positional) outs.push_back(read_output(dir));
    for (PipelineOutput& o : outs) {
      SYN_CHECK(o.strategies == outs[0].strategies, "'", o.dir,
                "' holds other strategy pictures than '", outs[0].dir, "'");
      if (judge.present()) o.features = app::judge_image_features(*judge.model, o.images);
    }
    for (const PipelineOutput& o : outs) describe(o);
    if (outs.size() == 2)
      std::cout << std::fixed << std::setprecision(3)
                << "colour-histogram distance (L1, 0 = same colours, 1 = disjoint): covers "
                << quality::colour_distance(outs[0].cover, outs[1].cover, bins)
                << ", strategy images "
                << quality::colour_distance(outs[0].images, outs[1].images, bins) << "\n";
    strategy_tables(outs, judge);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "compare_pictures: error: " << e.what() << "\n";
    return 1;
  }
}

// compare_pictures — how differently did apps/pipeline picture two pieces of music?
//   pipeline -o runs/a && pipeline other.wav -o runs/b && compare_pictures runs/a runs/b
// Prints, per folder, the music character, motifs and mean colour of the cover and of the four
// strategy images, then the colour-histogram distances between the two folders
// (apps/eval/image_quality.h: 0 = the same colour distribution, 1 = disjoint colours).
// Thin by design: config → PNGs and pipeline.json (apps/pipeline/json_io)
// → apps/eval/image_quality → printed table.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>

#include "apps/cli/app_config.h"
#include "apps/eval/image_quality.h"
#include "apps/pipeline/json_io.h"
#include "data/images/png_image.h"
#include "engine/check.h"
#include "engine/ops/shape.h"

using namespace syn;
namespace fs = std::filesystem;

namespace {

struct PipelineOutput {
  std::string dir;
  app::Json summary;  // pipeline.json
  Tensor cover;       // [3, H, W]
  Tensor images;      // [4, 3, S, S]: the strategy images, in file-name order
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

}  // namespace

int main(int argc, char** argv) {
  try {
    auto args =
        app::parse_app_args(argc, argv, "compare_pictures.yaml", "compare_pictures DIR_A DIR_B");
    if (args.help) return 0;
    SYN_CHECK(args.positional.size() == 2,
              "compare_pictures takes two apps/pipeline output folders, got ",
              args.positional.size());
    const int bins = (int)args.config.get_int("bins");
    PipelineOutput a = read_output(args.positional[0]), b = read_output(args.positional[1]);
    describe(a);
    describe(b);
    std::cout << std::fixed << std::setprecision(3)
              << "colour-histogram distance (L1, 0 = same colours, 1 = disjoint): covers "
              << quality::colour_distance(a.cover, b.cover, bins) << ", strategy images "
              << quality::colour_distance(a.images, b.images, bins) << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "compare_pictures: error: " << e.what() << "\n";
    return 1;
  }
}

// pipeline — music in, pictures out: the whole Synesthesia chain on one clip.
//   pipeline                              the bundled clip → runs/pipeline/
//   pipeline song.mp3 -o out/             any audio file libsndfile or our MP3 decoder reads
//   pipeline --help                       every flag with its default
// Stages, each logged with its time:
//   1. tags      musicnn MTT and MSD (apps/pipeline/tagger) and the refined profile
//                (data/tags/tag_profile) → tags.json (apps/tag --json's format)
//   2. sentence  the confident refined tags (apps/pipeline/tag_json, as caption --from does) →
//                our MusicCaps phrases (data/text/tag_phrases) → caption decoder → sentence.txt
//   3. music     tempo, loudness, brightness from the audio, arousal/valence from the tags
//                (apps/pipeline/music_character)
//   4. images    four prompt strategies (apps/pipeline/motif_mapping): raw tags, refined tags, the
//                sentence, and motifs (music words → emoji the U-Net knows); one picture each
//                (image_1_raw.png ... image_4_motifs.png; the motif picture is the first motif)
//   5. cover     every motif's picture arranged on a background whose palette follows the mood
//                and whose stripes follow the tempo (apps/pipeline/cover.h documents the rule)
//   pipeline.json records the prompts, motifs, music character and stage times.
// Thin by design: config → stages from apps/common, data/ and models/ → files and log lines.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "apps/cli/app_config.h"
#include "apps/pipeline/caption_model.h"
#include "apps/pipeline/cover.h"
#include "apps/pipeline/image_grid.h"
#include "apps/pipeline/tag_json.h"
#include "apps/pipeline/tagger.h"
#include "data/audio/audio_io.h"
#include "apps/pipeline/motif_mapping.h"
#include "apps/pipeline/music_character.h"
#include "data/images/png_image.h"
#include "data/text/tag_phrases.h"
#include "engine/check.h"
#include "engine/ops/shape.h"
#include "models/text_to_image.h"

using namespace syn;
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// One log line per stage: "[pipeline] tags      1.23 s  <what it produced>".
class StageLog {
 public:
  void start() { t0_ = Clock::now(); }
  double done(const std::string& stage, const std::string& what) {
    double s = std::chrono::duration<double>(Clock::now() - t0_).count();
    std::cout << "[pipeline] " << std::left << std::setw(9) << stage << std::right << std::fixed
              << std::setprecision(2) << std::setw(7) << s << " s  " << what << "\n"
              << std::flush;
    times_.emplace_back(stage, s);
    return s;
  }
  const std::vector<std::pair<std::string, double>>& times() const { return times_; }

 private:
  Clock::time_point t0_;
  std::vector<std::pair<std::string, double>> times_;
};

void write_text(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary);
    SYN_CHECK(f.good(), "cannot write '", tmp.string(), "'");
    f << text;
    SYN_CHECK(f.good(), "failed writing '", tmp.string(), "'");
  }
  fs::rename(tmp, path);
}

std::string joined(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

// [1, 3, S, S] -> [3, S, S]
Tensor first_image(const Tensor& one) {
  return ops::reshape(one, {one.size(1), one.size(2), one.size(3)});
}

std::string json_list(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + app::json_string(v[i]);
  return out + "]";
}

}  // namespace

int main(int argc, char** argv) {
  try {
    auto args = app::parse_app_args(argc, argv, "pipeline.yaml", "pipeline [AUDIO] [-o DIR] [--key value ...]",
                                    {{"-o", "output"}});
    if (args.help) return 0;
    SYN_CHECK(args.positional.size() <= 1, "pipeline takes one audio file, got ",
              args.positional.size(), " positional arguments (see --help)");
    const Config& cfg = args.config;
    const std::string audio = args.positional.empty()
                                  ? app::resolve_source_path(cfg.get_string("default_clip"))
                                  : args.positional[0];
    SYN_CHECK(fs::exists(audio), "audio file '", audio, "' does not exist");
    const fs::path out = cfg.get_string("output");
    SYN_CHECK(!out.empty(), "no output folder: give -o DIR");
    fs::create_directories(out);
    const std::string image_model = app::resolve_source_path(cfg.get_string("image_model"));
    SYN_CHECK(fs::exists(image_model), "image model '", image_model,
              "' does not exist: train it with apps/train_imagine --export_path ", image_model,
              " or pass --image_model FILE");
    std::cout << "[pipeline] " << audio << " → " << out.string() << "/\n";
    StageLog log;

    // 1. tags
    log.start();
    app::TagResult mtt = app::make_tagger(cfg, "musicnn-mtt")->tag(audio);
    app::TagResult msd = app::make_tagger(cfg, "musicnn-msd")->tag(audio);
    TaggerOutput mtt_out = mtt.output(), msd_out = msd.output();
    std::vector<ProfileTag> profile = tag_profile(&mtt_out, &msd_out);
    const std::string tag_json = app::tag_result_json(mtt, &profile);
    write_text(out / "tags.json", tag_json);
    std::vector<std::string> top;
    for (size_t i : app::top_k(mtt.clip, 3)) top.push_back(mtt.labels[i]);
    log.done("tags", std::to_string((int)mtt.duration_seconds) + " s of audio; MTT top 3: " +
                         joined(top) + " → tags.json");

    // 2. sentence (the confident tags exactly as `caption --from tags.json` picks them)
    log.start();
    app::TagFile tag_file = app::parse_tag_json(tag_json, (out / "tags.json").string());
    std::vector<std::string> caption_tags = tags_to_phrases(app::confident_tags(
        tag_file, cfg.get_float("refined_threshold"), cfg.get_float("tag_threshold"),
        (int)cfg.get_int("max_tags")));
    SYN_CHECK(!caption_tags.empty(), "no confident tag to caption");
    app::CaptionModel captioner =
        app::load_caption_model(app::resolve_source_path(cfg.get_string("caption_model")));
    const std::string sentence = captioner.caption({caption_tags}, app::decode_options_from(cfg),
                                                   cfg.get_float("coverage_weight"))[0];
    write_text(out / "sentence.txt", sentence + "\n");
    log.done("sentence", "\"" + sentence + "\" (from: " + joined(caption_tags) + ")");

    // 3. music character
    log.start();
    DecodedAudio decoded = decode_audio(audio);
    MusicCharacter character = measure_music_character(
        decoded.samples, decoded.sample_rate, {mtt_out, msd_out, profile_as_output(profile)});
    log.done("music", character.summary());

    // 4. images: one per strategy; the motif strategy also gives the cover's motifs
    log.start();
    PromptInputs inputs;
    // Raw tags of both models; a label both know ("electronic", "rock") counts once, at its
    // higher probability.
    inputs.raw = weighted_tags(mtt_out);
    for (const auto& t : weighted_tags(msd_out)) {
      auto same = std::find_if(inputs.raw.begin(), inputs.raw.end(),
                               [&](const WeightedTag& r) { return r.tag == t.tag; });
      if (same == inputs.raw.end())
        inputs.raw.push_back(t);
      else
        same->probability = std::max(same->probability, t.probability);
    }
    inputs.refined = weighted_tags(profile);
    inputs.sentence = sentence;
    PromptOptions popt;
    popt.top_k = (size_t)cfg.get_int("top_k");
    popt.min_probability = (float)cfg.get_float("min_probability");
    popt.max_motifs = (size_t)cfg.get_int("max_motifs");
    std::vector<PromptSet> sets;
    std::vector<std::string> prompts;  // one picture each: the three strategies, then every motif
    for (PromptStrategy s : all_prompt_strategies()) {
      sets.push_back(make_prompts(s, inputs, popt));
      if (s != PromptStrategy::Motifs) prompts.push_back(sets.back().prompts.at(0));
    }
    const PromptSet& motif_set = sets.back();
    SYN_CHECK(motif_set.strategy == PromptStrategy::Motifs && !motif_set.prompts.empty(),
              "the motif strategy gave no prompt");
    for (const auto& p : motif_set.prompts) prompts.push_back(p);

    models::TextToImage t2i = models::TextToImage::load(image_model);
    models::ImagineOptions iopt;
    iopt.steps = cfg.get_int("steps");
    iopt.guidance_scale = (float)cfg.get_float("guidance_scale");
    iopt.seed = (uint64_t)cfg.get_int("seed");
    Tensor images = t2i.generate(prompts, iopt);  // [P, 3, S, S] in [0, 1]
    const int64_t native = t2i.image_size(), size = cfg.get_int("image_size");
    SYN_CHECK(size >= native && size % native == 0, "--image_size ", size,
              " must be a positive multiple of the model's native ", native, " pixels");
    std::vector<std::string> image_files;
    for (size_t k = 0; k < sets.size(); ++k) {
      const std::string name = "image_" + std::to_string(k + 1) + "_" +
                               prompt_strategy_name(sets[k].strategy) + ".png";
      write_png((out / name).string(), app::upscale_nearest(first_image(ops::slice(images, 0, (int64_t)k, (int64_t)k + 1)), size));
      image_files.push_back(name);
    }
    std::ostringstream what;
    for (size_t k = 0; k < sets.size(); ++k)
      what << (k ? "; " : "") << prompt_strategy_name(sets[k].strategy) << ": \""
           << (sets[k].strategy == PromptStrategy::Motifs ? joined(sets[k].prompts, " | ")
                                                          : sets[k].prompts[0])
           << "\"";
    log.done("images", std::to_string(prompts.size()) + " pictures (" + what.str() + ")");

    // 5. cover
    log.start();
    const int64_t first_motif = (int64_t)sets.size() - 1;
    Tensor motifs = ops::slice(images, 0, first_motif, (int64_t)prompts.size());
    app::CoverOptions copt;
    copt.size = (int)cfg.get_int("cover_size");
    copt.seed = (uint64_t)cfg.get_int("seed");
    app::CoverLayout layout;
    Tensor cover = app::compose_cover(motifs, character, copt, &layout);
    write_png((out / "cover.png").string(), cover);
    app::CoverPalette palette = app::cover_palette(character);
    std::ostringstream cw;
    cw << std::fixed << std::setprecision(0) << "hue " << palette.hue_deg << "°, "
       << palette.stripes << " stripes, " << app::cover_layout_name(layout.kind) << " of "
       << motifs.size(0) << " motifs → cover.png";
    log.done("cover", cw.str());

    // pipeline.json: what each stage decided, for people and for comparisons between clips
    std::ostringstream j;
    j << std::setprecision(6) << "{\n  \"audio\": " << app::json_string(audio)
      << ",\n  \"sentence\": " << app::json_string(sentence)
      << ",\n  \"caption_tags\": " << json_list(caption_tags) << ",\n  \"prompts\": {";
    for (size_t k = 0; k < sets.size(); ++k)
      j << (k ? ", " : "") << app::json_string(prompt_strategy_name(sets[k].strategy)) << ": "
        << json_list(sets[k].prompts);
    j << "},\n  \"motifs\": [";
    for (size_t k = 0; k < motif_set.motifs.size(); ++k)
      j << (k ? ", " : "") << "{\"caption\": " << app::json_string(motif_set.motifs[k].caption)
        << ", \"trigger\": " << app::json_string(motif_set.motifs[k].trigger)
        << ", \"probability\": " << motif_set.motifs[k].probability << "}";
    j << "],\n  \"images\": " << json_list(image_files) << ",\n  \"music\": {\"tempo_bpm\": "
      << character.tempo_bpm << ", \"tempo_confidence\": " << character.tempo_confidence
      << ", \"loudness_db\": " << character.loudness_db
      << ", \"brightness_hz\": " << character.brightness_hz
      << ", \"arousal\": " << character.arousal << ", \"valence\": " << character.valence
      << "},\n  \"cover\": {\"hue_deg\": " << palette.hue_deg
      << ", \"saturation\": " << palette.saturation << ", \"value\": " << palette.value
      << ", \"stripes\": " << palette.stripes
      << ", \"layout\": " << app::json_string(app::cover_layout_name(layout.kind))
      << "},\n  \"seconds\": {";
    double total = 0;
    for (size_t k = 0; k < log.times().size(); ++k) {
      j << (k ? ", " : "") << app::json_string(log.times()[k].first) << ": "
        << log.times()[k].second;
      total += log.times()[k].second;
    }
    j << "}\n}\n";
    write_text(out / "pipeline.json", j.str());
    std::cout << "[pipeline] done in " << std::fixed << std::setprecision(2) << total
              << " s: tags.json, sentence.txt, " << joined(image_files) << ", cover.png, pipeline.json in "
              << out.string() << "/\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "pipeline: error: " << e.what() << "\n";
    return 1;
  }
}

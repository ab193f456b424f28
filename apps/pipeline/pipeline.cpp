// pipeline.cpp — see pipeline.h. One function per stage; run_pipeline strings them together.
#include "apps/pipeline/pipeline.h"

#include <algorithm>
#include <iomanip>
#include <sstream>

#include "apps/pipeline/caption_model.h"
#include "apps/pipeline/html_text.h"
#include "apps/pipeline/image_grid.h"
#include "apps/pipeline/report_html.h"
#include "apps/pipeline/representative_window.h"
#include "apps/pipeline/sampling_advice.h"
#include "apps/pipeline/tag_json.h"
#include "apps/pipeline/tagger.h"
#include "data/audio/audio_io.h"
#include "data/images/png_image.h"
#include "data/text/tag_phrases.h"
#include "engine/check.h"
#include "engine/io/safe_file.h"
#include "engine/ops/shape.h"
#include "models/text_to_image.h"

namespace fs = std::filesystem;

namespace syn::app {
namespace {

std::string joined(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

// What the tagging stage hands on: both models' outputs and the refined profile of the summary
// window (representative_window.h; the whole clip when it is short), and its tags as JSON.
struct Tags {
  TaggerOutput mtt, msd;
  std::vector<ProfileTag> profile;
  std::string json;  // the window's tags in tags.json's format (tags.json itself when whole)
};

std::string seconds_text(double s) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << s;
  return out.str();
}

Tags tag_stage(const PipelineOptions& o, PipelineResult& r, StageLog& log) {
  log.start();
  const Device device = tagger_device(o.device);
  // Both models from one pass of the front end (decode, resample, log-mel): the same results as
  // tagging twice, one front end fewer.
  const std::unique_ptr<Tagger> mtt_tagger =
      make_musicnn_tagger("musicnn-mtt", device, o.weights_dir);
  const std::unique_ptr<Tagger> msd_tagger =
      make_musicnn_tagger("musicnn-msd", device, o.weights_dir);
  std::vector<TagResult> both = tag_musicnn_shared({mtt_tagger.get(), msd_tagger.get()}, o.audio);
  TagResult mtt = std::move(both[0]), msd = std::move(both[1]);
  Tags t{mtt.output(), msd.output(), {}, ""};
  t.profile = tag_profile(&t.mtt, &t.msd);
  t.json = tag_result_json(mtt, &t.profile);
  io::write_file_atomic(r.tags_json.string(), t.json, "tags.json");
  r.duration_seconds = mtt.duration_seconds;
  r.mtt = mtt;
  if (!mtt.input_check.music) r.input_warning = mtt.input_check.warning;
  r.window = representative_window(mtt, msd);
  std::vector<std::string> top;
  for (size_t i : top_k(mtt.clip, 3)) top.push_back(mtt.labels[i]);
  std::string what = std::to_string((int)mtt.duration_seconds) +
                     " s of audio; MTT top 3: " + joined(top) + " → tags.json";
  if (!r.window.whole) {
    // A long input: the later stages see the most representative 30 s.
    const TagResult wm = window_of(mtt, r.window), ws = window_of(msd, r.window);
    t = Tags{wm.output(), ws.output(), {}, ""};
    t.profile = tag_profile(&t.mtt, &t.msd);
    t.json = tag_result_json(wm, &t.profile);
    r.profile = t.profile;
    what += "; sentence, pictures and music from the most representative 30 s, " +
            seconds_text(r.window.start_seconds) + "–" + seconds_text(r.window.end_seconds) + " s";
  }
  if (r.window.whole) r.profile = t.profile;
  log.done("tags", what);
  return t;
}

// The tags exactly as `caption --from tags.json` picks them, read back from the JSON: the
// confident ones, then up to max_borderline borderline ones marked "possibly", which the sentence
// says in a closing "Possibly also ..." clause (caption_model.h caption_tags_from).
void sentence_stage(const PipelineOptions& o, const Tags& tags, PipelineResult& r, StageLog& log) {
  log.start();
  TagFile tag_file = parse_tag_json(tags.json, r.tags_json.string());
  r.caption_tags = caption_tags_from(tag_file, caption_tag_rule(o));
  SYN_CHECK(!r.caption_tags.empty(), "no confident tag to caption");
  CaptionModel captioner = load_caption_model(o.caption_model);
  r.sentence = captioner.caption({r.caption_tags}, o.decode, o.coverage_weight)[0];
  io::write_file_atomic(r.sentence_txt.string(), r.sentence + "\n", "sentence.txt");
  log.done("sentence", "\"" + r.sentence + "\" (from: " + joined(r.caption_tags) + ")");
}

void music_stage(const PipelineOptions& o, const Tags& tags, PipelineResult& r, StageLog& log) {
  log.start();
  DecodedAudio decoded;
  if (r.window.whole) {
    decoded = decode_audio(o.audio);
  } else {
    // Only the summary window is decoded: memory stays bounded however long the input.
    AudioReader reader(o.audio);
    decoded.sample_rate = reader.sample_rate();
    decoded.channels = reader.channels();
    const auto first = (int64_t)(r.window.start_seconds * reader.sample_rate());
    const auto count =
        (int64_t)((r.window.end_seconds - r.window.start_seconds) * reader.sample_rate());
    reader.seek(first);
    std::vector<float> block;
    while ((int64_t)decoded.samples.size() < count &&
           reader.read(block, std::min<int64_t>(65536, count - (int64_t)decoded.samples.size())) >
               0)
      decoded.samples.insert(decoded.samples.end(), block.begin(), block.end());
    decoded.frames = (int64_t)decoded.samples.size();
  }
  r.character = measure_music_character(decoded.samples, decoded.sample_rate,
                                        {tags.mtt, tags.msd, profile_as_output(tags.profile)});
  log.done("music", r.character.summary());
}

PromptInputs prompt_inputs(const Tags& tags, const std::string& sentence) {
  PromptInputs inputs;
  // Raw tags of both models; a label both know ("electronic", "rock") counts once, at its
  // higher probability.
  inputs.raw = weighted_tags(tags.mtt);
  for (const auto& t : weighted_tags(tags.msd)) {
    auto same = std::find_if(inputs.raw.begin(), inputs.raw.end(),
                             [&](const WeightedTag& w) { return w.tag == t.tag; });
    if (same == inputs.raw.end())
      inputs.raw.push_back(t);
    else
      same->probability = std::max(same->probability, t.probability);
  }
  inputs.refined = weighted_tags(tags.profile);
  inputs.sentence = sentence;
  return inputs;
}

// [1, 3, S, S] -> [3, S, S]
Tensor first_image(const Tensor& one) {
  return ops::reshape(one, {one.size(1), one.size(2), one.size(3)});
}

// One picture per strategy; the motif strategy also gives the cover's motifs. Returns every
// picture, [P, 3, S, S] in [0, 1] at the model's native size, in r.prompts' order. The strategy
// pictures are scored here too (picture_judge.h).
Tensor image_stage(const PipelineOptions& o, const models::TextToImage& t2i,
                   const PictureJudge& judge, const Tags& tags, PipelineResult& r, StageLog& log) {
  log.start();
  const PromptInputs inputs = prompt_inputs(tags, r.sentence);
  r.raw_tags = inputs.raw;
  for (PromptStrategy s : all_prompt_strategies()) {
    r.prompt_sets.push_back(make_prompts(s, inputs, o.prompts));
    if (s != PromptStrategy::Motifs) r.prompts.push_back(r.prompt_sets.back().prompts.at(0));
  }
  SYN_CHECK(r.motif_set().strategy == PromptStrategy::Motifs && !r.motif_set().prompts.empty(),
            "the motif strategy gave no prompt");
  for (const auto& p : r.motif_set().prompts) r.prompts.push_back(p);

  models::ImagineOptions iopt;
  iopt.steps = o.steps;
  iopt.sampler = o.sampler;
  iopt.guidance_scale = o.guidance_scale;
  iopt.seed = o.seed;
  iopt = with_advice(t2i, iopt, o.image_model);
  r.pictures.sampler = iopt.sampler;
  r.pictures.steps = iopt.steps;
  r.pictures.guidance_scale = iopt.guidance_scale;
  Tensor images = t2i.generate(r.prompts, iopt);
  for (size_t k = 0; k < r.prompt_sets.size(); ++k) {
    const std::string name = "image_" + std::to_string(k + 1) + "_" +
                             prompt_strategy_name(r.prompt_sets[k].strategy) + ".png";
    Tensor one = first_image(ops::slice(images, 0, (int64_t)k, (int64_t)k + 1));
    write_png((r.output_dir / name).string(), upscale_nearest(one, r.pictures.saved_size));
    r.image_files.push_back(name);
  }
  const auto strategies = (int64_t)r.prompt_sets.size();
  r.scores =
      score_strategies(judge, ops::slice(images, 0, 0, strategies),
                       std::vector<std::string>(r.prompts.begin(), r.prompts.begin() + strategies),
                       refined_tags_text(inputs.refined, o.prompts.min_probability));
  std::ostringstream what;
  for (size_t k = 0; k < r.prompt_sets.size(); ++k) {
    const PromptSet& set = r.prompt_sets[k];
    what << (k ? "; " : "") << prompt_strategy_name(set.strategy) << ": \""
         << (set.strategy == PromptStrategy::Motifs ? joined(set.prompts, " | ") : set.prompts[0])
         << "\"";
    if (judge.present())
      what << " (fit " << fixed_or_dash(r.scores.fit_own[k], 2) << ", to the refined tags "
           << fixed_or_dash(r.scores.fit_refined[k], 2) << ")";
  }
  log.done("images", std::to_string(r.prompts.size()) + " pictures of " +
                         std::to_string(r.pictures.native_size) + " px, " +
                         describe_sampling(iopt) + " (" + what.str() + ")");
  return images;
}

// The designed cover (cover_design.h): the sentence picture as the scene, the motifs on it.
void cover_stage(const PipelineOptions& o, const Tensor& images, PipelineResult& r, StageLog& log) {
  log.start();
  const int64_t first_motif = (int64_t)r.prompt_sets.size() - 1;
  const auto sentence =
      (int64_t)std::distance(all_prompt_strategies().begin(),
                             std::find(all_prompt_strategies().begin(),
                                       all_prompt_strategies().end(), PromptStrategy::Sentence));
  Tensor scene = first_image(ops::slice(images, 0, sentence, sentence + 1));
  Tensor motifs = ops::slice(images, 0, first_motif, (int64_t)r.prompts.size());
  Tensor cover = design_cover(scene, motifs, r.character, o.cover_size, o.seed, &r.design);
  write_png(r.cover_png.string(), cover);
  r.palette = r.design.palette;
  std::ostringstream what;
  what << std::fixed << std::setprecision(0) << "hue " << r.palette.hue_deg << "°, "
       << r.design.beats << " beats, the sentence picture as the scene, " << motifs.size(0)
       << " motif" << (motifs.size(0) == 1 ? "" : "s") << " (hero: " << r.prompts[first_motif]
       << ") → cover.png";
  log.done("cover", what.str());
}

// Not music (not_music.h): no sentence, no pictures of tags that describe nothing; the cover is
// plain mid grey, the colour of no mood.
void neutral_cover_stage(const PipelineOptions& o, PipelineResult& r, StageLog& log) {
  log.start();
  write_png(r.cover_png.string(), Tensor::full({3, o.cover_size, o.cover_size}, 0.5f));
  log.done("cover", "neutral grey (the input is not music) → cover.png");
}

}  // namespace

double PipelineResult::total_seconds() const {
  double total = 0;
  for (const StageTime& t : stage_times) total += t.seconds;
  return total;
}

PipelineResult run_pipeline(const PipelineOptions& o, std::ostream& log) {
  check_pipeline_options(o);
  // Loaded before the first stage: the model's native size is what --image_size must be a
  // multiple of, and the file is small (13 MB for the latent model) next to the stages' work.
  const models::TextToImage t2i = models::TextToImage::load(o.image_model);
  // The judge too: a file that exists but does not load fails here, before any stage.
  const PictureJudge judge = load_picture_judge(o.judge);
  const int64_t native = t2i.image_size();
  const int64_t saved = o.image_size == 0 ? native : o.image_size;
  SYN_CHECK(saved >= native && saved % native == 0, "--image_size ", o.image_size,
            " must be a positive multiple of the model's native ", native, " pixels");

  PipelineResult r;
  r.pictures.model = fs::path(o.image_model).filename().string();
  r.pictures.native_size = native;
  r.pictures.saved_size = saved;
  r.pictures.cover_size = o.cover_size;
  r.audio = o.audio;
  r.output_dir = o.output_dir;
  r.tags_json = r.output_dir / "tags.json";
  r.sentence_txt = r.output_dir / "sentence.txt";
  r.cover_png = r.output_dir / "cover.png";
  r.pipeline_json = r.output_dir / "pipeline.json";
  if (o.report) r.report_html = r.output_dir / "report.html";
  fs::create_directories(r.output_dir);
  log << "[pipeline] " << o.audio << " → " << r.output_dir.string() << "/\n";
  if (!judge.present()) log << "[pipeline] no judge: " << judge.missing_reason << "\n";

  StageLog stages(log);
  const Tags tags = tag_stage(o, r, stages);
  if (!r.input_warning.empty()) {
    log << "[pipeline] warning: " << r.input_warning
        << "; no sentence and no pictures, a neutral cover\n";
    neutral_cover_stage(o, r, stages);
  } else {
    sentence_stage(o, tags, r, stages);
    music_stage(o, tags, r, stages);
    const Tensor images = image_stage(o, t2i, judge, tags, r, stages);
    cover_stage(o, images, r, stages);
  }
  r.stage_times = stages.times();

  write_json_file(r.pipeline_json.string(), pipeline_summary_json(r));
  if (o.report) {
    write_report_html(r.report_html.string(), r);
    log << "[pipeline] report   " << report_image_count(r) << " pictures embedded → report.html\n";
  }
  const auto flags = log.flags();
  const auto precision = log.precision();
  log << "[pipeline] done in " << std::fixed << std::setprecision(2) << r.total_seconds()
      << " s: tags.json, "
      << (r.input_warning.empty() ? "sentence.txt, " + joined(r.image_files) + ", " : "")
      << "cover.png, pipeline.json" << (o.report ? ", report.html" : "") << " in "
      << r.output_dir.string() << "/\n";
  log.flags(flags);
  log.precision(precision);
  return r;
}

namespace {

// The judge's scores and the distances, keyed by strategy name.
Json scores_json(const PipelineResult& r) {
  const StrategyScores& s = r.scores;
  std::vector<std::string> names;
  for (const PromptSet& set : r.prompt_sets) names.push_back(prompt_strategy_name(set.strategy));
  auto per_strategy = [&](const std::vector<double>& v) {
    Json out = Json::object();
    for (size_t i = 0; i < names.size() && i < v.size(); ++i) out[names[i]] = json_number(v[i]);
    return out;
  };
  auto matrix = [&](const DistanceMatrix& m) {
    if (m.empty()) return Json(nullptr);
    Json out = Json::object();
    for (size_t i = 0; i < names.size() && i < m.size(); ++i) out[names[i]] = per_strategy(m[i]);
    return out;
  };
  Json j = Json::object();
  if (s.judge_file.empty())
    j["no_judge"] = s.no_judge;
  else
    j["file"] = s.judge_file;
  j["refined_text"] = s.refined_text;
  j["fit_own"] = per_strategy(s.fit_own);
  j["fit_refined"] = per_strategy(s.fit_refined);
  j["colour_distances"] = matrix(s.colour);
  j["content_distances"] = matrix(s.content);
  return j;
}

}  // namespace

Json pipeline_summary_json(const PipelineResult& r) {
  const Json report =
      r.report_html.empty() ? Json(nullptr) : Json(r.report_html.filename().string());
  Json seconds = Json::object();
  for (const StageTime& t : r.stage_times) seconds[t.stage] = json_number(t.seconds);
  Json input = {{"duration_seconds", json_number(r.duration_seconds)},
                {"summary_window",
                 {{"start", json_number(r.window.start_seconds)},
                  {"end", json_number(r.window.end_seconds)},
                  {"whole", r.window.whole}}}};
  if (!r.input_warning.empty())
    return {{"audio", r.audio},
            {"input", std::move(input)},
            {"input_warning", r.input_warning},
            {"sentence", ""},
            {"caption_tags", Json::array()},
            {"prompts", Json::object()},
            {"motifs", Json::array()},
            {"images", Json::array()},
            {"music", nullptr},
            {"judge", nullptr},
            {"cover", {{"layout", "neutral"}, {"size", r.pictures.cover_size}}},
            {"report", report},
            {"seconds", std::move(seconds)}};
  Json prompts = Json::object();
  for (const PromptSet& set : r.prompt_sets)
    prompts[prompt_strategy_name(set.strategy)] = set.prompts;
  Json motifs = Json::array();
  for (const Motif& m : r.motif_set().motifs)
    motifs.push_back({{"caption", m.caption},
                      {"trigger", m.trigger},
                      {"probability", json_number(m.probability)}});
  const MusicCharacter& c = r.character;
  return {{"audio", r.audio},
          {"input", std::move(input)},
          {"sentence", r.sentence},
          {"caption_tags", r.caption_tags},
          {"prompts", std::move(prompts)},
          {"motifs", std::move(motifs)},
          {"images", r.image_files},
          {"pictures",
           {{"model", r.pictures.model},
            {"native_size", r.pictures.native_size},
            {"saved_size", r.pictures.saved_size},
            {"sampler", r.pictures.sampler},
            {"steps", r.pictures.steps},
            {"guidance_scale", json_number(r.pictures.guidance_scale)}}},
          {"music",
           {{"tempo_bpm", json_number(c.tempo_bpm)},
            {"tempo_confidence", json_number(c.tempo_confidence)},
            {"loudness_db", json_number(c.loudness_db)},
            {"brightness_hz", json_number(c.brightness_hz)},
            {"arousal", json_number(c.arousal)},
            {"valence", json_number(c.valence)}}},
          {"judge", scores_json(r)},
          {"cover",
           {{"hue_deg", json_number(r.palette.hue_deg)},
            {"saturation", json_number(r.palette.saturation)},
            {"value", json_number(r.palette.value)},
            {"contrast", json_number(r.palette.contrast)},
            {"stripes", r.palette.stripes},
            {"layout", "designed"},
            {"beats", r.design.beats},
            {"wave_amplitude", json_number(r.design.wave_amplitude)},
            {"scene", "sentence"},
            {"size", r.pictures.cover_size}}},
          {"report", report},
          {"seconds", std::move(seconds)}};
}

}  // namespace syn::app

// pipeline.h — music in, pictures out: the whole Synesthesia chain on one clip, as one call.
//
//   PipelineOptions o = pipeline_options_from(cfg, {"song.mp3"});
//   PipelineResult r = run_pipeline(o, std::cout);   // r.sentence, r.prompt_sets, r.character...
//
// run_pipeline checks every option (pipeline_options.h), loads the text-to-image weights (3 MB;
// their native size checks image_size), creates the output folder and runs the stages, each
// logged with its time (stage_log.h):
//   1. tags      musicnn MTT and MSD (tagger.h) and the refined profile (data/tags/tag_profile)
//                → tags.json (apps/tag --json's format)
//   2. sentence  the confident refined tags (tag_json.h confident_tags, as caption --from picks
//                them) → our MusicCaps phrases (data/text/tag_phrases) → caption decoder
//                → sentence.txt
//   3. music     tempo, loudness, brightness from the audio, arousal/valence from the tags
//                (music_character.h)
//   4. images    four prompt strategies (motif_mapping.h): raw tags, refined tags, the sentence,
//                and motifs (music words → emoji the U-Net knows); one picture each
//                (image_1_raw.png ... image_4_motifs.png; the motif picture is the first motif)
//                The judge (picture_judge.h; --judge, optional) scores each strategy's picture
//                against its own prompt and the refined tags; colour and content distances
//                between the strategies' pictures (picture_distances.h)
//   5. cover     the designed cover (cover_design.h): the sentence picture as a blurred, graded
//                background in the mood's palette, the motifs placed on it in a rhythm that
//                follows the tempo → cover.png
// and pipeline.json (pipeline_summary_json) records the prompts, motifs, music character, judge
// scores, distances, cover parameters and stage times; report.html (report_html.h, --report)
// shows all of it with the pictures embedded.
// Any length (issue 20): the taggers stream the audio, so memory does not grow with it. A long
// input is summarised by its most representative 30 s (representative_window.h): tags.json holds
// the whole song, the sentence, pictures and music character come from that window (its times are
// in pipeline.json's input.summary_window and the tags stage's log line).
// Not music (data/audio/not_music.h: silence, near-silence, noise, a single tone): the log and
// pipeline.json ("input_warning") say so, tags.json keeps the tags with the same warning, and the
// pipeline does not pretend: no sentence, no pictures, no music character; cover.png is plain mid
// grey (the colour of no mood), and pipeline.json's sentence, prompts, motifs and images are empty
// (report.html shows the tags, the warning and the grey cover).
// Files are written whole or not at all (engine/io/safe_file.h).
#pragma once
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "apps/pipeline/cover.h"
#include "apps/pipeline/cover_design.h"
#include "apps/pipeline/json_io.h"
#include "apps/pipeline/motif_mapping.h"
#include "apps/pipeline/music_character.h"
#include "apps/pipeline/picture_judge.h"
#include "apps/pipeline/pipeline_options.h"
#include "apps/pipeline/representative_window.h"
#include "apps/pipeline/stage_log.h"
#include "apps/pipeline/tagger.h"

namespace syn::app {

// What drew the pictures and at what sizes (pipeline.json's "pictures"; cover.size too).
struct PictureSettings {
  std::string model;        // the text-to-image weights' file name
  int64_t native_size = 0;  // the model's pictures (32 px; 64 for the latent model)
  int64_t saved_size = 0;   // the saved image_<n>_<strategy>.png files
  int64_t cover_size = 0;   // cover.png
  std::string sampler;      // as run: the weights' advice filled in (sampling_advice.h)
  int64_t steps = 0;
  float guidance_scale = 0;
};

struct PipelineResult {
  std::string audio;
  std::string sentence;
  std::vector<std::string> caption_tags;  // the phrases the sentence was decoded from
  std::vector<PromptSet> prompt_sets;     // one per strategy, in all_prompt_strategies() order;
                                          // the last is the motifs strategy, with its motifs
  std::vector<std::string> prompts;       // one per picture: the three strategies, then each motif
  MusicCharacter character;
  CoverPalette palette;
  CoverDesign design;  // the designed cover's layout (cover_design.h)
  TagResult mtt;       // the MTT tagger on the whole clip: its taggram is report.html's heat map
  std::vector<WeightedTag> raw_tags;  // both taggers' tags (the raw strategy's input), window
  std::vector<ProfileTag> profile;    // the refined profile of the summary window
  StrategyScores scores;              // judge fit and distances of the four strategy pictures
  std::vector<StageTime>
      stage_times;              // tags, sentence, music, images, cover (not music: tags, cover)
  double duration_seconds = 0;  // of the audio
  TagWindow window;             // the summary window (the whole clip when short)
  std::string input_warning;    // not_music.h's warning; "" for music
  PictureSettings pictures;     // model, sizes and sampling (sampling: empty when not music)

  // What was written, all inside the output folder.
  std::filesystem::path output_dir, tags_json, sentence_txt, cover_png, pipeline_json;
  std::filesystem::path report_html;     // empty when --report false
  std::vector<std::string> image_files;  // file names, one per strategy

  const PromptSet& motif_set() const { return prompt_sets.back(); }
  double total_seconds() const;
};

PipelineResult run_pipeline(const PipelineOptions& options, std::ostream& log);

// pipeline.json's content: audio, input (duration_seconds, summary_window), input_warning (only
// when not music), sentence, caption_tags, prompts (strategy → list), motifs
// ({caption, trigger, probability}), images, pictures (model, native_size, saved_size, sampler,
// steps, guidance_scale: what drew them), music, judge (file or no_judge, refined_text,
// fit_own and fit_refined per strategy, colour_distances and content_distances as strategy →
// strategy → distance), cover (its design and size), report (the file name or null), seconds
// (stage → time).
Json pipeline_summary_json(const PipelineResult& result);

}  // namespace syn::app

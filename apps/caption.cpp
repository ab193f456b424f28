// caption — one sentence from a set of tags, by the trained caption decoder.
//   caption --tags "female vocal, mellow piano, sad"
//   caption --from tags.json                       apps/tag --json output: its confident tags,
//                                                  and up to 2 borderline ones said "possibly"
//   caption --tags "piano, sad, possibly flute"    a borderline tag marked by hand
//   caption --tags "rock, male vocal" --beam 1 --top_p 0.9 --seed 3    a sampled sentence
//   caption --tags "jazz, piano, no vocals" --explain   also: which words say which tag
//   caption --help                                 every flag with its default
// The default decoder is lexically constrained beam search (config/caption.yaml constrained:
// models/constrained_beam.h, data/text/tag_constraints.h): every tag, or a documented synonym,
// is said; nothing contradicts a tag; no word pair repeats; no claim about the recording,
// audience or place that no tag supports; the decoder writes its own sentence first and the tags
// it left out follow (defer_forcing). --constrained false gives plain beam / greedy / top-p.
// Thin by design: config → tags (typed, or read from apps/tag's JSON; mapped to the phrases the
// decoder knows by data/text/tag_phrases) → decoder (apps/pipeline/caption_model) → one printed
// line.
#include <iostream>

#include "apps/cli/app_config.h"
#include "apps/cli/flag_checks.h"
#include "apps/pipeline/caption_model.h"
#include "apps/pipeline/tag_json.h"
#include "data/text/tag_constraints.h"
#include "data/text/tag_fidelity.h"
#include "data/text/tag_phrases.h"
#include "engine/check.h"

using namespace syn;

namespace {

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    std::string t = app::normalise_tag(s.substr(start, comma - start), false);
    if (!t.empty()) out.push_back(t);
    start = comma + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    auto args =
        app::parse_app_args(argc, argv, "caption.yaml",
                            "caption --tags \"a, b, c\" | --from tags.json [--key value ...]");
    if (args.help) return 0;
    app::require_no_positional(args, "caption", "use --tags \"a, b\" or --from FILE");
    const Config& cfg = args.config;
    // Every flag and file before the model loads; all problems at once.
    app::FlagChecks checks(cfg, "caption");
    checks.input_file("model", false, "train it with apps/train_captioner or pass --model FILE")
        .input_file("from", /*optional=*/true)
        .float_in("refined_threshold", 0, 1)
        .float_in("tag_threshold", 0, 1)
        .int_in("max_tags", 1, 1024)
        .float_in("borderline_threshold", 0, 1)
        .int_in("max_borderline", 0, 1024)
        .attempt([&] { app::decode_options_from(cfg); });
    checks.done();
    const std::string& typed = cfg.get_string("tags");
    const std::string& from = cfg.get_string("from");
    SYN_CHECK(typed.empty() != from.empty(),
              "give exactly one of --tags \"a, b, c\" and --from tags.json");
    std::vector<std::string> tags;
    if (!typed.empty()) {
      tags = split_commas(typed);  // "possibly <tag>" marks a borderline tag by hand
      if (cfg.get_bool("map_phrases")) tags = app::phrases_keeping_marks(tags);
    } else {
      app::CaptionTagRule rule;
      rule.refined_threshold = cfg.get_float("refined_threshold");
      rule.tag_threshold = cfg.get_float("tag_threshold");
      rule.max_tags = (int)cfg.get_int("max_tags");
      rule.borderline_threshold = cfg.get_float("borderline_threshold");
      rule.max_borderline = (int)cfg.get_int("max_borderline");
      rule.map_phrases = cfg.get_bool("map_phrases");
      tags = app::caption_tags_from(app::read_tag_json(from), rule);
    }
    SYN_CHECK(!tags.empty(), "no tags to caption (every tag given was empty or dropped)");

    app::CaptionModel model =
        app::load_caption_model(app::resolve_source_path(cfg.get_string("model")));
    models::DecodeOptions o = app::decode_options_from(cfg);
    if (cfg.get_bool("show_tags")) {
      std::cout << "tags:";
      for (size_t i = 0; i < tags.size(); ++i) std::cout << (i ? ", " : " ") << tags[i];
      std::cout << "\n";
    }
    const std::string sentence = model.caption({tags}, o, cfg.get_float("coverage_weight"))[0];
    std::cout << sentence << "\n";
    if (cfg.get_bool("explain")) {
      // Judged as eval_captioner judges (data/text/tag_fidelity): the words, stems or synonyms.
      std::vector<std::string> used, unmarked;
      for (const auto& t : tags) {
        used.push_back(app::normalise_tag(t, model.text.lowercase));
        unmarked.push_back(unmarked_tag(used.back()));
      }
      const auto words = expressing_words(unmarked, sentence);
      for (size_t i = 0; i < used.size(); ++i) {
        std::cout << "  " << used[i] << ":";
        if (words[i].empty()) std::cout << " MISSED";
        for (size_t k = 0; k < words[i].size(); ++k) std::cout << (k ? ", " : " ") << words[i][k];
        std::cout << "\n";
      }
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "caption: error: " << e.what() << "\n";
    return 1;
  }
}

// caption_model.h — the caption decoder as the apps use it: the model, its BPE tokenizer and
// its text conventions in one object, loaded from a training checkpoint or from the exported
// weights (models/weights/caption_decoder.synckpt), plus the text helpers the trainer shares so
// that training and captioning see tags and sentences the same way.
//
// Text conventions (stored in the weights' metadata, so a model is always used as trained):
//   - a tag is trimmed, its inner whitespace collapsed and (with `lowercase`) lower-cased, then
//     encoded with a leading space (" mellow piano"), the form its words have inside a sentence,
//     so tag tokens and caption tokens are the same ids;
//   - a caption is trimmed and (with `lowercase`) lower-cased for training; a generated sentence
//     gets its sentence starts capitalised back (first letter, and the first letter after
//     ". ", "! ", "? "), since BLEU compares case-sensitively and the human captions start their
//     sentences with capitals;
//   - at most max_tags tags per set (the first ones) and max_tag_tokens tokens per tag.
//
//   CaptionModel m = load_caption_model("models/weights/caption_decoder.synckpt");
//   std::string s = m.caption({{"female vocal", "mellow piano", "sad"}}, {})[0];
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "apps/pipeline/tag_json.h"
#include "data/text/tokenizer.h"
#include "engine/checkpoint.h"
#include "engine/config.h"
#include "models/caption_decode.h"
#include "models/caption_decoder.h"

namespace syn::app {

struct CaptionText {
  bool lowercase = true;
  int64_t max_tags = 32;
  int64_t max_tag_tokens = 16;
};

std::string normalise_tag(const std::string& tag, bool lowercase);
std::string normalise_caption(const std::string& caption, bool lowercase);
// Trims and, for a lower-cased model, capitalises sentence starts.
std::string finish_caption(const std::string& decoded, bool lowercase);
std::vector<int32_t> tag_tokens(const BpeTokenizer& tok, const std::string& tag, bool lowercase);
// Empty tags (after normalising) are skipped; at most text.max_tags per set.
models::TagIds tag_ids_for(const BpeTokenizer& tok, const CaptionText& text,
                           const std::vector<std::vector<std::string>>& sets);

// Decoder sizes and text conventions <-> checkpoint metadata ("decoder.d_model", ...).
void write_caption_meta(std::map<std::string, std::string>& meta,
                        const models::CaptionDecoderConfig& c, const CaptionText& text,
                        const BpeTokenizer& tok);
models::CaptionDecoderConfig read_decoder_config(const std::map<std::string, std::string>& meta,
                                                 const std::string& source);
CaptionText read_caption_text(const std::map<std::string, std::string>& meta,
                              const std::string& source);

struct CaptionModel {
  models::CaptionDecoderConfig config;
  CaptionText text;
  BpeTokenizer tokenizer;
  std::unique_ptr<models::CaptionDecoder> decoder;
  std::map<std::string, std::string> meta;  // everything the file recorded (provenance)

  // One sentence per tag set. bos/eos ids are filled in from the tokenizer.
  // options.constrained: lexically constrained beam search (models/constrained_beam.h) judged
  //   by data/text/tag_constraints (every tag said, no contradiction, repetition or ungrounded
  //   claim); coverage_weight is then not used.
  // coverage_weight > 0 (with beam > 1) re-ranks each set's finished beam hypotheses by
  //   length-normalised log-probability + coverage_weight · (share of the set's tags the
  //   sentence expresses − 1 if it contradicts one of them),
  // both judged by data/text/tag_fidelity's check_tags: the decoder proposes, the tag checker picks
  // the most faithful of its proposals. (Tag fidelity measured with the same checker is then
  // partly by construction; eval_captioner reports it with and without.)
  // Borderline tags ("possibly <tag>", data/text/tag_constraints.h) are not decoded from: the
  // sentence is written from the set's other tags and followed by "Possibly also <phrase> ...".
  std::vector<std::string> caption(const std::vector<std::vector<std::string>>& sets,
                                   models::DecodeOptions options, double coverage_weight = 0);

 private:
  // avoid[b]: set b's borderline tags, which the constrained decoder must not state as fact.
  std::vector<std::string> decode(const std::vector<std::vector<std::string>>& sets,
                                  models::DecodeOptions options, double coverage_weight,
                                  const std::vector<std::vector<std::string>>& avoid = {});
};

// Reads a train_captioner checkpoint (kind caption-train) or exported weights (kind
// caption-decoder); errors name the file and what is wrong with it.
CaptionModel load_caption_model(const std::string& path);

// Our tagger vocabularies mapped to MusicCaps phrases (data/text/tag_phrases.h), borderline tags
// ("possibly <tag>", data/text/tag_constraints.h) mapped inside their mark and dropped when a
// confident tag already gives their phrase.
std::vector<std::string> phrases_keeping_marks(const std::vector<std::string>& tags);

// Which of a tagger's tags a sentence is written from (apps/caption --from, the pipeline):
// the confident ones, exactly confident_tags() (today's threshold rule), then, when fewer than
// max_tags are confident, up to max_borderline borderline ones: the tags the same rule adds at
// borderline_threshold (in place of both thresholds, where lower) that it did not pick at the
// confident thresholds, most probable first, marked "possibly <tag>" so the constrained decoder
// says "possibly" before them. max_borderline 0 (or borderline_threshold >= the thresholds)
// gives today's rule.
struct CaptionTagRule {
  double refined_threshold = 0.1, tag_threshold = 0.1;
  int max_tags = 8;
  double borderline_threshold = 0.05;
  int max_borderline = 2;
  bool map_phrases = true;  // phrases_keeping_marks() on the result
};
std::vector<std::string> caption_tags_from(const TagFile& f, const CaptionTagRule& rule);

// The decoding keys shared by apps/caption, apps/eval_captioner and apps/pipeline's configs:
// beam, length_penalty, top_p, temperature, seed, no_repeat_ngram, max_tokens, and
// constrained where the config has it.
models::DecodeOptions decode_options_from(const Config& cfg);

}  // namespace syn::app

// eval_captioner — caption MusicCaps clips from their tags and score the sentences against the
// musicians' captions, the way LP-MusicCaps scored its tag-to-caption models.
//   eval_captioner                                   template baseline on the 2,858 eval rows
//   eval_captioner --baseline tagconcat --shuffle_tags false
//   eval_captioner --model models/weights/caption_decoder.synckpt            the trained decoder
//   eval_captioner --model ... --beam 4             beam search (--top_p 0.9 --beam 1: sampling)
//   eval_captioner --pairs_file preds.tsv            score any system's prediction<TAB>reference
//                                                    lines
//   eval_captioner --pairs_file joined.tsv --pairs_rows true    the same rows' tags scored too
//   eval_captioner --help                            every flag with its default
// Thin by design: config → data (data/datasets/musiccaps) → captioner → metrics
// (apps/eval/caption_metrics, data/text/tag_fidelity) → printed table. A trained decoder plugs in
// as another Captioner.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "apps/cli/app_config.h"
#include "apps/eval/caption_metrics.h"
#include "apps/pipeline/caption_model.h"
#include "apps/train/caption_task.h"
#include "data/datasets/musiccaps.h"
#include "data/text/caption_fluency.h"
#include "data/text/tag_fidelity.h"
#include "engine/check.h"
#include "engine/io/safe_file.h"
#include "engine/rng.h"

using namespace syn;

namespace {

// Maps one clip's tags to a sentence. Called once per row, in row order.
using Captioner = std::function<std::string(const std::vector<std::string>& tags)>;

// LP-MusicCaps' baselines (lpmc/llm_captioning/eval.py): random.shuffle(tags), ", ".join(tags),
// then for "template" f"the music is characterized by {tag_concat}".
Captioner make_baseline(const std::string& kind, bool shuffle, uint64_t seed) {
  SYN_CHECK(kind == "template" || kind == "tagconcat", "unknown --baseline '", kind,
            "' (template or tagconcat)");
  auto rng = std::make_shared<Rng>(seed);
  return [kind, shuffle, rng](const std::vector<std::string>& tags) {
    std::vector<std::string> t = tags;
    if (shuffle)
      for (size_t i = t.size(); i > 1; --i)
        std::swap(t[i - 1], t[(size_t)rng->randint((int64_t)i)]);
    std::string joined;
    for (size_t i = 0; i < t.size(); ++i) joined += (i ? ", " : "") + t[i];
    return kind == "template" ? "the music is characterized by " + joined : joined;
  };
}

// The trained decoder (apps/pipeline/caption_model) as a Captioner. It decodes many rows at once
// (one decoder step serves a whole batch), so the rows are given up front and captioned in one
// batched call; the Captioner then hands the sentences out in row order.
Captioner make_model_captioner(const Config& cfg, const std::vector<std::vector<std::string>>& rows,
                               std::string& description) {
  auto model =
      std::make_shared<app::CaptionModel>(app::load_caption_model(cfg.get_string("model")));
  models::DecodeOptions o = app::decode_options_from(cfg);
  o.batch = cfg.get_int("decode_batch");
  auto t0 = std::chrono::steady_clock::now();
  const double coverage = cfg.get_float("coverage_weight");
  auto sentences = std::make_shared<std::vector<std::string>>(model->caption(rows, o, coverage));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::ostringstream d;
  d << "decoder " << cfg.get_string("model") << " ("
    << (o.top_p > 0  ? "top-p " + std::to_string(o.top_p) + ", seed " + std::to_string(o.seed)
        : o.beam > 1 ? "beam " + std::to_string(o.beam)
                     : std::string("greedy"))
    << ", no_repeat_ngram " << o.no_repeat_ngram
    << (o.constrained ? ", lexically constrained, free slots " + std::to_string(o.free_slots) +
                            (o.defer_forcing ? ", forcing deferred" : "")
                      : "")
    << (coverage > 0 && o.beam > 1 && !o.constrained
            ? ", re-ranked by tag coverage, weight " + std::to_string(coverage)
            : std::string())
    << "; " << rows.size() << " captions in " << std::fixed << std::setprecision(1) << secs
    << " s, " << std::setprecision(0) << 1000 * secs / (double)std::max<size_t>(1, rows.size())
    << " ms per sentence)";
  description = d.str();
  auto next = std::make_shared<size_t>(0);
  return [sentences, next](const std::vector<std::string>&) {
    SYN_CHECK(*next < sentences->size(), "model captioner: asked for more rows than it was given");
    return (*sentences)[(*next)++];
  };
}

// pairs_file lines: prediction<TAB>reference, with \n, \r, \t and \\ escaped.
std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\t')
      out += "\\t";
    else if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else
      out += c;
  }
  return out;
}

std::string unescape(const std::string& s, const std::string& where) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    SYN_CHECK(i + 1 < s.size(), where, ": a lone backslash at the end of the line");
    char e = s[++i];
    if (e == 'n')
      out += '\n';
    else if (e == 't')
      out += '\t';
    else if (e == 'r')
      out += '\r';
    else if (e == '\\')
      out += '\\';
    else
      SYN_FAIL(where, ": unknown escape \\", e, " (use \\n \\r \\t \\\\)");
  }
  return out;
}

void read_pairs(const std::string& path, std::vector<std::string>& preds,
                std::vector<std::string>& refs) {
  io::check_input_file(path, "input file");  // a regular file: never a FIFO or device
  std::ifstream in(path, std::ios::binary);
  SYN_CHECK(in.good(), "cannot open pairs file '", path, "'");
  std::string line;
  int no = 0;
  while (std::getline(in, line)) {
    ++no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::string where = path + ":" + std::to_string(no);
    size_t tab = line.find('\t');
    SYN_CHECK(tab != std::string::npos && line.find('\t', tab + 1) == std::string::npos, where,
              ": expected prediction<TAB>reference (exactly one tab)");
    preds.push_back(unescape(line.substr(0, tab), where));
    refs.push_back(unescape(line.substr(tab + 1), where));
  }
  SYN_CHECK(!preds.empty(), "pairs file '", path, "' holds no pairs");
}

void write_pairs(const std::string& path, const std::vector<std::string>& preds,
                 const std::vector<std::string>& refs) {
  std::ofstream out(path, std::ios::binary);
  SYN_CHECK(out.good(), "cannot write '", path, "'");
  for (size_t i = 0; i < preds.size(); ++i)
    out << escape(preds[i]) << "\t" << escape(refs[i]) << "\n";
  SYN_CHECK(out.good(), "error while writing '", path, "'");
}

struct Row {
  const char* name;
  double v[7];  // BLEU-1..4, METEOR, ROUGE-L, mean words (negative = not reported)
};

void print_table(const std::vector<Row>& rows) {
  std::cout << std::left << std::setw(34) << "" << std::right;
  for (const char* h : {"BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4", "METEOR", "ROUGE-L", "words"})
    std::cout << std::setw(9) << h;
  std::cout << "\n";
  for (const Row& r : rows) {
    std::cout << std::left << std::setw(34) << r.name << std::right;
    for (int k = 0; k < 7; ++k) {
      if (r.v[k] < 0)
        std::cout << std::setw(9) << "-";
      else
        std::cout << std::setw(9) << std::fixed << std::setprecision(k == 6 ? 1 : 4) << r.v[k];
    }
    std::cout << "\n";
  }
}

Row scores_row(const char* name, const CaptionScores& s) {
  return {name, {s.bleu[0], s.bleu[1], s.bleu[2], s.bleu[3], s.meteor, s.rouge_l, s.mean_words}};
}

void print_fidelity(const char* who, const TagFidelity& f) {
  std::cout << std::fixed << std::setprecision(1) << who << ": tags expressed "
            << 100 * f.tag_recall() << "% (" << f.expressed << " of " << f.tags
            << "), sentences contradicting a tag " << 100 * f.contradiction_rate() << "% ("
            << f.contradicting << " of " << f.sentences << ")\n";
}

// Sentences with a repeated word pair, with an ungrounded claim and with a list of tags strung
// together (data/text/caption_fluency).
void print_fluency(const char* who, const std::vector<std::vector<std::string>>& tags,
                   const std::vector<std::string>& sentences) {
  int64_t repeated = 0, ungrounded = 0, listed = 0;
  for (size_t i = 0; i < sentences.size(); ++i) {
    repeated += repeated_word_pair(sentences[i]).empty() ? 0 : 1;
    ungrounded += ungrounded_claims(tags[i], sentences[i]).empty() ? 0 : 1;
    listed += tag_list_run(tags[i], sentences[i]).empty() ? 0 : 1;
  }
  const double n = (double)std::max<size_t>(1, sentences.size());
  std::cout << std::fixed << std::setprecision(1) << who << ": sentences with a repeated word pair "
            << 100.0 * (double)repeated / n << "% (" << repeated << "), with an ungrounded claim "
            << "about the recording, audience or place " << 100.0 * (double)ungrounded / n << "% ("
            << ungrounded << "), with a tag list " << 100.0 * (double)listed / n << "% (" << listed
            << ")\n";
}

// The tags our sentences most often leave unsaid, with counts: where the decoder (or the
// fidelity rules) still fall short.
void print_misses(const std::vector<std::vector<std::string>>& tags,
                  const std::vector<std::string>& sentences, int64_t how_many) {
  if (how_many <= 0) return;
  std::map<std::string, int64_t> missed;
  for (size_t i = 0; i < sentences.size(); ++i) {
    const TagCheck c = check_tags(tags[i], sentences[i]);
    for (size_t t = 0; t < c.expressed.size(); ++t)
      if (!c.expressed[t]) ++missed[tags[i][t]];
  }
  std::vector<std::pair<int64_t, std::string>> order;
  for (const auto& [tag, n] : missed) order.push_back({-n, tag});
  std::sort(order.begin(), order.end());
  std::cout << "tags most often not expressed (" << missed.size() << " distinct):";
  for (size_t i = 0; i < order.size() && (int64_t)i < how_many; ++i)
    std::cout << (i ? ", " : " ") << "'" << order[i].second << "' " << -order[i].first;
  std::cout << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  try {
    auto args =
        app::parse_app_args(argc, argv, "eval_captioner.yaml", "eval_captioner [--key value ...]");
    if (args.help) return 0;
    app::require_no_positional(args, "eval_captioner");
    const Config& cfg = args.config;

    std::vector<std::string> preds, refs;
    std::vector<std::vector<std::string>> tags;
    std::string what;
    // The split's rows (after --offset, up to --limit): the rows to caption, or the rows a
    // pairs file holds in order (--pairs_rows).
    std::vector<MusicCapsRow> rows;
    std::string which;
    auto load_rows = [&]() {
      auto all = load_musiccaps(cfg.get_string("musiccaps_csv"));
      auto split = split_musiccaps(all);
      which = cfg.get_string("split");
      SYN_CHECK(which == "eval" || which == "train" || which == "all" || which == "val",
                "unknown --split '", which, "' (eval, train, all or val)");
      // val: apps/train_captioner's held-out slice of the training rows (same val_rows and
      // seed as the training run), for tuning decoding without touching the evaluation rows.
      std::vector<MusicCapsRow> val_rows;
      if (which == "val") {
        auto s = app::split_training_rows(split.train, cfg.get_int("val_rows"),
                                          (uint64_t)cfg.get_int("val_seed"));
        for (const auto& p : s.val) {
          MusicCapsRow r;
          r.aspects = p.tags;
          r.caption = p.caption;
          val_rows.push_back(std::move(r));
        }
      }
      const auto& chosen = which == "eval"    ? split.eval
                           : which == "train" ? split.train
                           : which == "val"   ? val_rows
                                              : all;
      // --offset skips the split's first rows (a fixed dev slice for tuning decoding, e.g. the
      // last 300 evaluation rows: --offset 2558 --limit 300).
      SYN_CHECK(cfg.get_int("offset") >= 0, "--offset must be >= 0, got ", cfg.get_int("offset"));
      const size_t first = std::min(chosen.size(), (size_t)cfg.get_int("offset"));
      size_t n = chosen.size() - first;
      if (cfg.get_int("limit") > 0) n = std::min(n, (size_t)cfg.get_int("limit"));
      rows.assign(chosen.begin() + (long)first, chosen.begin() + (long)(first + n));
    };
    if (!cfg.get_string("pairs_file").empty()) {
      const std::string& file = cfg.get_string("pairs_file");
      read_pairs(file, preds, refs);
      what = "pairs from " + file;
      if (cfg.get_bool("pairs_rows")) {
        // Joined shards of one run: the tags come from the rows, which must be the same rows.
        load_rows();
        SYN_CHECK(rows.size() == preds.size(), "--pairs_rows: '", file, "' has ", preds.size(),
                  " pairs but the ", which, " split (--offset/--limit) has ", rows.size(), " rows");
        for (size_t i = 0; i < rows.size(); ++i) {
          SYN_CHECK(rows[i].caption == refs[i], "--pairs_rows: the reference of pair ", i + 1,
                    " of '", file, "' is not the caption of row ", i + 1, " of the ", which,
                    " split");
          tags.push_back(rows[i].aspects);
        }
        what += " (rows of the " + which + " split)";
      }
    } else {
      load_rows();
      const size_t first = (size_t)cfg.get_int("offset"), n = rows.size();
      std::string model_description;
      Captioner captioner;
      if (cfg.get_string("model").empty()) {
        captioner = make_baseline(cfg.get_string("baseline"), cfg.get_bool("shuffle_tags"),
                                  (uint64_t)cfg.get_int("seed"));
      } else {
        std::vector<std::vector<std::string>> all_tags;
        for (size_t i = 0; i < n; ++i) all_tags.push_back(rows[i].aspects);
        captioner = make_model_captioner(cfg, all_tags, model_description);
      }
      for (size_t i = 0; i < n; ++i) {
        tags.push_back(rows[i].aspects);
        preds.push_back(captioner(rows[i].aspects));
        refs.push_back(rows[i].caption);
      }
      what = "MusicCaps " + which + " split, " + std::to_string(n) + " rows" +
             (first > 0 ? " from row " + std::to_string(first) : std::string()) + "; captioner: " +
             (!model_description.empty()
                  ? model_description
                  : cfg.get_string("baseline") +
                        (cfg.get_bool("shuffle_tags")
                             ? " (tags shuffled, seed " + std::to_string(cfg.get_int("seed")) + ")"
                             : " (tags in file order)"));
    }
    std::cout << what << "\n";
    for (int64_t i = 0; i < std::min<int64_t>(cfg.get_int("examples"), (int64_t)preds.size());
         ++i) {
      std::cout << "\n  generated: " << preds[i] << "\n  human:     " << refs[i] << "\n";
    }
    std::cout << "\n";

    CaptionScores s = score_captions(preds, refs);
    // LP-MusicCaps' tag-to-caption results on the MusicCaps test captions (their repository's
    // exp/baseline_template/results.json and exp/caption_writing/results.json).
    std::vector<Row> table = {
        scores_row("ours", s),
        {"LP-MusicCaps template", {0.2541, 0.1615, 0.1000, 0.0615, 0.2557, 0.2136, 25.6}},
        {"LP-MusicCaps GPT-3.5 \"writing\"",
         {0.3684, 0.1985, 0.1137, 0.0674, 0.3144, 0.2536, 44.4}},
    };
    print_table(table);
    std::cout << "(" << s.count << " captions. METEOR: NLTK's exact + stem stages, without its "
              << "WordNet synonym stage, which adds +0.0036 on LP-MusicCaps' own template "
              << "predictions. ROUGE-L: plain mean, not the bootstrap median. LP-MusicCaps scored "
              << "the 2,839 evaluation clips still online and shuffled tags unseeded.)\n";
    if (!tags.empty()) {
      print_fidelity("ours", tag_fidelity(tags, preds));
      print_fidelity("human captions vs their own tags", tag_fidelity(tags, refs));
      print_fluency("ours", tags, preds);
      print_fluency("human captions vs their own tags", tags, refs);
      print_misses(tags, preds, cfg.get_int("miss_examples"));
      int64_t shown = 0;
      for (size_t i = 0; i < preds.size() && shown < cfg.get_int("conflict_examples"); ++i) {
        TagCheck c = check_tags(tags[i], preds[i]);
        if (c.conflicts.empty()) continue;
        ++shown;
        std::cout << "  contradiction (" << c.conflicts[0] << "): " << preds[i] << "\n";
      }
    }
    if (!cfg.get_string("save_predictions").empty()) {
      write_pairs(cfg.get_string("save_predictions"), preds, refs);
      std::cout << "wrote " << preds.size() << " pairs to " << cfg.get_string("save_predictions")
                << "\n";
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "eval_captioner: error: " << e.what() << "\n";
    return 1;
  }
}

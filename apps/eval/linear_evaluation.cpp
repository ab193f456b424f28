// linear_evaluation.cpp — see linear_evaluation.h.
#include "apps/eval/linear_evaluation.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "apps/pipeline/chunk_features.h"
#include "apps/pipeline/encoder_loading.h"
#include "apps/pipeline/json_io.h"
#include "apps/pipeline/tag_head.h"
#include "data/datasets/audio_folder.h"
#include "data/datasets/magnatagatune.h"
#include "engine/check.h"
#include "models/clmr_weights.h"

namespace fs = std::filesystem;

namespace syn::app {
namespace {

// A split's clips as found in the cache (undecodable clips dropped, counted), capped by max_clips.
struct SplitClips {
  std::vector<int64_t> cache_index;
  Tensor labels;  // [N, T]
};

SplitClips split_clips(const AudioFolderCache& cache, const mtt::Subset& subset, int64_t max_clips,
                       std::ostream& log) {
  mtt::CacheSelection sel = mtt::select_cached(cache, subset);
  if (sel.missing > 0)
    log << "warning: " << sel.missing << " " << mtt::split_name(subset.split)
        << " clips are not in the audio cache (undecodable or too short), skipped\n";
  size_t n = sel.cache_index.size();
  if (max_clips > 0) n = std::min(n, (size_t)max_clips);
  SYN_CHECK(n > 0, "the ", mtt::split_name(subset.split), " split has no usable clip");
  SplitClips out;
  std::vector<float> labels;
  for (size_t i = 0; i < n; ++i) {
    out.cache_index.push_back(sel.cache_index[i]);
    for (uint8_t v : subset.label_row(sel.subset_index[i])) labels.push_back((float)v);
  }
  out.labels = Tensor::from_vector(labels, {(int64_t)n, subset.num_tags});
  return out;
}

ChunkFeatures features_of(models::SampleCNN& encoder, const AudioFolderCache& cache,
                          const SplitClips& clips, ChunkMode mode, Rng& rng, Device dev,
                          const Config& cfg, std::ostream& log, const std::string& what) {
  return encode_chunks(
      encoder, (int64_t)clips.cache_index.size(),
      [&](int64_t i) { return cache.clip(clips.cache_index[(size_t)i]); },
      cfg.get_int("audio_length"), mode, rng, dev, cfg.get_int("finetuner_batch_size"), &log, what);
}

void write_results(const std::string& path, const LinearEvaluationResult& r, const Config& cfg) {
  Json per_tag = Json::array();
  for (size_t t = 0; t < r.tags.size(); ++t)
    per_tag.push_back({{"tag", r.tags[t]},
                       {"roc_auc", json_number(r.test.roc_auc[t])},
                       {"pr_auc", json_number(r.test.average_precision[t])}});
  write_json_file(
      path,
      {{"checkpoint_path", cfg.get_string("checkpoint_path")},
       {"head", r.head_path},
       {"labels", cfg.get_string("labels")},
       {"split", cfg.get_string("split")},
       {"clips", {{"train", r.train_clips}, {"valid", r.valid_clips}, {"test", r.test_clips}}},
       {"test_chunks", r.test_chunks},
       {"epochs", r.epochs},
       {"best_epoch", r.best_epoch},
       {"roc_auc", json_number(r.test.roc_auc_macro)},
       {"pr_auc", json_number(r.test.pr_auc_macro)},
       {"per_tag", std::move(per_tag)}});
}

}  // namespace

LinearEvaluationResult run_linear_evaluation(const Config& cfg, std::ostream& log) {
  SYN_CHECK(cfg.get_string("dataset") == "magnatagatune", "--dataset '", cfg.get_string("dataset"),
            "' is not supported by linear_evaluation (use magnatagatune)");
  const std::string& dev_name = cfg.get_string("device");
  SYN_CHECK(dev_name == "cpu" || dev_name == "cuda", "--device must be cpu or cuda, got '",
            dev_name, "'");
  Device dev = dev_name == "cuda" ? Device::CUDA : Device::CPU;
  SYN_CHECK(dev == Device::CPU || cuda_available(),
            "--device cuda: no usable CUDA device in this build or machine");
  const std::string& mode_name = cfg.get_string("train_chunks");
  SYN_CHECK(mode_name == "crop" || mode_name == "all", "--train_chunks must be crop or all, got '",
            mode_name, "'");
  ChunkMode train_mode = mode_name == "crop" ? ChunkMode::RandomCrop : ChunkMode::All;

  // Data: the dataset's splits and labels, then the decoded-audio cache (built once, reused).
  mtt::DatasetOptions o;
  o.root = cfg.get_string("dataset_dir");
  o.split = cfg.get_string("split");
  o.split_dir = cfg.get_string("split_dir");
  o.labels = cfg.get_string("labels");
  o.refined_top_n = (int)cfg.get_int("refined_top_n");
  mtt::Dataset ds(o);
  log << ds.summary() << "\n";
  for (const auto& w : ds.warnings()) log << "warning: " << w << "\n";
  std::string cache_dir = cfg.get_string("cache_dir");
  if (cache_dir.empty()) cache_dir = (fs::path(o.root) / ".synesthesia_cache").string();
  AudioCacheOptions co;
  co.sample_rate = (int)cfg.get_int("sample_rate");
  co.min_samples = 1;  // short clips still get a (zero-padded) chunk
  PreprocessSummary ps = preprocess_audio_folder(o.root, cache_dir, co);
  log << "audio cache '" << cache_dir << "': " << ps.to_string() << "\n";
  AudioFolderCache cache(cache_dir, co.sample_rate);
  int64_t cap = cfg.get_int("max_clips");
  SplitClips train = split_clips(cache, ds.subset(mtt::Split::Train), cap, log);
  SplitClips valid = split_clips(cache, ds.subset(mtt::Split::Valid), cap, log);
  SplitClips test = split_clips(cache, ds.subset(mtt::Split::Test), cap, log);

  // Model: the frozen encoder.
  LoadedEncoder enc = load_encoder(cfg.get_string("checkpoint_path"), cfg);
  SYN_CHECK(enc.encoder->config().input_samples() == cfg.get_int("audio_length"),
            "the encoder takes ", enc.encoder->config().input_samples(),
            " samples but --audio_length is ", cfg.get_int("audio_length"));
  enc.encoder->to(dev);
  log << "encoder: " << enc.description << "\n";

  LinearEvaluationResult r;
  r.tags = ds.tag_names();
  r.train_clips = (int64_t)train.cache_index.size();
  r.valid_clips = (int64_t)valid.cache_index.size();
  r.test_clips = (int64_t)test.cache_index.size();
  fs::path run_dir = fs::path(cfg.get_string("log_dir")) / cfg.get_string("run_name");
  fs::create_directories(run_dir);
  Rng rng((uint64_t)cfg.get_int("seed"));

  // The head: loaded, or trained on frozen features of the training and validation clips.
  std::shared_ptr<nn::Sequential> head;
  if (!cfg.get_string("finetuner_checkpoint_path").empty()) {
    LoadedHead h = load_tag_head(cfg.get_string("finetuner_checkpoint_path"));
    check_head_fits(enc, cfg.get_string("checkpoint_path"), h,
                    cfg.get_string("finetuner_checkpoint_path"));
    SYN_CHECK(h.tags.empty() || h.tags == r.tags, "head '",
              cfg.get_string("finetuner_checkpoint_path"),
              "' was trained on other tags than --labels ", cfg.get_string("labels"));
    head = h.head;
    r.head_path = cfg.get_string("finetuner_checkpoint_path");
    log << "head: " << h.description << "\n";
  } else {
    ChunkFeatures tr =
        features_of(*enc.encoder, cache, train, train_mode, rng, dev, cfg, log, "train features");
    ChunkFeatures va =
        features_of(*enc.encoder, cache, valid, train_mode, rng, dev, cfg, log, "valid features");
    models::ClmrHeadConfig hc;
    hc.in_dim = tr.features.size(1);
    hc.out_dim = (int64_t)r.tags.size();
    hc.hidden_dim = cfg.get_int("finetuner_mlp") ? hc.in_dim : 0;
    Rng init((uint64_t)cfg.get_int("seed") + 1);
    head = models::make_clmr_head(hc, init);
    HeadTrainingOptions ho;
    ho.lr = cfg.get_float("finetuner_learning_rate");
    ho.weight_decay = cfg.get_float("weight_decay");
    ho.batch = cfg.get_int("batch_size");
    ho.max_epochs = cfg.get_int("finetuner_max_epochs");
    ho.early_stopping_patience = cfg.get_int("early_stopping_patience");
    ho.plateau_patience = cfg.get_int("plateau_patience");
    ho.seed = (uint64_t)cfg.get_int("seed") + 2;
    ho.device = dev;
    HeadTrainingResult hr =
        train_tag_head(*head, tr.features, expand_to_chunks(train.labels, tr.clip_of), va.features,
                       expand_to_chunks(valid.labels, va.clip_of), ho, log);
    r.epochs = (int64_t)hr.train_loss.size();
    r.best_epoch = hr.best_epoch;
    r.head_path = (run_dir / "finetuner.synt").string();
    save_tag_head(r.head_path, *head, r.tags, hc.hidden_dim > 0,
                  {{"encoder", enc.description},
                   {"labels", cfg.get_string("labels")},
                   {"config", cfg.to_yaml()}});
    log << "head saved to " << r.head_path << "\n";
  }
  head->to(dev);

  // Test: every chunk of every test clip; a clip's prediction is the mean of its chunks'
  // sigmoids (clmr/evaluation.py).
  ChunkFeatures te =
      features_of(*enc.encoder, cache, test, ChunkMode::All, rng, dev, cfg, log, "test features");
  r.test_chunks = te.features.size(0);
  Tensor probs =
      mean_over_chunks(head_probabilities(*head, te.features, dev), te.clip_of, te.clips);
  r.test = multilabel_metrics(probs, test.labels);
  log << std::fixed << std::setprecision(4) << "test (" << r.test_clips << " clips, "
      << r.test_chunks << " chunks, " << r.tags.size() << " tags): ROC-AUC " << r.test.roc_auc_macro
      << ", PR-AUC " << r.test.pr_auc_macro;
  if (r.test.tags_with_both_classes < (int64_t)r.tags.size())
    log << " (only " << r.test.tags_with_both_classes << " tags have both classes in the test "
        << "set; ROC-AUC is undefined for the others)";
  log << "\n" << std::defaultfloat;
  r.results_path = (run_dir / "results.json").string();
  write_results(r.results_path, r, cfg);
  log << "results written to " << r.results_path << "\n";
  return r;
}

}  // namespace syn::app

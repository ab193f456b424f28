// tagger.cpp — see tagger.h.
#include "apps/pipeline/tagger.h"

#include <algorithm>
#include <filesystem>
#include <numeric>

#include "apps/pipeline/chunk_features.h"
#include "apps/pipeline/encoder_loading.h"
#include "apps/pipeline/json_io.h"
#include "apps/pipeline/tag_head.h"
#include "data/audio/audio_io.h"
#include "data/audio/audio_to_musicnn.h"
#include "data/audio/musicnn_stream.h"
#include "data/audio/not_music.h"
#include "data/datasets/magnatagatune.h"
#include "engine/check.h"
#include "engine/parallel.h"
#include "models/musicnn.h"

namespace fs = std::filesystem;

namespace syn::app {
namespace {

// Patches per forward pass: 16 × 3 s. Bounds the model's activations (the bulk of the memory:
// ~14 MB per patch); a clip of up to 48 s runs in one pass, as before.
constexpr int64_t kBatchPatches = 16;

class MusicnnTagger : public Tagger {
 public:
  MusicnnTagger(models::MusicnnDataset which, Device device, const std::string& weights_dir)
      : device_(device) {
    name_ = which == models::MusicnnDataset::MTT ? "musicnn-mtt" : "musicnn-msd";
    path_ = musicnn_weights_path(weights_dir, name_);
    loaded_ = models::load_musicnn(path_, which);
    loaded_.model->to(device_);
  }
  std::string name() const override { return name_; }
  Device device() const { return device_; }

  TagResult tag(const std::string& path) override {
    std::vector<TagResult> r = tag_musicnn_shared({this}, path);
    return std::move(r[0]);
  }

  // One model's share of tag_musicnn_shared: the result so far and its per-tag sums.
  struct Run {
    TagResult r;
    std::vector<double> sums;  // per tag, over patches in order (as musicnn_predict sums)
  };
  Run start(const std::string& path) const {
    Run run;
    run.r.file = path;
    run.r.model = name_;
    run.r.labels = loaded_.labels;
    return run;
  }
  // The model over the next batch of patches.
  void add_batch(Run& run, const Tensor& patches, const MusicnnPatching& patching) {
    TagResult& r = run.r;
    models::MusicnnPrediction pred = models::musicnn_predict(*loaded_.model, patches.to(device_));
    const int64_t p = pred.patch_probabilities.size(0), t = pred.patch_probabilities.size(1);
    const int64_t frames = patching.patch_frames, step = patching.step;
    std::vector<float> v = pred.patch_probabilities.to_vector();
    run.sums.resize((size_t)t, 0.0);
    for (int64_t i = 0; i < p; ++i) {
      // Patch k starts at frame k * step; a frame is hop 256 samples at 16 kHz.
      const int64_t k = (int64_t)r.taggram.size();
      r.chunk_start.push_back((double)(k * step) * 256.0 / 16000.0);
      r.chunk_end.push_back((double)(k * step + frames) * 256.0 / 16000.0);
      r.taggram.emplace_back(v.begin() + i * t, v.begin() + (i + 1) * t);
      for (int64_t j = 0; j < t; ++j) run.sums[(size_t)j] += v[(size_t)(i * t + j)];
    }
  }
  static TagResult finish(Run& run, int64_t samples_16k, const AudioCheck& input_check) {
    TagResult& r = run.r;
    r.clip.resize(run.sums.size());
    for (size_t j = 0; j < run.sums.size(); ++j)
      r.clip[j] = (float)(run.sums[j] / (double)r.taggram.size());
    r.duration_seconds = (double)samples_16k / 16000.0;
    r.input_check = input_check;
    return std::move(r);
  }

 private:
  Device device_;
  std::string path_, name_;
  models::LoadedMusicnn loaded_;
};

class SampleCnnTagger : public Tagger {
 public:
  explicit SampleCnnTagger(const Config& cfg)
      : cfg_(cfg), device_(tagger_device(cfg.get_string("device"))) {
    SYN_CHECK(
        !cfg.get_string("finetuner_checkpoint").empty(),
        "--model samplecnn needs --finetuner_checkpoint (a tag head: apps/linear_evaluation's "
        "finetuner.synt or CLMR's finetuner_checkpoint_200.pt) and --encoder_checkpoint");
    SYN_CHECK(!cfg.get_string("encoder_checkpoint").empty(),
              "--model samplecnn needs --encoder_checkpoint (apps/pretrain's checkpoint or CLMR's "
              "clmr_checkpoint_10000.pt)");
    encoder_ = load_encoder(cfg.get_string("encoder_checkpoint"), cfg);
    head_ = load_tag_head(cfg.get_string("finetuner_checkpoint"));
    check_head_fits(encoder_, cfg.get_string("encoder_checkpoint"), head_,
                    cfg.get_string("finetuner_checkpoint"));
    labels_ = head_.tags;
    if (labels_.empty()) labels_.assign(mtt::kTop50Tags.begin(), mtt::kTop50Tags.end());
    int64_t outputs = head_.head->state_dict().back().second.size(0);
    SYN_CHECK((int64_t)labels_.size() == outputs, "the head has ", outputs,
              " outputs; CLMR heads without tag names must have MagnaTagATune's 50");
    encoder_.encoder->to(device_);
    head_.head->to(device_);
  }
  std::string name() const override { return "samplecnn"; }

  TagResult tag(const std::string& path) override {
    int rate = (int)cfg_.get_int("sample_rate");
    int64_t length = encoder_.encoder->config().input_samples();
    std::vector<float> audio = load_audio(path, rate);
    Rng unused(0);
    ChunkFeatures f = encode_chunks(
        *encoder_.encoder, 1, [&](int64_t) { return std::span<const float>(audio); }, length,
        ChunkMode::All, unused, device_, 16, nullptr, "tag");
    Tensor probs = head_probabilities(*head_.head, f.features, device_);
    TagResult r;
    r.file = path;
    r.model = "samplecnn";
    r.duration_seconds = (double)audio.size() / rate;
    r.input_check = check_not_music(audio, rate);
    r.labels = labels_;
    r.clip = mean_over_chunks(probs, f.clip_of, 1).to_vector();
    int64_t t = probs.size(1);
    std::vector<float> v = probs.to_vector();
    std::vector<int64_t> starts = chunk_starts((int64_t)audio.size(), length);
    for (size_t i = 0; i < starts.size(); ++i) {
      r.chunk_start.push_back((double)starts[i] / rate);
      r.chunk_end.push_back((double)(starts[i] + length) / rate);
      r.taggram.emplace_back(v.begin() + (long)i * t, v.begin() + (long)(i + 1) * t);
    }
    return r;
  }

 private:
  Config cfg_;
  Device device_;
  LoadedEncoder encoder_;
  LoadedHead head_;
  std::vector<std::string> labels_;
};

}  // namespace

std::vector<TagResult> tag_musicnn_shared(const std::vector<Tagger*>& taggers,
                                          const std::string& path) {
  std::vector<MusicnnTagger*> models;
  for (Tagger* t : taggers) {
    auto* m = dynamic_cast<MusicnnTagger*>(t);
    SYN_CHECK(m != nullptr, "tag_musicnn_shared: '", t ? t->name() : std::string("null"),
              "' is not a musicnn tagger");
    models.push_back(m);
  }
  // Streamed (data/audio/musicnn_stream.h): memory stays O(kBatchPatches) for any length. The
  // patches equal the whole clip's bit for bit; up to kBatchPatches patches the probabilities
  // do too (one pass, as before); beyond, the batching moves them by ~3e-8
  // (tests/test_musicnn_stream.cpp). Every model sees the same batches, so each result is the
  // one its own pass over the file gives.
  NotMusicDetector detector(kMusicnnSampleRate);
  MusicnnFileStream stream(path, MusicnnInputOptions{},
                           [&](const float* x, int64_t n) { detector.push(x, n); });
  std::vector<MusicnnTagger::Run> runs;
  for (MusicnnTagger* m : models) runs.push_back(m->start(path));
  // On the CPU with no more threads than models (the 2-core machine: two threads, MTT and MSD),
  // the models run side by side, one thread each (their ops' own parallel loops then run
  // inline): a whole model per thread wastes nothing on the synchronisation of hundreds of
  // small parallel regions. With more threads every op keeps all of them. Each op gives the
  // same bits on one thread as on several (tests/test_tag.cpp compares with the models' own
  // passes).
  const int threads = num_threads();
  bool side_by_side = models.size() > 1 && threads > 1 && threads <= (int)models.size();
  for (MusicnnTagger* m : models) side_by_side &= m->device() == Device::CPU;
  Tensor patches;
  while (stream.next(kBatchPatches, patches)) {
    auto run_model = [&](int64_t i) {
      models[(size_t)i]->add_batch(runs[(size_t)i], patches, stream.patching());
    };
    if (side_by_side) {
      run_chunks((int64_t)models.size(), run_model);
    } else {
      for (size_t i = 0; i < models.size(); ++i) run_model((int64_t)i);
    }
  }
  const AudioCheck check = detector.finish();
  std::vector<TagResult> out;
  for (MusicnnTagger::Run& run : runs)
    out.push_back(MusicnnTagger::finish(run, stream.samples_16k(), check));
  return out;
}

Device tagger_device(const std::string& name) {
  SYN_CHECK(name == "cpu" || name == "cuda", "--device must be cpu or cuda, got '", name, "'");
  Device dev = name == "cuda" ? Device::CUDA : Device::CPU;
  SYN_CHECK(dev == Device::CPU || cuda_available(),
            "--device cuda: no usable CUDA device in this build or machine");
  return dev;
}

std::string musicnn_weights_path(const std::string& weights_dir, const std::string& model) {
  SYN_CHECK(model == "musicnn-mtt" || model == "musicnn-msd", "'", model,
            "' is not a musicnn model (musicnn-mtt or musicnn-msd)");
  const std::string dir =
      weights_dir.empty() ? std::string(SYN_SOURCE_DIR) + "/models/weights" : weights_dir;
  const std::string file = model == "musicnn-mtt" ? "musicnn_mtt.synckpt" : "musicnn_msd.synckpt";
  const std::string path = (fs::path(dir) / file).string();
  SYN_CHECK(fs::exists(path), "musicnn weights '", path,
            "' not found (they ship in models/weights/; --weights_dir points elsewhere)");
  return path;
}

std::unique_ptr<Tagger> make_musicnn_tagger(const std::string& model, Device device,
                                            const std::string& weights_dir) {
  if (model == "musicnn-mtt")
    return std::make_unique<MusicnnTagger>(models::MusicnnDataset::MTT, device, weights_dir);
  if (model == "musicnn-msd")
    return std::make_unique<MusicnnTagger>(models::MusicnnDataset::MSD, device, weights_dir);
  SYN_FAIL("'", model, "' is not a musicnn model (musicnn-mtt or musicnn-msd)");
}

std::unique_ptr<Tagger> make_tagger(const Config& cfg, const std::string& model) {
  if (model == "musicnn-mtt" || model == "musicnn-msd")
    return make_musicnn_tagger(model, tagger_device(cfg.get_string("device")),
                               cfg.get_string("weights_dir"));
  if (model == "samplecnn") return std::make_unique<SampleCnnTagger>(cfg);
  SYN_FAIL("--model '", model, "' is unknown (musicnn-mtt, musicnn-msd or samplecnn)");
}

std::vector<size_t> top_k(const std::vector<float>& p, size_t k) {
  std::vector<size_t> idx(p.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return p[a] > p[b]; });
  idx.resize(std::min(k, idx.size()));
  return idx;
}

namespace {

Json tag_result_json_value(const TagResult& r, const std::vector<ProfileTag>* profile) {
  Json tags = Json::array();
  for (size_t i : top_k(r.clip, r.clip.size()))
    tags.push_back({{"tag", r.labels[i]}, {"probability", json_number(r.clip[i])}});
  Json chunks = Json::array();
  for (size_t c = 0; c < r.taggram.size(); ++c) {
    Json probabilities = Json::array();
    for (float p : r.taggram[c]) probabilities.push_back(json_number(p));
    chunks.push_back({{"start", json_number(r.chunk_start[c])},
                      {"end", json_number(r.chunk_end[c])},
                      {"probabilities", std::move(probabilities)}});
  }
  Json j = {{"file", r.file},
            {"model", r.model},
            {"duration_seconds", json_number(r.duration_seconds)},
            {"tags", std::move(tags)},
            {"taggram", {{"labels", r.labels}, {"chunks", std::move(chunks)}}}};
  if (!r.input_check.music) j["input_warning"] = r.input_check.warning;
  if (profile) {
    Json refined = Json::array();
    for (const ProfileTag& t : *profile)
      refined.push_back({{"tag", t.tag},
                         {"group", t.group},
                         {"probability", json_number(t.probability)},
                         {"source", t.source}});
    j["refined"] = std::move(refined);
  }
  return j;
}

}  // namespace

std::string tag_result_json(const TagResult& r, const std::vector<ProfileTag>* profile) {
  return json_text(tag_result_json_value(r, profile));
}

}  // namespace syn::app

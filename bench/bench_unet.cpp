// bench_unet.cpp — the text-to-image model (models/text_to_image.h: prompt encoder + diffusion
// U-Net) on the CPU against its PyTorch twin (bench/torch_unet.py) in the same run:
//   train   one optimisation step of apps/train/imagine_task (app::optimisation_step on the
//           ImagineTask itself: shifted batch, random prompts, t and ε, x_t → ε̂ → MSE →
//           loss.item() → backward → global-norm clipping → AdamW → zero_grad → EMA update) on
//           B random [3, 32, 32] images;
//   sample  DDIM with classifier-free guidance (models::sample_images: the conditional and the
//           unconditional prompts as one batch of 2N per step) of N images from freshly
//           initialised weights, the time of one whole image set.
// Sizes and optimiser settings come from config/train_imagine.yaml (engine/config.h), so the
// benchmark follows the shipped config; the same sizes are passed to the PyTorch twin, whose
// parameter counts must equal ours (printed; the run fails when they differ).
//
//   cmake --build build --target bench_unet && ./build/bench/bench_unet --threads 1
//       [--batch 32] [--threads <config workers>] [--warmup 2] [--repeats 5] [--sample-batch 8]
//       [--sample-steps 50] [--sample-warmup 1] [--sample-repeats 2] [--guidance <config>]
//       [--vocab 215] [--rounds 1] [--no-torch]
//
// --batch defaults to the config's batch_size, --threads to its workers (0 = every core), the
// guidance scale to sample_guidance. --vocab: prompt vocabulary size in ids (215 = the emoji
// training run's: 212 words + <pad>, <unk>, <bos>); the synthetic captions are 1..4 random words
// of it and every image has a two-word subgroup, as the twin draws them. --repeats 0 or
// --sample-repeats 0 skips that part. SYN_TORCH_PYTHON=/path/python picks another interpreter
// for the twin (default Debian's /usr/bin/python3 with torch 1.13 CPU).
//
// Ours then PyTorch's (a fresh process, started right after ours so both see similar machine
// load), both with the same thread count (syn::set_num_threads / torch.set_num_threads); each
// warms up, then the median of the repeats. --rounds R alternates R times and reports the
// medians across rounds and the median of the rounds' ratios: use it on a loaded machine.
// Measured numbers: bench/README.md ("bench_unet").
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "apps/train/imagine_task.h"
#include "apps/train/trainer.h"
#include "bench/bench_common.h"
#include "engine/config.h"
#include "engine/parallel.h"
#include "engine/rng.h"

using namespace syn;

namespace {

using Clock = std::chrono::steady_clock;
using bench::median;

double ms_since(Clock::time_point a) {
  return std::chrono::duration<double, std::milli>(Clock::now() - a).count();
}

struct Options {
  int64_t batch = 0, sample_batch = 8, sample_steps = 50, vocab = 215;
  int threads = -1, warmup = 2, repeats = 5, sample_warmup = 1, sample_repeats = 2, rounds = 1;
  double guidance = std::nan("");
  bool use_torch = true;
};

// One side's numbers for one round (NaN where not measured).
struct Times {
  double step_ms = std::nan(""), set_ms = std::nan("");
  double loss = std::nan(""), mean_abs = std::nan("");
};

struct ParamCounts {
  int64_t total = 0, unet = 0, text = 0;
  bool operator==(const ParamCounts&) const = default;
};

// The synthetic vocabulary: `words` lower-case letter strings ("xaa", "xab", ...), so the
// tokenizer keeps each as one word.
std::vector<std::string> synthetic_words(int64_t words) {
  std::vector<std::string> out;
  for (int64_t k = 0; k < words; ++k) {
    std::string w = "x";
    for (int64_t v = k, digits = 0; digits < 3; ++digits, v /= 26) w += (char)('a' + v % 26);
    out.push_back(w);
  }
  return out;
}

std::string random_words(const std::vector<std::string>& vocab, int64_t n, Rng& rng, char sep) {
  std::string s;
  for (int64_t i = 0; i < n; ++i) {
    if (i) s += sep;
    s += vocab[(size_t)rng.randint((int64_t)vocab.size())];
  }
  return s;
}

// A sampling prompt as the training prompts read: a caption of 1..4 words, followed with
// probability p_sub by two subgroup words.
std::string random_prompt(const std::vector<std::string>& vocab, double p_sub, Rng& rng) {
  std::string s = random_words(vocab, 1 + rng.randint(4), rng, ' ');
  if (rng.bernoulli((float)p_sub)) {
    s += ' ';
    s += random_words(vocab, 2, rng, ' ');
  }
  return s;
}

// The trainer's data, synthetic: random images in [−1, 1] (209, the emoji training split's
// count), captions of 1..4 random words, two-word subgroups ("xab-xcd" → "xab xcd").
app::ImagineData synthetic_data(const std::vector<std::string>& vocab, int64_t n, int64_t size,
                                Rng& rng) {
  app::ImagineData d;
  d.images = Tensor::uniform({n, 3, size, size}, rng, -1.0f, 1.0f);
  d.background = 1.0f;
  for (int64_t i = 0; i < n; ++i) {
    d.captions.push_back(random_words(vocab, 1 + rng.randint(4), rng, ' '));
    d.subgroups.push_back(random_words(vocab, 2, rng, '-'));
  }
  return d;
}

// The twin's command line: our sizes from the config, the trainer's optimiser and data settings.
std::string torch_command(const Options& o, const Config& cfg, const ParamCounts& ours) {
  const char* python = std::getenv("SYN_TORCH_PYTHON");  // default: Debian's, with torch 1.13
  auto i = [&](const char* key) { return std::to_string(cfg.get_int(key)); };
  auto f = [&](const char* key) { return std::to_string(cfg.get_float(key)); };
  auto s = [&](const char* key) { return "'" + cfg.get_string(key) + "'"; };
  return std::string(python && *python ? python : "/usr/bin/python3") +
         " " SYN_SOURCE_DIR "/bench/torch_unet.py --batch " + std::to_string(o.batch) +
         " --threads " + std::to_string(o.threads) + " --warmup " + std::to_string(o.warmup) +
         " --repeats " + std::to_string(o.repeats) + " --sample-batch " +
         std::to_string(o.sample_batch) + " --sample-steps " + std::to_string(o.sample_steps) +
         " --sample-warmup " + std::to_string(o.sample_warmup) + " --sample-repeats " +
         std::to_string(o.sample_repeats) + " --guidance " + std::to_string(o.guidance) +
         " --expect-params " + std::to_string(ours.total) + "," + std::to_string(ours.unet) + "," +
         std::to_string(ours.text) + " --vocab " + std::to_string(o.vocab) + " --image-size " +
         i("image_size") + " --base-channels " + i("base_channels") + " --channel-mult " +
         s("channel_mult") + " --res-blocks " + i("res_blocks") + " --attention-levels " +
         s("attention_levels") + " --heads " + i("unet_heads") + " --norm-groups " +
         i("norm_groups") + " --ff-mult " + i("unet_ff_mult") + " --text-dim " + i("text_dim") +
         " --text-heads " + i("text_heads") + " --text-layers " + i("text_layers") +
         " --text-ff-mult " + i("text_ff_mult") + " --text-max-len " + i("text_max_len") +
         " --schedule " + s("schedule") + " --timesteps " + i("timesteps") + " --lr " +
         f("learning_rate") + " --beta1 " + f("adam_beta1") + " --beta2 " + f("adam_beta2") +
         " --weight-decay " + f("weight_decay") + " --grad-clip " + f("grad_clip") +
         " --ema-decay " + f("ema_decay") + " --max-shift " + i("max_shift") + " --subgroup-prob " +
         f("subgroup_prob") + " --cond-drop-prob " + f("cond_drop_prob") + " 2>/dev/null";
}

enum class TorchResult { Ok, Unavailable, Mismatch };

// Runs the twin; its stderr is dropped (as bench_clmr_step: a missing torch shows as one clear
// line instead of a traceback). `theirs` gets the twin's parameter counts when it printed them.
TorchResult torch_times(const std::string& cmd, const Options& o, Times& t, ParamCounts& theirs) {
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return TorchResult::Unavailable;
  char line[512];
  bool params = false, train = o.repeats == 0, sample = o.sample_repeats == 0, mismatch = false;
  while (std::fgets(line, sizeof line, p)) {
    long long a = 0, b = 0, c = 0;
    double x = 0, y = 0;
    if (std::sscanf(line, "PARAMS %lld %lld %lld", &a, &b, &c) == 3)
      theirs = {a, b, c}, params = true;
    else if (std::sscanf(line, "TRAIN %lf %lf", &x, &y) == 2)
      t.step_ms = x, t.loss = y, train = true;
    else if (std::sscanf(line, "SAMPLE %lf %lf", &x, &y) == 2)
      t.set_ms = x, t.mean_abs = y, sample = true;
    else if (std::string(line).rfind("MISMATCH", 0) == 0)
      mismatch = true;
  }
  pclose(p);
  if (mismatch) return TorchResult::Mismatch;
  return params && train && sample ? TorchResult::Ok : TorchResult::Unavailable;
}

int usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--batch 32] [--threads N] [--warmup 2] [--repeats 5] "
               "[--sample-batch 8] [--sample-steps 50] [--sample-warmup 1] [--sample-repeats 2] "
               "[--guidance 3] [--vocab 215] [--rounds 1] [--no-torch]\n"
               "  sizes from %s/config/train_imagine.yaml; --batch defaults to its batch_size, "
               "--threads to its workers (0 = every core), --guidance to sample_guidance\n",
               argv0, SYN_SOURCE_DIR);
  return 2;
}

double column(const std::vector<Times>& v, double Times::*field) {
  std::vector<double> x;
  for (const Times& t : v)
    if (std::isfinite(t.*field)) x.push_back(t.*field);
  return x.empty() ? std::nan("") : median(x);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    auto next_int = [&]() { return std::atoll(next().c_str()); };
    if (a == "--batch")
      o.batch = next_int();
    else if (a == "--threads")
      o.threads = (int)next_int();
    else if (a == "--warmup")
      o.warmup = (int)next_int();
    else if (a == "--repeats")
      o.repeats = (int)next_int();
    else if (a == "--sample-batch")
      o.sample_batch = next_int();
    else if (a == "--sample-steps")
      o.sample_steps = next_int();
    else if (a == "--sample-warmup")
      o.sample_warmup = (int)next_int();
    else if (a == "--sample-repeats")
      o.sample_repeats = (int)next_int();
    else if (a == "--guidance")
      o.guidance = std::atof(next().c_str());
    else if (a == "--vocab")
      o.vocab = next_int();
    else if (a == "--rounds")
      o.rounds = (int)next_int();
    else if (a == "--no-torch")
      o.use_torch = false;
    else
      return usage(argv[0]);
  }
  try {
    // The shipped training config: sizes, optimiser, augmentation, guidance.
    Config cfg = Config::load(SYN_SOURCE_DIR "/config/train_imagine.yaml");
    if (o.batch == 0) o.batch = cfg.get_int("batch_size");
    if (o.threads < 0) o.threads = (int)cfg.get_int("workers");
    if (o.threads == 0) o.threads = (int)std::max(1u, std::thread::hardware_concurrency());
    if (std::isnan(o.guidance)) o.guidance = cfg.get_float("sample_guidance");
    if (o.batch < 1 || o.threads < 1 || o.warmup < 0 || o.repeats < 0 || o.sample_batch < 1 ||
        o.sample_steps < 1 || o.sample_warmup < 0 || o.sample_repeats < 0 || o.rounds < 1 ||
        o.vocab < 4 || (o.repeats == 0 && o.sample_repeats == 0)) {
      std::fprintf(stderr,
                   "bench_unet: need --batch, --threads, --sample-batch, --sample-steps, "
                   "--rounds >= 1, --vocab >= 4, and --repeats or --sample-repeats >= 1\n");
      return 2;
    }
    cfg.set("batch_size", std::to_string(o.batch));
    set_num_threads(o.threads);

    const std::vector<std::string> vocab = synthetic_words(o.vocab - 3);
    models::PromptTokenizer tok = models::PromptTokenizer::build(vocab);
    Rng data_rng(0);
    const int64_t S = cfg.get_int("image_size");
    app::ImagineTask trainer(cfg, synthetic_data(vocab, 209, S, data_rng), app::ImagineData{}, tok);
    models::TextToImageNet& net = trainer.net();
    const ParamCounts ours{net.num_parameters(), net.unet().num_parameters(),
                           net.text().num_parameters()};
    // Sampling from fresh weights (the brief's "random init"): its own network.
    const models::TextToImageConfig tc = net.config();
    Rng init(1);
    models::TextToImageNet sampler(tc, init);
    models::ImagineOptions io;
    io.steps = o.sample_steps;
    io.guidance_scale = (float)o.guidance;
    io.batch = 1;

    std::printf(
        "text-to-image model, CPU fp32: %lld parameters (U-Net %lld, prompt encoder %lld), "
        "vocabulary %lld ids, %lld px; sizes from config/train_imagine.yaml\n"
        "train: batch %lld, optimisation_step of ImagineTask (AdamW lr %g, grad clip %g, EMA); "
        "sample: DDIM %lld steps, guidance %g (batch %lld per step) for %lld images\n"
        "%d threads (ours: %d), median of %d steps after %d warm-up and of %d sets after %d "
        "warm-up, %d round(s)\n",
        (long long)ours.total, (long long)ours.unet, (long long)ours.text, (long long)o.vocab,
        (long long)S, (long long)o.batch, cfg.get_float("learning_rate"),
        cfg.get_float("grad_clip"), (long long)o.sample_steps, o.guidance,
        (long long)(o.guidance != 1.0 ? 2 : 1) * o.sample_batch, (long long)o.sample_batch,
        o.threads, num_threads(), o.repeats, o.warmup, o.sample_repeats, o.sample_warmup, o.rounds);
    std::fflush(stdout);

    int64_t step = 0;
    Rng prompt_rng(2);
    auto run_ours = [&](bool first, Times& t) {
      if (o.repeats > 0) {
        std::vector<double> ms;
        for (int it = 0; it < (first ? o.warmup : 0) + o.repeats; ++it) {
          auto t0 = Clock::now();
          t.loss = app::optimisation_step(trainer, step++).loss;
          if (it >= (first ? o.warmup : 0)) ms.push_back(ms_since(t0));
        }
        t.step_ms = median(ms);
      }
      if (o.sample_repeats > 0) {
        std::vector<double> ms;
        for (int it = 0; it < (first ? o.sample_warmup : 0) + o.sample_repeats; ++it) {
          std::vector<std::string> prompts;
          for (int64_t k = 0; k < o.sample_batch; ++k)
            prompts.push_back(random_prompt(vocab, cfg.get_float("subgroup_prob"), prompt_rng));
          io.seed = (uint64_t)it;
          auto t0 = Clock::now();
          Tensor x = models::sample_images(sampler, tok, trainer.schedule(), prompts, io);
          const double elapsed = ms_since(t0);
          if (it >= (first ? o.sample_warmup : 0)) ms.push_back(elapsed);
          double sum = 0;
          for (float v : x.to_vector()) sum += std::fabs(v);
          t.mean_abs = sum / (double)x.numel();
        }
        t.set_ms = median(ms);
      }
    };

    const std::string cmd = torch_command(o, cfg, ours);
    std::vector<Times> ours_r, torch_r;
    std::vector<double> train_ratios, sample_ratios;
    bool have = o.use_torch;
    for (int r = 0; r < o.rounds; ++r) {
      Times mine, theirs;
      run_ours(r == 0, mine);
      ours_r.push_back(mine);
      if (have) {
        ParamCounts tp;
        TorchResult res = torch_times(cmd, o, theirs, tp);
        if (res == TorchResult::Mismatch || (res == TorchResult::Ok && !(tp == ours))) {
          std::fprintf(stderr,
                       "bench_unet: the PyTorch twin (bench/torch_unet.py) has %lld parameters "
                       "(U-Net %lld, prompt encoder %lld), ours %lld (U-Net %lld, prompt "
                       "encoder %lld): the architectures differ, so the timings would not "
                       "compare like with like\n",
                       (long long)tp.total, (long long)tp.unet, (long long)tp.text,
                       (long long)ours.total, (long long)ours.unet, (long long)ours.text);
          return 1;
        }
        have = res == TorchResult::Ok;
        if (have) {
          torch_r.push_back(theirs);
          if (r == 0)
            std::printf("PyTorch twin: %lld parameters (U-Net %lld, prompt encoder %lld): equal\n",
                        (long long)tp.total, (long long)tp.unet, (long long)tp.text);
          if (o.repeats > 0) train_ratios.push_back(mine.step_ms / theirs.step_ms);
          if (o.sample_repeats > 0) sample_ratios.push_back(mine.set_ms / theirs.set_ms);
        }
      }
      if (o.rounds > 1) {
        std::printf("round %d: ours train %.1f ms/step, sample %.1f ms/set", r + 1, mine.step_ms,
                    mine.set_ms);
        if (have)
          std::printf("; PyTorch train %.1f ms/step, sample %.1f ms/set", theirs.step_ms,
                      theirs.set_ms);
        std::printf("\n");
        std::fflush(stdout);
      }
    }

    auto row = [&](const char* who, const std::vector<Times>& v) {
      const double step_ms = column(v, &Times::step_ms), set_ms = column(v, &Times::set_ms);
      std::printf("%-8s %13.1f %10.2f | %13.1f %13.2f %10.3f\n", who, step_ms,
                  o.batch / step_ms * 1e3, set_ms, set_ms / (double)o.sample_steps,
                  (double)o.sample_batch / set_ms * 1e3);
    };
    std::printf("\n%-8s %13s %10s | %13s %13s %10s\n", "", "train ms/step", "images/s",
                "sample ms/set", "ms/DDIM step", "images/s");
    row("ours", ours_r);
    if (have) {
      row("pytorch", torch_r);
      const char* how = o.rounds > 1 ? " (median of the rounds' ratios)" : "";
      std::printf(
          "ratio ours/PyTorch (time; < 1 = ours faster): train step %.2f, sample set %.2f%s\n",
          train_ratios.empty() ? std::nan("") : median(train_ratios),
          sample_ratios.empty() ? std::nan("") : median(sample_ratios), how);
      std::printf(
          "last training loss: ours %.4f, PyTorch %.4f (≈ 1 at the start: the output conv starts "
          "at zero); sampled mean |x0|: ours %.4f, PyTorch %.4f\n",
          ours_r.back().loss, torch_r.back().loss, ours_r.back().mean_abs, torch_r.back().mean_abs);
    } else {
      std::printf("last training loss: ours %.4f; sampled mean |x0|: ours %.4f\n",
                  ours_r.back().loss, ours_r.back().mean_abs);
      if (o.use_torch)
        std::printf(
            "PyTorch not available (python with torch not found: /usr/bin/python3 or "
            "$SYN_TORCH_PYTHON): only our times are shown\n");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_unet: %s\n", e.what());
    return 1;
  }
  return 0;
}

// op_cases_audio.cpp — musicnn's log-mel front end (musicnn_log_mel slot: STFT, power, mel,
// float16, log10). Its CPU values are checked against librosa by tests/test_spectrogram.cpp and
// its CUDA kernel against the CPU by tests/test_cuda_spectrogram.cpp (float16 ties need an
// ulp-based comparison); here it is declared for the slot census and timed.
// CLMR's batch augmentation (augment_batch slot): 8 full-length views with every transform on
// (noise included: both devices use the same counter-based normals), CUDA against CPU. Its CPU
// path is checked against apply_chain by tests/test_augment_batch.cpp and its CUDA path per
// transform by tests/test_cuda_augment.cpp.
#include <cmath>

#include "data/audio/augment_batch.h"
#include "data/audio/spectrogram.h"
#include "engine/rng.h"
#include "tests/support/op_case.h"

namespace syn::test {

void add_audio_cases(std::vector<OpCase>& out) {
  OpCase& c = add_case(
      out, "musicnn_log_mel 30 s", {"musicnn_log_mel"},
      [] {
        Rng rng(3);
        std::vector<float> audio((size_t)30 * 16000);
        for (float& v : audio) v = 0.2f * rng.normal();
        return Tensors{Tensor::from_vector(audio, {(int64_t)audio.size()})};
      },
      [](const Tensors& in) { return Tensors{musicnn_log_mel(in[0])}; }, {false}, kModePerf);
  // per frame: a 512-point real FFT (~2.5 N log2 N) and the 96 x 257 mel product
  const double frames = 30.0 * 16000 / 256 + 1;
  c.work.flops = frames * (2.5 * 512 * 9 + 2.0 * 96 * 257);

  // 8 views of 59,049 samples, each transform on, parameters drawn from CLMR's ranges.
  OpCase& a = add_case(
      out, "augment_batch 8 x 59049 all transforms", {"augment_batch"},
      [] {
        Rng rng(5);
        std::vector<float> x((size_t)8 * augment::kClmrCropLength);
        for (size_t i = 0; i < x.size(); ++i)
          x[i] = 0.3f * std::sin(0.02f * (float)(i % 59049)) + 0.05f * rng.normal();
        return Tensors{Tensor::from_vector(x, {8, augment::kClmrCropLength})};
      },
      [](const Tensors& in) {
        augment::AugmentConfig cfg;
        cfg.p_polarity = cfg.p_noise = cfg.p_gain = cfg.p_filters = cfg.p_delay = cfg.p_pitch =
            cfg.p_reverb = 1.0f;
        std::vector<AugmentParams> params;
        for (uint64_t b = 0; b < 8; ++b) {
          Rng r(70 + b);
          params.push_back(augment::device_params(augment::draw_chain(100000, cfg, r), cfg));
        }
        return Tensors{augment_batch(in[0], params, augment::kClmrSampleRate)};
      },
      {false}, kModeCuda | kModePerf);
  // Pitch's WSOLA search picks a splice point by comparing float correlations whose summation
  // order differs between devices: a near-tie can pick a neighbouring sample (a small local
  // difference), hence a tolerance on the scale of the signal rather than an ulp one.
  a.cuda_out = Tol{1e-3f, 1e-4f, 2e-2f};
  a.work.bytes = 2.0 * 8 * augment::kClmrCropLength * sizeof(float);
}

}  // namespace syn::test

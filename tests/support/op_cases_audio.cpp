// op_cases_audio.cpp — musicnn's log-mel front end (musicnn_log_mel slot: STFT, power, mel,
// float16, log10). Its CPU values are checked against librosa by tests/test_spectrogram.cpp and
// its CUDA kernel against the CPU by tests/test_cuda_spectrogram.cpp (float16 ties need an
// ulp-based comparison); here it is declared for the slot census and timed.
#include <cmath>

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
}

}  // namespace syn::test

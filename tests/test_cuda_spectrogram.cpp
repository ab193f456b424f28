// test_cuda_spectrogram.cpp — musicnn's log-mel on the GPU (kernels/spectrogram.cu, cuFFT)
// against the CPU implementation (data/audio/spectrogram.cpp), which test_spectrogram.cpp checks
// against librosa. Exits 77 (skipped) without a GPU.
//
// Tolerance: both devices round the same float64 quantities to float32 (see spectrogram.cu),
// so the mel energies agree bit for bit except where cuFFT's last double bits move a float32
// rounding; the log differs by at most 1 float32 ulp (glibc log10f vs a rounded double log10).
// A float16 tie may flip one element in a few thousand: allowed for 0.1% of the elements, each
// within one float16 step of the energy (<= 4.3e-4 in log10 units).
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>

#include "data/audio/audio_to_musicnn.h"
#include "data/audio/spectrogram.h"
#include "engine/rng.h"
#include "tests/support/fixtures.h"

using namespace syn;

namespace {

int64_t float_ulps(float a, float b) {
  int32_t ia, ib;
  std::memcpy(&ia, &a, 4);
  std::memcpy(&ib, &b, 4);
  return std::llabs((int64_t)ia - (int64_t)ib);
}

void compare(const std::vector<float>& audio, const char* what) {
  CAPTURE(what);
  const int64_t n = (int64_t)audio.size();
  Tensor cpu = musicnn_log_mel(audio.data(), n);
  Tensor gpu = musicnn_log_mel(Tensor::from_vector(audio, {n}, Device::CUDA));
  REQUIRE(gpu.is_cuda());
  REQUIRE(gpu.shape() == cpu.shape());
  std::vector<float> a = gpu.to_vector(), b = cpu.to_vector();
  size_t off = 0, bad = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (float_ulps(a[i], b[i]) <= 1) continue;
    ++off;
    bad += std::fabs(a[i] - b[i]) > 4.3e-4f + 1e-6f || !std::isfinite(a[i]);
  }
  MESSAGE(what, ": ", a.size(), " values, ", off, " beyond 1 float32 ulp (float16 ties)");
  CHECK(bad == 0);
  CHECK(off * 1000 <= a.size());
}

}  // namespace

TEST_CASE("GPU log-mel equals the CPU log-mel: librosa fixture signal, noise, a long clip") {
  auto fx = test::load_fixture("spectrogram_stft");
  compare(test::fixture_tensor(fx, "x").to_vector(), "fixture 1 s");

  Rng rng(3);
  std::vector<float> noise(48000);
  for (float& v : noise) v = 0.2f * rng.normal();
  compare(noise, "noise 3 s");

  // 70 s: more than two chunks of 1,024 frames (the last one partial).
  std::vector<float> longclip((size_t)70 * 16000);
  for (size_t i = 0; i < longclip.size(); ++i) {
    double t = (double)i / 16000;
    longclip[i] = (float)(0.4 * std::sin(2 * M_PI * (100 + 50 * t) * t) + 0.05 * rng.normal());
  }
  compare(longclip, "chirp 70 s");

  // Shorter than the reflect pad (numpy's repeated reflection) and a single frame.
  compare(std::vector<float>{0.5f, -0.25f, 1.0f}, "3 samples");
}

TEST_CASE("GPU patches equal CPU patches, and the file loader runs on the GPU") {
  Rng rng(4);
  std::vector<float> audio(16000 * 7);
  for (float& v : audio) v = 0.1f * rng.normal();
  MusicnnInputOptions on_gpu;
  on_gpu.device = Device::CUDA;
  on_gpu.input_overlap = 1.0;
  MusicnnInput g = musicnn_input_from_audio(audio, on_gpu);
  MusicnnInputOptions on_cpu = on_gpu;
  on_cpu.device = Device::CPU;
  MusicnnInput c = musicnn_input_from_audio(audio, on_cpu);
  REQUIRE(g.patches.is_cuda());
  REQUIRE(g.patches.shape() == c.patches.shape());
  CHECK(g.patches.shape() == Shape{5, 187, 96});  // 438 frames, step 61
  std::vector<float> a = g.patches.to_vector(), b = c.patches.to_vector();
  size_t off = 0;
  for (size_t i = 0; i < a.size(); ++i) off += float_ulps(a[i], b[i]) > 1;
  CHECK(off * 1000 <= a.size());
}

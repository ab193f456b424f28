// spectrogram_cuda.h — CUDA musicnn log-mel (kernels/spectrogram.cu); same signature as the CPU
// slot musicnn_log_mel_kernel in engine/ops/log_mel.h.
#pragma once
#include <cstdint>

namespace syn::cuda_kernels {

// audio [n] and out [frames, n_mels] are device pointers; window, weights, band_lo, band_hi are
// host arrays (uploaded once and cached while they stay the same).
void musicnn_log_mel(const float* audio, int64_t n, float* out, int64_t frames, int64_t n_fft,
                     int64_t hop, const double* window, int64_t n_mels, const float* weights,
                     const int32_t* band_lo, const int32_t* band_hi);

}  // namespace syn::cuda_kernels

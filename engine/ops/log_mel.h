// log_mel.h — the kernel slot of musicnn's whole log-mel front end (STFT centred with reflect
// padding → power → mel projection → float16 → log10(10000 x + 1)), its CPU implementation,
// and the per-frame arithmetic that data/audio/spectrogram.cpp builds its STFT and mel
// functions on.
//
// Why here and not in data/audio/: kernels/spectrogram.cu registers the slot's CUDA version and
// may include only engine/ and kernels/. The CPU implementation lives here too (rather than being
// installed into the slot from data/) so that the slot is complete wherever the engine is linked,
// with no start-up order between libraries to get right, and so that the frame arithmetic is
// written once: data/audio/spectrogram.cpp uses these same functions. What stays in data/ is what
// is about audio rather than arithmetic: librosa's window and mel filterbank formulas, musicnn's
// constants and patching (data/audio/spectrogram.h documents the semantics, element by element).
#pragma once
#include <cstdint>

#include "engine/cpu/fft.h"
#include "engine/dispatch.h"

namespace syn {

// Kernel slot for the whole log-mel. audio [n] and out [frames, n_mels] are device pointers of
// the slot's device; window (n_fft doubles), weights ([n_mels, n_fft/2+1]), band_lo/band_hi
// (n_mels each: a band's first nonzero bin and one past its last) are host arrays (the CUDA
// implementation keeps device copies). Frame t is centred on sample t·hop.
using MusicnnLogMelFn = void(const float* audio, int64_t n, float* out, int64_t frames,
                             int64_t n_fft, int64_t hop, const double* window, int64_t n_mels,
                             const float* weights, const int32_t* band_lo, const int32_t* band_hi);
extern Kernel<MusicnnLogMelFn> musicnn_log_mel_kernel;

// The slot's CPU implementation (frames in parallel).
void musicnn_log_mel_cpu(const float* audio, int64_t n, float* out, int64_t frames, int64_t n_fft,
                         int64_t hop, const double* window, int64_t n_mels, const float* weights,
                         const int32_t* band_lo, const int32_t* band_hi);

// ---- the pieces, shared with data/audio/spectrogram.cpp ----

// buf[k] = window[k] · x[start + k] (float64 window × float32 sample, as librosa) for k < n_fft;
// samples outside [0, n) are numpy's pad 'reflect' (the edge sample not repeated; longer pads
// keep reflecting) when `reflect`, else zero.
void windowed_frame(const float* x, int64_t n, int64_t start, int64_t n_fft, const double* window,
                    bool reflect, double* buf);
// The n_fft/2 + 1 float32 powers of a windowed frame, as librosa: a float64 FFT, the bins stored
// as complex64, |X| as float32 hypot, squared in float32. `buf` is overwritten by the transform;
// `spec` holds n_fft/2 + 1 bins of scratch.
void frame_power(const fft::RealFft& rfft, double* buf, fft::cd* spec, float* power);
// Σ_k w[k] · power[k] over one band's nonzero bins [lo, hi), accumulated in double.
float project_band(const float* w, int32_t lo, int32_t hi, const float* power);

// IEEE binary16 rounding (nearest, ties to even; overflow → inf; subnormals kept), returned as
// the float it represents: what numpy's astype(np.float16) does to a float32.
float round_to_float16(float x);
// musicnn's compression of one mel energy: log10(10000 · float16(x) + 1) in float32.
float musicnn_compress(float mel);

}  // namespace syn

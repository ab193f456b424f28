// spectrogram.cu — musicnn's log-mel on the GPU: framing + window, batched cuFFT (D2Z), power,
// mel projection, float16 rounding and log10(10000 x + 1).
//
// CPU reference: engine/ops/log_mel.cpp (musicnn_log_mel_cpu); same slot signature, same
// arithmetic wherever it decides a float32 result:
//   frames   float64 window × float32 sample (reflect padding, numpy's rule), as the CPU.
//   FFT      cuFFT double precision, then each bin rounded to complex64 as librosa stores it.
//            cuFFT and our CPU FFT differ by ~1e-16 relative, so the float32 bins agree except
//            in the rare case where that moves a rounding.
//   power    |X| = sqrt(re² + im²) in double rounded to float, squared in float. Products of two
//            floats are exact in double, so a fused multiply-add gives the same sum and nvcc's
//            default contraction cannot make the GPU differ from the CPU.
//   mel      Σ W·P over the band's bins, in double, in ascending bin order (same exactness
//            argument), rounded once to float.
//   float16  __float2half_rn (round to nearest even), the CPU's float_to_half.
//   log      log10 in double, rounded to float (the CPU uses glibc's log10f: within 1 float32
//            ulp of each other).
// Work is cut into chunks of kChunk frames so memory stays bounded (8 MB of buffers) for any
// clip length; one cuFFT plan (batch kChunk) per n_fft is created once and reused, the last
// chunk's missing frames are zero and never written out.
// Version: v1 only. A 30 s clip is 1,876 frames (~1 M transformed points): the work is tiny and
// launch-bound; timings not yet measured on a GPU.
#include <cuda_fp16.h>
#include <cufft.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <vector>

#include "engine/device.h"
#include "engine/ops/log_mel.h"
#include "kernels/cuda_check.h"
#include "kernels/kernel_helpers.cuh"
#include "kernels/spectrogram_cuda.h"

namespace syn::cuda_kernels {

namespace {

constexpr int64_t kChunk = 1024;
constexpr int kThreads = 256;

#define SYN_CUFFT_CHECK(call, what)                                                        \
  do {                                                                                     \
    cufftResult r_ = (call);                                                               \
    SYN_CHECK(r_ == CUFFT_SUCCESS, "cuFFT ", what, " failed (cufftResult ", (int)r_, ")"); \
  } while (0)

__device__ inline long long reflect_index(long long i, long long n) {
  if (n == 1) return 0;
  const long long period = 2 * (n - 1);
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - i;
}

// frames_buf[f, k] = window[k] · x[reflect(t·hop + k − n_fft/2)], t = t0 + f; zero past the end.
__global__ void frame_kernel(const float* __restrict__ x, long long n, double* __restrict__ out,
                             long long t0, long long frames, int n_fft, int hop,
                             const double* __restrict__ window) {
  const long long total = kChunk * (long long)n_fft;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;
       i += (long long)gridDim.x * blockDim.x) {
    const long long f = i / n_fft;
    const int k = (int)(i - f * n_fft);
    const long long t = t0 + f;
    double v = 0.0;
    if (t < frames) {
      const long long s = t * hop + k - n_fft / 2;
      v = window[k] * (double)x[(s >= 0 && s < n) ? s : reflect_index(s, n)];
    }
    out[i] = v;
  }
}

// out[t, m] for the chunk's frames: power → mel → float16 → log10(10000 h + 1).
__global__ void mel_log_kernel(const cufftDoubleComplex* __restrict__ spec, int bins, long long t0,
                               long long frames, int n_mels, const float* __restrict__ weights,
                               const int* __restrict__ lo, const int* __restrict__ hi,
                               float* __restrict__ out) {
  const long long rows = min((long long)kChunk, frames - t0);
  const long long total = rows * n_mels;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;
       i += (long long)gridDim.x * blockDim.x) {
    const long long f = i / n_mels;
    const int m = (int)(i - f * n_mels);
    const cufftDoubleComplex* s = spec + f * bins;
    const float* w = weights + (long long)m * bins;
    double acc = 0.0;
    for (int k = lo[m]; k < hi[m]; ++k) {
      const double re = (float)s[k].x, im = (float)s[k].y;  // complex64, as librosa stores it
      const float mag = (float)sqrt(re * re + im * im);
      const float p = __fmul_rn(mag, mag);
      acc += (double)w[k] * (double)p;
    }
    const float h = __half2float(__float2half_rn((float)acc));
    out[(t0 + f) * n_mels + m] = (float)log10((double)(10000.0f * h + 1.0f));
  }
}

// Grid-stride kernels over a chunk: at most 65536 blocks.
unsigned chunk_grid(long long n) { return grid_for(n, kThreads, 1 << 16); }

// Device copies of the host tables, re-uploaded only when their contents change.
struct Tables {
  std::vector<double> window;
  std::vector<float> weights;
  std::vector<int32_t> lo, hi;
  double* d_window = nullptr;
  float* d_weights = nullptr;
  int* d_lo = nullptr;
  int* d_hi = nullptr;
};

template <class T>
bool same(const std::vector<T>& v, const T* p, size_t n) {
  return v.size() == n && std::memcmp(v.data(), p, n * sizeof(T)) == 0;
}

template <class T>
T* upload(std::vector<T>& keep, const T* host, size_t n, T* old) {
  if (old) device_free(Device::CUDA, old);
  keep.assign(host, host + n);
  T* d = static_cast<T*>(device_alloc(Device::CUDA, n * sizeof(T)));
  device_copy(d, Device::CUDA, host, Device::CPU, n * sizeof(T));
  return d;
}

std::mutex& gpu_mutex() {
  static std::mutex mu;
  return mu;
}

Tables& tables_for(int64_t n_fft, int64_t n_mels, const double* window, const float* weights,
                   const int32_t* lo, const int32_t* hi) {
  static Tables t;  // lives for the process, like the cuFFT plans
  const size_t bins = (size_t)(n_fft / 2 + 1);
  if (!same(t.window, window, (size_t)n_fft))
    t.d_window = upload(t.window, window, (size_t)n_fft, t.d_window);
  if (!same(t.weights, weights, (size_t)n_mels * bins))
    t.d_weights = upload(t.weights, weights, (size_t)n_mels * bins, t.d_weights);
  if (!same(t.lo, lo, (size_t)n_mels)) t.d_lo = upload(t.lo, lo, (size_t)n_mels, t.d_lo);
  if (!same(t.hi, hi, (size_t)n_mels)) t.d_hi = upload(t.hi, hi, (size_t)n_mels, t.d_hi);
  return t;
}

cufftHandle plan_for(int n_fft) {
  static std::map<int, cufftHandle> plans;
  auto it = plans.find(n_fft);
  if (it != plans.end()) return it->second;
  cufftHandle plan;
  int n[1] = {n_fft};
  SYN_CUFFT_CHECK(cufftPlanMany(&plan, 1, n, nullptr, 1, n_fft, nullptr, 1, n_fft / 2 + 1,
                                CUFFT_D2Z, (int)kChunk),
                  str_cat("plan (D2Z, n_fft ", n_fft, ", batch ", kChunk, ")").c_str());
  plans[n_fft] = plan;
  return plan;
}

}  // namespace

void musicnn_log_mel(const float* audio, int64_t n, float* out, int64_t frames, int64_t n_fft,
                     int64_t hop, const double* window, int64_t n_mels, const float* weights,
                     const int32_t* band_lo, const int32_t* band_hi) {
  SYN_CHECK(n >= 1 && frames >= 1 && n_fft >= 2 && hop >= 1 && n_mels >= 1,
            "musicnn_log_mel (CUDA): invalid sizes: ", n, " samples, ", frames, " frames, n_fft ",
            n_fft, ", hop ", hop, ", ", n_mels, " mels");
  std::lock_guard<std::mutex> lock(gpu_mutex());  // the cached tables and plans are shared
  const int bins = (int)(n_fft / 2 + 1);
  Tables& tab = tables_for(n_fft, n_mels, window, weights, band_lo, band_hi);
  const cufftHandle plan = plan_for((int)n_fft);
  SYN_CUFFT_CHECK(cufftSetStream(plan, 0), "set stream");

  double* frames_buf =
      static_cast<double*>(device_alloc(Device::CUDA, (size_t)(kChunk * n_fft) * sizeof(double)));
  auto* spec = static_cast<cufftDoubleComplex*>(
      device_alloc(Device::CUDA, (size_t)(kChunk * bins) * sizeof(cufftDoubleComplex)));
  for (int64_t t0 = 0; t0 < frames; t0 += kChunk) {
    frame_kernel<<<chunk_grid(kChunk * n_fft), kThreads>>>(audio, n, frames_buf, t0, frames,
                                                           (int)n_fft, (int)hop, tab.d_window);
    SYN_CUDA_LAUNCH_CHECK("musicnn_log_mel frame_kernel (", frames, " frames)");
    SYN_CUFFT_CHECK(cufftExecD2Z(plan, frames_buf, spec), "exec D2Z");
    const long long rows = std::min<int64_t>(kChunk, frames - t0);
    mel_log_kernel<<<chunk_grid(rows * n_mels), kThreads>>>(spec, bins, t0, frames, (int)n_mels,
                                                            tab.d_weights, tab.d_lo, tab.d_hi, out);
    SYN_CUDA_LAUNCH_CHECK("musicnn_log_mel mel_log_kernel (", frames, " frames, ", n_mels,
                          " mels)");
  }
  // The caching allocator may hand these blocks out again; later work is queued behind ours on
  // the same stream, so no synchronisation is needed.
  device_free(Device::CUDA, spec);
  device_free(Device::CUDA, frames_buf);
}

// This file's kernels in their slots (engine/dispatch.h), installed on the first CUDA dispatch.
namespace {
const CudaKernelRegistrar registrar([] {
  register_cuda_kernel(syn::musicnn_log_mel_kernel, musicnn_log_mel);
});
}  // namespace

}  // namespace syn::cuda_kernels

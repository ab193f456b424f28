// augment.cu — CUDA implementation of the augment_batch slot (engine/ops/augment.h): CLMR's
// augmentation chain after the crop, for a whole batch of views, from per-view records drawn on
// the host. CPU reference: augment_batch_cpu (engine/ops/augment.cpp), whose arithmetic is
// engine/ops/augment_dsp.cpp and augment_pitch.cpp. Check: tests/test_cuda_augment.cpp (per
// transform against the CPU for the same records) and the op case "augment_batch ..."
// (tests/test_cuda_ops.cpp).
//
// Passes over the batch (rows ping-pong between the output and one scratch buffer; a row whose
// record skips a pass is copied):
//   pointwise  one block per view: mean and sum of squared deviations in double (two block
//              reductions, for the noise's std), then polarity, noise (counter-based normals,
//              augment_noise_normal: the same numbers as the CPU slot), gain with its clamp.
//   filter     the 4th-order Butterworth is a recursive IIR: each view is a sequential scan, one
//              thread per view, in double with the host's coefficients (no parallel scan: a
//              2nd-order recurrence's parallel scan needs 3x3 matrix products per step in double;
//              at 96 views x 59,049 samples the sequential scan is ~1 ms by estimate).
//   delay      elementwise, out of place.
//   pitch      one block per view. WSOLA: segments one after the other (each splice depends on
//              the previous one); within a segment the block scores the search window's
//              candidates in parallel (energies as the CPU's running sum, by one thread, so they
//              match bit for bit), an argmax with the CPU's tie rule, a parallel cross-fade and
//              copy. Then the polyphase table (513 rows, each normalised as on the CPU) and the
//              windowed-sinc resampling, one output sample per thread.
//   reverb     one block per view, 8 threads: in chunks of 256 samples each thread runs one comb
//              filter (the 8 are independent given the input), then thread 0 runs the 4 allpasses
//              in series and writes dry + wet. Delay lines in shared memory when they fit.
//
// Versions (not yet run on a GPU; no timings measured):
//   v1  the passes above.
// Agreement with the CPU: polarity, gain, delay and the filter use the CPU's operations (float
// results may differ in the last bit where nvcc contracts a*b+c into an FMA); the noise uses the
// same generator (logf/cosf/sqrtf differ by an ulp or two); pitch's correlations are summed in
// another order than the CPU's SIMD dot product, so a near-tie in the splice search can pick a
// neighbouring candidate (a local difference of the signal's size), and the resampler's dot
// products differ in rounding; reverb's float recurrences run in the CPU's order.
#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/ops/augment.h"
#include "engine/ops/augment_dsp.h"
#include "kernels/augment_cuda.h"
#include "kernels/cuda_check.h"
#include "kernels/kernel_helpers.cuh"

namespace syn::cuda_kernels {

namespace {

using i64 = long long;
constexpr int kThreads = 256;
constexpr int kReverbChunk = 256;

// ------------------------------------------------------------------------------ pointwise

__global__ void pointwise_kernel(const float* __restrict__ x, float* __restrict__ y, int L,
                                 const AugmentParams* __restrict__ params) {
  __shared__ double sh[32];
  const int b = blockIdx.x;
  const AugmentParams p = params[b];
  const float* xr = x + (i64)b * L;
  float* yr = y + (i64)b * L;
  float sigma = 0.0f;
  if (p.noise) {  // std after polarity = std before it (every deviation only changes sign)
    double s = 0.0;
    for (int i = threadIdx.x; i < L; i += blockDim.x) s += (double)xr[i];
    const double mean = block_sum(s, sh) / (double)L;
    double ss = 0.0;
    for (int i = threadIdx.x; i < L; i += blockDim.x) {
      const double d = (double)(p.polarity ? -xr[i] : xr[i]) - (p.polarity ? -mean : mean);
      ss += d * d;
    }
    ss = block_sum(ss, sh);
    sigma = L < 2 ? 0.0f : (float)((double)p.noise_ratio * sqrt(ss / (double)(L - 1)));
  }
  const float g = powf(10.0f, p.gain_db / 20.0f);
  for (int i = threadIdx.x; i < L; i += blockDim.x) {
    float v = xr[i];
    if (p.polarity) v = -v;
    if (p.noise) v += sigma * augment_noise_normal(p.noise_key, i);
    if (p.gain) v = fminf(1.0f, fmaxf(-1.0f, v * g));
    yr[i] = v;
  }
}

// -------------------------------------------------------------------------------- filter

__global__ void filter_kernel(float* y, int B, int L, const AugmentParams* __restrict__ params) {
  const int b = blockIdx.x * blockDim.x + threadIdx.x;
  if (b >= B || !params[b].filter) return;
  const double* c = params[b].filter_coef;
  const double k0 = c[0], k1 = c[1], k2 = c[2], k3 = c[3], k4 = c[4];
  const double m0 = c[5], m1 = c[6], m2 = c[7], m3 = c[8], m4 = c[9];
  double z1 = 0, z2 = 0, w1 = 0, w2 = 0;
  float* r = y + (i64)b * L;
  for (int i = 0; i < L; ++i) {
    const double in = r[i];
    const double u = k0 * in + z1;  // the CPU's Biquad::step, section 1 then 2
    z1 = k1 * in - k3 * u + z2;
    z2 = k2 * in - k4 * u;
    const double v = m0 * u + w1;
    w1 = m1 * u - m3 * v + w2;
    w2 = m2 * u - m4 * v;
    r[i] = (float)v;
  }
}

// --------------------------------------------------------------------------------- delay

__global__ void delay_kernel(const float* __restrict__ x, float* __restrict__ y, int L,
                             const AugmentParams* __restrict__ params) {
  const int b = blockIdx.y;
  const AugmentParams& p = params[b];
  const float* xr = x + (i64)b * L;
  float* yr = y + (i64)b * L;
  for (int t = blockIdx.x * blockDim.x + threadIdx.x; t < L; t += gridDim.x * blockDim.x) {
    if (!p.delay) {
      yr[t] = xr[t];
      continue;
    }
    const float echo = t >= p.delay_samples ? xr[t - p.delay_samples] : 0.0f;
    yr[t] = 0.5f * (xr[t] + p.delay_volume * echo);
  }
}

// --------------------------------------------------------------------------------- pitch

struct PitchDev {  // PitchGeometry as ints, per view (cents 0: the row is copied)
  int cents, w, taps, stretched_len, seg, ovl, search, hop_out;
  double ratio, fc, hop_in;
};

// WSOLA stretch of row x (n samples, zeros beyond) into s (stretched_len + seg floats).
__global__ void wsola_kernel(const float* __restrict__ x, float* __restrict__ s, int n,
                             i64 s_stride, const PitchDev* __restrict__ geo) {
  extern __shared__ unsigned char smem[];
  const int b = blockIdx.x;
  const PitchDev g = geo[b];
  if (g.cents == 0) return;
  const float* xr = x + (i64)b * n;
  float* out = s + (i64)b * s_stride;
  const int ovl = g.ovl, hop = g.hop_out, search = g.search;
  // shared: tail[ovl] floats, energy[search + 1] doubles
  double* energy = reinterpret_cast<double*>(smem);
  float* tail = reinterpret_cast<float*>(energy + (search + 1));
  __shared__ double best_score[kThreads];
  __shared__ int best_c[kThreads];
  auto at = [&](i64 i) { return i >= 0 && i < n ? xr[i] : 0.0f; };

  for (int i = threadIdx.x; i < hop; i += blockDim.x) out[i] = at(i);
  for (int i = threadIdx.x; i < ovl; i += blockDim.x) tail[i] = at(hop + i);
  __syncthreads();
  for (i64 k = 1, pos = hop; pos < g.stretched_len; ++k, pos += hop) {
    const i64 nominal = llround((double)k * g.hop_in);
    const i64 lo = nominal - search / 2 > 0 ? nominal - search / 2 : 0;
    if (threadIdx.x == 0) {  // the CPU's running energy, in its order
      double e = 0.0;
      for (int i = 0; i < ovl; ++i) e += (double)at(lo + i) * at(lo + i);
      for (int c = 0; c <= search; ++c) {
        energy[c] = e;
        const double leave = at(lo + c), enter = at(lo + c + ovl);
        e += enter * enter - leave * leave;
      }
    }
    __syncthreads();
    double bs = -INFINITY;
    int bc = -1;
    for (int c = threadIdx.x; c <= search; c += blockDim.x) {
      float d = 0.0f;
      for (int i = 0; i < ovl; ++i) d += tail[i] * at(lo + c + i);
      const double score = (double)d / sqrt(fmax(energy[c], 0.0) + 1e-12);
      if (score > bs) {  // ascending c within a thread: the first of equals is kept
        bs = score;
        bc = c;
      }
      if (score == bs && lo + c == nominal) bc = c;
    }
    best_score[threadIdx.x] = bs;
    best_c[threadIdx.x] = bc;
    __syncthreads();
    if (threadIdx.x == 0) {  // the CPU's rule: highest score; among equals nominal, else first
      double s0 = -INFINITY;
      int c0 = -1;
      for (int t = 0; t < (int)blockDim.x; ++t) {
        const int c = best_c[t];
        if (c < 0) continue;
        const double sc = best_score[t];
        const bool nom = lo + c == nominal, cur_nom = c0 >= 0 && lo + c0 == nominal;
        if (sc > s0 || (sc == s0 && (nom || (!cur_nom && c < c0)))) {
          s0 = sc;
          c0 = c;
        }
      }
      if (c0 < 0) c0 = (int)(min(max(nominal, lo), lo + (i64)search) - lo);
      best_c[0] = c0;
    }
    __syncthreads();
    const i64 best = lo + best_c[0];
    for (int i = threadIdx.x; i < hop; i += blockDim.x) {
      if (i < ovl) {
        const float wgt = (float)(i + 1) / (float)(ovl + 1);
        out[pos + i] = tail[i] * (1.0f - wgt) + at(best + i) * wgt;
      } else {
        out[pos + i] = at(best + i);
      }
    }
    __syncthreads();  // every thread has read tail
    for (int i = threadIdx.x; i < ovl; i += blockDim.x) tail[i] = at(best + hop + i);
    __syncthreads();
  }
}

// The CPU's unit_kernel_at: the float unit kernel g, linearly interpolated in float.
__device__ float unit_kernel_at(const float* __restrict__ g, double v) {
  v = fabs(v);
  if (v >= augment::dsp::kZeros) return 0.0f;
  const double pos = v * augment::dsp::kKernelRes;
  const int i = (int)pos;
  const float w = (float)(pos - (double)i);
  return g[i] + w * (g[i + 1] - g[i]);
}

// Row q of view b's polyphase table: taps weights for fractional position q / kPhases.
__global__ void polyphase_kernel(float* __restrict__ table, i64 table_stride,
                                 const float* __restrict__ unit, const PitchDev* __restrict__ geo) {
  const int b = blockIdx.y;
  const PitchDev g = geo[b];
  const int q = blockIdx.x * blockDim.x + threadIdx.x;
  if (g.cents == 0 || q > augment::dsp::kPhases) return;
  float* row = table + (i64)b * table_stride + (i64)q * g.taps;
  const double frac = (double)q / augment::dsp::kPhases;
  double sum = 0.0;
  for (int t = 0; t < g.taps; ++t) {
    const double u = (double)(t - (g.w - 1)) - frac;
    row[t] = unit_kernel_at(unit, u * g.fc);
    sum += row[t];
  }
  for (int t = 0; t < g.taps; ++t) row[t] = (float)(row[t] / sum);
}

// y[j] = taps-point dot product of the table row at j * ratio with the stretched signal (read
// as w zeros, s, zeros), clamped to [-1, 1]; rows without pitch are copied from x.
__global__ void resample_kernel(const float* __restrict__ x, const float* __restrict__ s,
                                i64 s_stride, const float* __restrict__ table, i64 table_stride,
                                float* __restrict__ y, int n, const PitchDev* __restrict__ geo) {
  const int b = blockIdx.y;
  const PitchDev g = geo[b];
  const float* sr = s + (i64)b * s_stride;
  const float* tb = table + (i64)b * table_stride;
  for (int j = blockIdx.x * blockDim.x + threadIdx.x; j < n; j += gridDim.x * blockDim.x) {
    if (g.cents == 0) {
      y[(i64)b * n + j] = x[(i64)b * n + j];
      continue;
    }
    const double p = (double)j * g.ratio;
    const i64 base = (i64)floor(p);
    const int q = (int)lround((p - (double)base) * augment::dsp::kPhases);
    float v = 0.0f;
    if (base <= g.stretched_len) {
      const float* row = tb + (i64)q * g.taps;
      for (int t = 0; t < g.taps; ++t) {
        const i64 k = base + 1 + t - g.w;  // index into s (sp has w leading zeros)
        v += row[t] * (k >= 0 && k < g.stretched_len ? sr[k] : 0.0f);
      }
    }
    y[(i64)b * n + j] = fminf(1.0f, fmaxf(-1.0f, v));
  }
}

// -------------------------------------------------------------------------------- reverb

struct ReverbDev {
  int on;
  float feedback, damping;
  int comb[8], allpass[4];
  int lines;  // floats of all delay lines
};

__global__ void reverb_kernel(const float* __restrict__ x, float* __restrict__ y, int L,
                              const ReverbDev* __restrict__ rv, float* __restrict__ global_lines,
                              i64 lines_stride, int lines_in_shared) {
  extern __shared__ float rsm[];
  const int b = blockIdx.x;
  const ReverbDev r = rv[b];
  const float* xr = x + (i64)b * L;
  float* yr = y + (i64)b * L;
  if (!r.on) {
    for (int i = threadIdx.x; i < L; i += blockDim.x) yr[i] = xr[i];
    return;
  }
  float* chunk = rsm;  // [8][kReverbChunk] comb outputs
  float* lines = lines_in_shared ? rsm + 8 * kReverbChunk : global_lines + (i64)b * lines_stride;
  for (int i = threadIdx.x; i < r.lines; i += blockDim.x) lines[i] = 0.0f;
  __syncthreads();
  // Comb c's line starts after the earlier combs'; the allpasses' after all combs'.
  const int c = threadIdx.x;
  int off = 0;
  for (int k = 0; k < c && k < 8; ++k) off += r.comb[k];
  float* line = lines + off;
  const int len = c < 8 ? r.comb[c] : 1;
  int pos = 0;
  float store = 0.0f;
  for (int t0 = 0; t0 < L; t0 += kReverbChunk) {
    const int n = min(kReverbChunk, L - t0);
    if (c < 8) {
      for (int i = 0; i < n; ++i) {
        const float in = xr[t0 + i];
        const float out = line[pos];
        store = out + (store - out) * r.damping;
        line[pos] = in + store * r.feedback;
        if (++pos == len) pos = 0;
        chunk[c * kReverbChunk + i] = out;
      }
    }
    __syncthreads();
    if (threadIdx.x == 0) {
      float* ap = lines;
      for (int k = 0; k < 8; ++k) ap += r.comb[k];
      // allpass positions persist across chunks in the shared scalars below
      __shared__ int ap_pos[4];
      if (t0 == 0)
        for (int a = 0; a < 4; ++a) ap_pos[a] = 0;
      for (int i = 0; i < n; ++i) {
        float wet = 0.0f;
        for (int k = 0; k < 8; ++k) wet += chunk[k * kReverbChunk + i];
        float* apl = ap;
        for (int a = 0; a < 4; ++a) {
          const float out = apl[ap_pos[a]];
          apl[ap_pos[a]] = wet + out * augment::dsp::kAllpassFeedback;
          wet = out - wet;
          if (++ap_pos[a] == r.allpass[a]) ap_pos[a] = 0;
          apl += r.allpass[a];
        }
        const float v = xr[t0 + i] + augment::dsp::kWetGain * wet;
        yr[t0 + i] = fminf(1.0f, fmaxf(-1.0f, v));
      }
    }
    __syncthreads();
  }
}

// ----------------------------------------------------------------------------- host side

template <class T>
T* upload(const std::vector<T>& v, Scratch& s) {
  SYN_CUDA_CHECK(cudaMemcpy(s.p, v.data(), v.size() * sizeof(T), cudaMemcpyHostToDevice),
                 "augment_batch: upload");
  return s.as<T>();
}

const float* device_unit_kernel() {
  static float* d = [] {
    const std::vector<float>& g = augment::pitch_unit_kernel();
    float* p = static_cast<float*>(syn::cuda::malloc_bytes(g.size() * sizeof(float)));
    SYN_CUDA_CHECK(cudaMemcpy(p, g.data(), g.size() * sizeof(float), cudaMemcpyHostToDevice),
                   "augment_batch: unit kernel upload");
    return p;  // kept for the process: 16 KB
  }();
  return d;
}

}  // namespace

void augment_batch(const float* x, float* y, int64_t batch, int64_t length,
                   const AugmentParams* params, float sample_rate) {
  if (batch == 0 || length == 0) return;
  SYN_CHECK(length < (int64_t)1 << 30 && batch < (int64_t)1 << 20, "augment_batch: ", batch, " x ",
            length, " exceeds the CUDA kernels' index range");
  const int B = (int)batch, L = (int)length;
  std::vector<AugmentParams> host(params, params + B);
  Scratch d_params(sizeof(AugmentParams) * B);
  const AugmentParams* dp = upload(host, d_params);
  Scratch tmp_buf(sizeof(float) * (size_t)B * L);
  float* tmp = tmp_buf.as<float>();

  // y <- pointwise(x); filter in place; delay y -> tmp. `cur` holds the running row.
  pointwise_kernel<<<B, kThreads>>>(x, y, L, dp);
  SYN_CUDA_LAUNCH_CHECK("augment pointwise");
  filter_kernel<<<(unsigned)ceil_div(B, 128), 128>>>(y, B, L, dp);
  SYN_CUDA_LAUNCH_CHECK("augment filter");
  const dim3 rows_grid((unsigned)std::min<long long>(ceil_div(L, kThreads), 64), (unsigned)B);
  delay_kernel<<<rows_grid, kThreads>>>(y, tmp, L, dp);
  SYN_CUDA_LAUNCH_CHECK("augment delay");

  // Pitch: tmp -> y.
  std::vector<PitchDev> geo((size_t)B);
  i64 s_stride = 1, table_stride = 1;
  int max_search = 0, max_ovl = 0;
  bool any_pitch = false;
  for (int b = 0; b < B; ++b) {
    PitchDev& g = geo[(size_t)b];
    g = PitchDev{};
    g.cents = host[(size_t)b].pitch_cents;
    if (g.cents == 0) continue;
    SYN_CHECK(g.cents >= -2400 && g.cents <= 2400, "pitch_shift: ", g.cents,
              " cents is outside ±2 octaves");
    const augment::PitchGeometry pg = augment::pitch_geometry(g.cents, sample_rate, length);
    g.w = (int)pg.w;
    g.taps = (int)pg.taps;
    g.stretched_len = (int)pg.stretched_len;
    g.seg = (int)pg.seg;
    g.ovl = (int)pg.ovl;
    g.search = (int)pg.search;
    g.hop_out = (int)pg.hop_out;
    g.ratio = pg.ratio;
    g.fc = pg.fc;
    g.hop_in = pg.hop_in;
    s_stride = std::max<i64>(s_stride, pg.stretched_len + pg.seg);
    table_stride = std::max<i64>(table_stride, (i64)(augment::dsp::kPhases + 1) * pg.taps);
    max_search = std::max(max_search, g.search);
    max_ovl = std::max(max_ovl, g.ovl);
    any_pitch = true;
  }
  if (any_pitch) {
    Scratch d_geo(sizeof(PitchDev) * B), s_buf(sizeof(float) * (size_t)B * s_stride),
        t_buf(sizeof(float) * (size_t)B * table_stride);
    const PitchDev* dg = upload(geo, d_geo);
    const size_t wsola_smem = sizeof(double) * (max_search + 1) + sizeof(float) * max_ovl;
    if (wsola_smem > 48 * 1024)
      SYN_CUDA_CHECK(cudaFuncSetAttribute(wsola_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                          (int)wsola_smem),
                     "augment wsola: shared memory of ", wsola_smem, " bytes");
    wsola_kernel<<<B, kThreads, wsola_smem>>>(tmp, s_buf.as<float>(), L, s_stride, dg);
    SYN_CUDA_LAUNCH_CHECK("augment wsola");
    polyphase_kernel<<<dim3((unsigned)ceil_div(augment::dsp::kPhases + 1, 128), (unsigned)B),
                       128>>>(t_buf.as<float>(), table_stride, device_unit_kernel(), dg);
    SYN_CUDA_LAUNCH_CHECK("augment polyphase");
    resample_kernel<<<rows_grid, kThreads>>>(tmp, s_buf.as<float>(), s_stride, t_buf.as<float>(),
                                             table_stride, y, L, dg);
    SYN_CUDA_LAUNCH_CHECK("augment resample");
  } else {
    SYN_CUDA_CHECK(cudaMemcpyAsync(y, tmp, sizeof(float) * (size_t)B * L, cudaMemcpyDeviceToDevice),
                   "augment_batch: copy");
  }

  // Reverb: y -> tmp, then tmp -> y.
  std::vector<ReverbDev> rv((size_t)B);
  int max_lines = 1;
  bool any_reverb = false;
  for (int b = 0; b < B; ++b) {
    const AugmentParams& p = host[(size_t)b];
    ReverbDev& r = rv[(size_t)b];
    r = ReverbDev{};
    if (!p.reverb) continue;
    const augment::ReverbTank t =
        augment::reverb_tank({p.reverberance, p.hf_damping, p.room_scale}, sample_rate);
    r.on = 1;
    r.feedback = t.feedback;
    r.damping = t.damping;
    r.lines = 0;
    for (int k = 0; k < 8; ++k) r.lines += (r.comb[k] = t.comb[(size_t)k]);
    for (int k = 0; k < 4; ++k) r.lines += (r.allpass[k] = t.allpass[(size_t)k]);
    max_lines = std::max(max_lines, r.lines);
    any_reverb = true;
  }
  if (any_reverb) {
    Scratch d_rv(sizeof(ReverbDev) * B);
    const ReverbDev* dr = upload(rv, d_rv);
    const size_t chunk_bytes = sizeof(float) * 8 * kReverbChunk;
    const size_t lines_bytes = sizeof(float) * (size_t)max_lines;
    const bool in_shared = chunk_bytes + lines_bytes <= 96 * 1024;
    Scratch g_lines(in_shared ? 0 : lines_bytes * B);
    const size_t smem = chunk_bytes + (in_shared ? lines_bytes : 0);
    if (smem > 48 * 1024)
      SYN_CUDA_CHECK(cudaFuncSetAttribute(reverb_kernel,
                                          cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem),
                     "augment reverb: shared memory of ", smem, " bytes");
    reverb_kernel<<<B, 32, smem>>>(y, tmp, L, dr, g_lines.as<float>(), max_lines, in_shared);
    SYN_CUDA_LAUNCH_CHECK("augment reverb");
    SYN_CUDA_CHECK(cudaMemcpyAsync(y, tmp, sizeof(float) * (size_t)B * L, cudaMemcpyDeviceToDevice),
                   "augment_batch: copy");
  }
  // The scratch buffers go back to the caching allocator here; its frees are stream-ordered.
}

namespace {
const CudaKernelRegistrar registrar([] {
  register_cuda_kernel(syn::augment_batch_kernel, syn::cuda_kernels::augment_batch);
});
}  // namespace

}  // namespace syn::cuda_kernels

// conv1d.cpp — conv1d: forward, gradient rule, and the CPU kernels as implicit GEMMs.
//
// With kk = (ci, k) and j = (b, t), the convolution is the GEMM y[co, j] = W[co, kk] X[kk, j]
// where X is the im2col matrix X[(ci,k), (b,t)] = x[b, ci, t*stride + k - padding]. X is never
// built: the GEMM's packing callback gathers each KC x NR block of it straight from x, so the
// working set is the GEMM's own cache-sized buffers and nothing proportional to the batch.
//   forward          y  = W  . X(x)                      M = Cout, N = B*Lout, depth = Cin*K
//   backward data    stride 1: dx = W' . X(dy) with the taps flipped and padding K-1-p (a "full"
//                    convolution)                        M = Cin,  N = B*L,    depth = Cout*K
//                    stride > 1: dcol = W^T . dy, then col2im, a few batch items at a time
//   backward weight  dW = dy . X(x)^T                  M = Cout, N = Cin*K, depth = B*Lout
//                    long items: each thread takes a share of the positions and runs plain
//                    GEMMs on transposed copies of dy and x (see weight_grad_transposed);
//                    short items: one GEMM packed straight from dy and x.
// A GEMM narrower than a micro-tile (tiny Lout) is solved transposed inside gemm_run.
#include "engine/ops/conv1d.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "engine/autograd.h"
#include "engine/cpu/gemm.h"
#include "engine/parallel.h"

namespace syn {

namespace {

using cpu::GemmProblem;

// A signal s [B, C, L] seen through im2col with K taps: S((b,t), (c,k)) =
// s[b, c, t*stride + k - pad], zero outside [0, L); t ranges over `cols` positions per item.
struct Signal {
  const float* s;
  int64_t C, L, K, stride, pad, cols;
  const float* row(int64_t b, int64_t c) const { return s + (b * C + c) * L; }
};

// d[i] = s[i] for i < n, for the short runs of small-Lout layers. (A plain copy loop becomes a
// memcpy call; adding +0.0f, which only turns -0 into +0, keeps it an inline vector loop.)
inline void copy_short(float* __restrict d, const float* __restrict s, int64_t n) {
  for (int64_t i = 0; i < n; ++i) d[i] = s[i] + 0.0f;
}

// d[i] = row[pos0 + i*stride] for i < n; zero where the position is outside [0, L).
inline void gather(float* __restrict d, const float* __restrict row, int64_t pos0, int64_t n,
                   int64_t stride, int64_t L) {
  if (stride == 1 && pos0 >= 0 && pos0 + n <= L) {  // the common case: all inside
    const cpu::GemmKernels& gk = cpu::gemm_kernels();
    if (n == gk.nr) {  // a whole strip: the level's vector copy
      // The next strips read this row further on: ask for it now (the packer walks ~C*K rows
      // one strip at a time, more streams than the hardware prefetcher follows).
      __builtin_prefetch(row + pos0 + 64);
      gk.copy_strip(d, row + pos0);
    } else {
      copy_short(d, row + pos0, n);
    }
    return;
  }
  // Edges (padding): select loops (separate zero-fill loops would become memset calls), with
  // stride 1 only over the few padded ends and a copy of the inside between them.
  auto select = [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const int64_t pos = pos0 + i * stride;
      d[i] = pos >= 0 && pos < L ? row[pos] : 0.0f;
    }
  };
  if (stride != 1) return select(0, n);
  const int64_t lo = std::clamp<int64_t>(-pos0, 0, n), hi = std::clamp<int64_t>(L - pos0, lo, n);
  select(0, lo);
  copy_short(d + lo, row + pos0 + lo, hi - lo);
  select(hi, n);
}

// A run of consecutive flattened (b, t) indices inside one batch item.
struct Seg {
  int64_t at, run, b, t0;
};

void split_items(int64_t j0, int64_t n, int64_t cols, std::vector<Seg>& segs) {
  segs.clear();
  for (int64_t at = 0; at < n;) {
    int64_t j = j0 + at, b = j / cols, t = j % cols, run = std::min(n - at, cols - t);
    segs.push_back({at, run, b, t});
    at += run;
  }
}

// Packer for the im2col matrix in the "columns" role: strips over (b, t), depth over (c, k).
void pack_im2col(const Signal& sg, int64_t x0, int64_t nx, int64_t k0, int64_t kc, int64_t w,
                 float* dst) {
  thread_local std::vector<Seg> segs;
  for (int64_t s = 0; s * w < nx; ++s, dst += kc * w) {
    const int64_t cnt = std::min(w, nx - s * w);
    split_items(x0 + s * w, cnt, sg.cols, segs);
    int64_t c = k0 / sg.K, tap = k0 % sg.K;  // (c, tap) of depth row k, stepped along
    for (int64_t k = 0; k < kc; ++k) {
      float* d = dst + k * w;
      for (const Seg& g : segs)
        gather(d + g.at, sg.row(g.b, c), g.t0 * sg.stride + tap - sg.pad, g.run, sg.stride, sg.L);
      for (int64_t r = cnt; r < w; ++r) d[r] = 0.0f;
      if (++tap == sg.K) tap = 0, ++c;
    }
  }
}

// Packer for the transposed im2col matrix: strips over (c, k), depth over (b, t).
void pack_im2col_t(const Signal& sg, int64_t x0, int64_t nx, int64_t k0, int64_t kc, int64_t w,
                   float* dst) {
  thread_local std::vector<Seg> segs;
  thread_local std::vector<float> line;
  split_items(k0, kc, sg.cols, segs);
  line.resize((size_t)kc);
  for (int64_t s = 0; s * w < nx; ++s, dst += kc * w) {
    const int64_t cnt = std::min(w, nx - s * w);
    for (int64_t r = 0; r < w; ++r) {
      if (r < cnt) {
        const int64_t kk = x0 + s * w + r, c = kk / sg.K, tap = kk - c * sg.K;
        for (const Seg& g : segs)
          gather(line.data() + g.at, sg.row(g.b, c), g.t0 * sg.stride + tap - sg.pad, g.run,
                 sg.stride, sg.L);
        const float* src = line.data();
        for (int64_t k = 0; k < kc; ++k) dst[k * w + r] = src[k];
      } else {
        for (int64_t k = 0; k < kc; ++k) dst[k * w + r] = 0.0f;
      }
    }
  }
}

cpu::GemmPack im2col_packer(const Signal& sg) {
  return [sg](int64_t x0, int64_t nx, int64_t k0, int64_t kc, int64_t w, float* dst) {
    pack_im2col(sg, x0, nx, k0, kc, w, dst);
  };
}
cpu::GemmPack im2col_t_packer(const Signal& sg) {
  return [sg](int64_t x0, int64_t nx, int64_t k0, int64_t kc, int64_t w, float* dst) {
    pack_im2col_t(sg, x0, nx, k0, kc, w, dst);
  };
}
cpu::GemmPack strided_packer(const float* p, int64_t stride_x, int64_t stride_k) {
  return [=](int64_t x0, int64_t nx, int64_t k0, int64_t kc, int64_t w, float* dst) {
    cpu::gemm_pack_strided(p, stride_x, stride_k, x0, nx, k0, kc, w, dst);
  };
}

// The packer for the im2col matrix of sg over B items. Very short items (several item boundaries
// in every strip) are first materialised as a plain [C*K, B*cols] matrix in `storage` (small for
// such layers) and packed by plain copies; long ones are gathered block by block.
cpu::GemmPack im2col_operand(const Signal& sg, int64_t B, std::unique_ptr<float[]>& storage) {
  const int64_t rows = sg.C * sg.K, n = B * sg.cols;
  if (sg.cols >= 24 || rows * n > (int64_t{1} << 21)) return im2col_packer(sg);
  storage.reset(new float[(size_t)(rows * n)]);
  float* X = storage.get();
  parallel_for(rows, 16, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const int64_t c = r / sg.K, tap = r % sg.K;
      for (int64_t b = 0; b < B; ++b)
        gather(X + r * n + b * sg.cols, sg.row(b, c), tap - sg.pad, sg.cols, sg.stride, sg.L);
    }
  });
  return strided_packer(X, 1, n);
}

// Output [B, R, cols] seen as an R x (B*cols) matrix.
cpu::GemmOut batched_out(float* c, int64_t R, int64_t cols) {
  cpu::GemmOut o;
  o.c = c;
  o.rows.stride = cols;
  o.cols = cpu::GemmAxis{1, cols, R * cols};
  return o;
}

void conv1d_forward_cpu(const Conv1dShape& s, const float* x, const float* w, const float* bias,
                        float* y) {
  GemmProblem p;
  p.M = s.Cout, p.N = s.B * s.Lout, p.K = s.Cin * s.K;
  p.pack_a = strided_packer(w, s.Cin * s.K, 1);
  std::unique_ptr<float[]> xcol;
  p.pack_b = im2col_operand(Signal{x, s.Cin, s.L, s.K, s.stride, s.padding, s.Lout}, s.B, xcol);
  p.out = batched_out(y, s.Cout, s.Lout);
  p.row_bias = bias;
  cpu::gemm_run(p);
}

void conv1d_backward_data_cpu(const Conv1dShape& s, const float* dy, const float* w, float* dx) {
  const int64_t CinK = s.Cin * s.K;
  if (s.stride == 1) {
    // dx[b, ci, l] = sum_{co, k'} W[co, ci, K-1-k'] dy[b, co, l + k' - (K-1-p)]: the A
    // operand E(ci, (co, k')) is read from w with the taps flipped.
    const int64_t CoutK = s.Cout * s.K;
    const Conv1dShape g = s;
    cpu::GemmPack pack_flipped = [g, w](int64_t x0, int64_t nx, int64_t k0, int64_t kc, int64_t wd,
                                        float* dst) {
      for (int64_t st = 0; st * wd < nx; ++st, dst += kc * wd) {
        const int64_t cnt = std::min(wd, nx - st * wd), ci0 = x0 + st * wd;
        for (int64_t k = 0; k < kc; ++k) {
          const int64_t kk = k0 + k, co = kk / g.K, tap = kk - co * g.K;
          const float* src = w + (co * g.Cin + ci0) * g.K + (g.K - 1 - tap);
          float* d = dst + k * wd;
          for (int64_t r = 0; r < cnt; ++r) d[r] = src[r * g.K];
          for (int64_t r = cnt; r < wd; ++r) d[r] = 0.0f;
        }
      }
    };
    GemmProblem p;
    p.M = s.Cin, p.N = s.B * s.L, p.K = CoutK;
    p.pack_a = pack_flipped;
    std::unique_ptr<float[]> dycol;
    p.pack_b =
        im2col_operand(Signal{dy, s.Cout, s.Lout, s.K, 1, s.K - 1 - s.padding, s.L}, s.B, dycol);
    p.out = batched_out(dx, s.Cin, s.L);
    cpu::gemm_run(p);
    return;
  }
  // Strided: dcol[(ci,k), (b,t)] = sum_co W[co, (ci,k)] dy[b, co, t], then scatter-add each
  // column into dx. A few items at a time keep the dcol buffer bounded (<= 32 MiB).
  std::fill(dx, dx + s.B * s.Cin * s.L, 0.0f);
  const int64_t per_chunk =
      std::clamp<int64_t>((int64_t{1} << 23) / std::max<int64_t>(1, CinK * s.Lout), 1, s.B);
  std::vector<float> dcol((size_t)(CinK * per_chunk * s.Lout));
  for (int64_t b0 = 0; b0 < s.B; b0 += per_chunk) {
    const int64_t nb = std::min(per_chunk, s.B - b0), n = nb * s.Lout;
    GemmProblem p;
    p.M = CinK, p.N = n, p.K = s.Cout;
    p.pack_a = strided_packer(w, 1, CinK);
    p.pack_b = im2col_packer(Signal{dy + b0 * s.Cout * s.Lout, s.Cout, s.Lout, 1, 1, 0, s.Lout});
    p.out = cpu::gemm_out_plain(dcol.data(), n);
    cpu::gemm_run(p);
    parallel_for(nb * s.Cin, 4, [&](int64_t lo, int64_t hi) {
      for (int64_t task = lo; task < hi; ++task) {
        const int64_t bl = task / s.Cin, ci = task % s.Cin;
        float* dxr = dx + ((b0 + bl) * s.Cin + ci) * s.L;
        for (int64_t k = 0; k < s.K; ++k) {
          const float* src = dcol.data() + (ci * s.K + k) * n + bl * s.Lout;
          for (int64_t t = 0; t < s.Lout; ++t) {
            const int64_t pos = t * s.stride + k - s.padding;
            if (pos >= 0 && pos < s.L) dxr[pos] += src[t];
          }
        }
      }
    });
  }
}

// sum of n floats, in 16 independent lanes so the compiler vectorises it
float sum_floats(const float* p, int64_t n) {
  float lane[16] = {};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int q = 0; q < 16; ++q) lane[q] += p[i + q];
  float total = 0.0f;
  for (; i < n; ++i) total += p[i];
  for (int q = 0; q < 16; ++q) total += lane[q];
  return total;
}

// dW for long items, as plain GEMMs on transposed copies. For positions [t0, t1) of item b:
//   dyT[t][co]  = dy[b, co, t]                      (t - t0 rows of Cout)
//   xT[r][ci]   = x[b, ci, t0*stride - pad + r]     (zero outside [0, L))
// and with columns ordered (k, ci), X(t, (k, ci)) = xT[(t - t0)*stride + k][ci] is the plain
// strided matrix xT + t*stride*Cin + (k*Cin + ci): the K taps are overlapping views of one
// transposed copy, so x is transposed once instead of packed K times. Each thread takes a
// contiguous share of the B*Lout positions, in chunks of kChunk, into a private
// [Cout, K*Cin] sum; the sums are then added and reordered into dw [Cout, Cin, K].
void weight_grad_transposed(const Conv1dShape& s, const float* x, const float* dy, float* dw) {
  constexpr int64_t kChunk = 512;  // positions per GEMM: dyT and xT stay within L2
  const int64_t T = num_threads(), D = s.B * s.Lout, KCin = s.K * s.Cin;
  std::vector<std::vector<float>> part((size_t)T);
  parallel_for(T, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t th = lo; th < hi; ++th) {
      std::vector<float>& acc = part[(size_t)th];
      acc.assign((size_t)(s.Cout * KCin), 0.0f);
      std::vector<float> dyT((size_t)(kChunk * s.Cout));
      std::vector<float> xT((size_t)(((kChunk - 1) * s.stride + s.K) * s.Cin));
      const int64_t d1 = D * (th + 1) / T;
      for (int64_t d = D * th / T; d < d1;) {
        const int64_t b = d / s.Lout, t0 = d % s.Lout;
        const int64_t n = std::min({kChunk, s.Lout - t0, d1 - d});
        d += n;
        cpu::transpose(dy + (b * s.Cout) * s.Lout + t0, s.Lout, dyT.data(), s.Cout, s.Cout, n);
        // xT rows r = 0 .. R-1 hold positions p0 + r; only [lo_r, hi_r) lie inside x
        const int64_t R = (n - 1) * s.stride + s.K, p0 = t0 * s.stride - s.padding;
        const int64_t lo_r = std::clamp<int64_t>(-p0, 0, R);
        const int64_t hi_r = std::clamp<int64_t>(s.L - p0, lo_r, R);
        std::fill(xT.begin(), xT.begin() + lo_r * s.Cin, 0.0f);
        std::fill(xT.begin() + hi_r * s.Cin, xT.begin() + R * s.Cin, 0.0f);
        if (hi_r > lo_r)
          cpu::transpose(x + b * s.Cin * s.L + p0 + lo_r, s.L, xT.data() + lo_r * s.Cin, s.Cin,
                         s.Cin, hi_r - lo_r);
        GemmProblem p;
        p.M = s.Cout, p.N = KCin, p.K = n;
        p.pack_a = strided_packer(dyT.data(), 1, s.Cout);
        p.pack_b = strided_packer(xT.data(), 1, s.stride * s.Cin);
        p.out = cpu::gemm_out_plain(acc.data(), KCin);
        p.beta = 1.0f;
        cpu::gemm_run_serial(p);
      }
    }
  });
  parallel_for(s.Cout, 8, [&](int64_t lo, int64_t hi) {
    for (int64_t co = lo; co < hi; ++co)
      for (int64_t k = 0; k < s.K; ++k)
        for (int64_t ci = 0; ci < s.Cin; ++ci) {
          float v = 0.0f;
          for (int64_t th = 0; th < T; ++th)
            v += part[(size_t)th][(size_t)(co * KCin + k * s.Cin + ci)];
          dw[(co * s.Cin + ci) * s.K + k] = v;
        }
  });
}

void conv1d_backward_weight_cpu(const Conv1dShape& s, const float* x, const float* dy, float* dw,
                                float* dbias) {
  if (dw) {
    const int64_t T = num_threads();
    if (s.Lout >= 256 && s.B * s.Lout >= T * 256 && s.Cin * s.K >= 16) {
      weight_grad_transposed(s, x, dy, dw);
    } else {
      // Short items: one GEMM over all B*Lout positions, packed straight from x and dy.
      GemmProblem p;
      p.M = s.Cout, p.N = s.Cin * s.K, p.K = s.B * s.Lout;
      p.pack_a = im2col_t_packer(Signal{dy, s.Cout, s.Lout, 1, 1, 0, s.Lout});
      p.pack_b = im2col_t_packer(Signal{x, s.Cin, s.L, s.K, s.stride, s.padding, s.Lout});
      p.out = cpu::gemm_out_plain(dw, s.Cin * s.K);
      p.allow_split_k = true;
      cpu::gemm_run(p);
    }
  }
  if (dbias) {
    parallel_for(s.Cout, 8, [&](int64_t lo, int64_t hi) {
      for (int64_t co = lo; co < hi; ++co) {
        double total = 0;
        for (int64_t b = 0; b < s.B; ++b)
          total += sum_floats(dy + (b * s.Cout + co) * s.Lout, s.Lout);
        dbias[co] = (float)total;
      }
    });
  }
}

}  // namespace

Kernel<Conv1dForwardFn> conv1d_forward_kernel{"conv1d_forward", conv1d_forward_cpu};
Kernel<Conv1dBackwardDataFn> conv1d_backward_data_kernel{"conv1d_backward_data",
                                                         conv1d_backward_data_cpu};
Kernel<Conv1dBackwardWeightFn> conv1d_backward_weight_kernel{"conv1d_backward_weight",
                                                             conv1d_backward_weight_cpu};

namespace ops {

Tensor conv1d(const Tensor& x, const Tensor& w, const Tensor& bias, int64_t stride,
              int64_t padding) {
  SYN_CHECK(x.defined() && w.defined(), "conv1d: undefined input or weight");
  SYN_CHECK(x.dim() == 3, "conv1d: input must be [B, Cin, L], got ", x.describe());
  SYN_CHECK(w.dim() == 3, "conv1d: weight must be [Cout, Cin, K], got ", w.describe());
  SYN_CHECK(x.size(1) == w.size(1), "conv1d: input ", x.describe(), " has ", x.size(1),
            " channels but weight ", w.describe(), " expects ", w.size(1));
  SYN_CHECK(stride >= 1 && padding >= 0, "conv1d: stride ", stride, " must be >= 1 and padding ",
            padding, " >= 0");
  SYN_CHECK(x.device() == w.device(), "conv1d: input ", x.describe(), " and weight ", w.describe(),
            " are on different devices");
  Conv1dShape s;
  s.B = x.size(0), s.Cin = x.size(1), s.L = x.size(2);
  s.Cout = w.size(0), s.K = w.size(2), s.stride = stride, s.padding = padding;
  SYN_CHECK(s.K >= 1 && s.L + 2 * padding >= s.K, "conv1d: kernel ", w.describe(),
            " is longer than the padded input ", x.describe(), " (padding ", padding, ")");
  s.Lout = (s.L + 2 * padding - s.K) / stride + 1;
  if (bias.defined()) {
    SYN_CHECK(bias.dim() == 1 && bias.size(0) == s.Cout, "conv1d: bias ", bias.describe(),
              " does not match weight ", w.describe());
    SYN_CHECK(bias.device() == x.device(), "conv1d: bias ", bias.describe(), " and input ",
              x.describe(), " are on different devices");
  }
  const Device dev = x.device();
  Tensor y = Tensor::empty({s.B, s.Cout, s.Lout}, dev);
  conv1d_forward_kernel.on(dev)(s, x.data(), w.data(), bias.defined() ? bias.data() : nullptr,
                                y.data());
  Tensor sx = x.detach(), sw = w.detach();
  record(y, "conv1d", {x, w, bias}, [s, sx, sw](const Tensor& g, const std::vector<bool>& needs) {
    const Device d = sx.device();
    Tensor dx, dw, db;
    if (needs[0]) {
      dx = Tensor::empty(sx.shape(), d);
      conv1d_backward_data_kernel.on(d)(s, g.data(), sw.data(), dx.data());
    }
    if (needs[1]) dw = Tensor::empty(sw.shape(), d);
    if (needs[2]) db = Tensor::empty({s.Cout}, d);
    if (needs[1] || needs[2])
      conv1d_backward_weight_kernel.on(d)(s, sx.data(), g.data(), needs[1] ? dw.data() : nullptr,
                                          needs[2] ? db.data() : nullptr);
    return std::vector<Tensor>{dx, dw, db};
  });
  return y;
}

}  // namespace ops
}  // namespace syn

// conv2d.cpp — conv2d: forward, gradient rule, padding helpers, and the CPU kernels as GEMMs.
//
// With depth kk = (ci, i, j) (Kd = Cin*kh*kw of them) and position q = (b, oh, ow) (P =
// Hout*Wout per image), the convolution is the GEMM y[co, q] = W[co, kk] X[kk, q], X the im2col
// matrix X[(ci,i,j), (b,oh,ow)] = x[b, ci, oh*sh + i - top, ow*sw + j - left] (zero outside x).
//   forward          y = W . X(x)            M = Cout, N = B*P, depth Kd. X is never built: the
//                    GEMM's packing callback gathers each block of it straight from x.
//   backward data    dcol = W^T . dy         (Kd x nb*P), then col2im adds the columns back into
//                    dx. Same flops as the forward whatever the kernel size (the "full
//                    convolution" alternative conv1d uses would spend ~10x more on musicnn's
//                    [7, 86] kernel over a 96-wide input, almost all of it on padding).
//   backward weight  dW = dy . X^T            M = Cout, N = Kd, depth nb*P, X materialised for
//                    nb images at a time, accumulated over the chunks (beta = 1).
// Chunks of nb images keep the dcol / X buffers at most kChunkFloats (16 MiB).
//
// Two layouts of X. Along a row of X (fixed tap, consecutive positions) x is contiguous for
// runs of Wout values; along a column (fixed position, consecutive taps j) for runs of kw
// values. Gathers are fast only on long runs, so when kw > Wout — musicnn's [7, 86] kernel over
// 96 bands (Wout = 11) and its mid-end [7, 561] over 561 (Wout = 1) — the "tap-major" layout is
// used: the forward packs X by columns (then transposes the small tile), the weight gradient
// builds X^T [nb*P, Kd], and the data gradient computes dcol^T = dy^T . W [nb*P, Kd] so that
// col2im adds contiguous runs of kw.
//
// 3x3 kernels with padding 1 and stride 1 or 2 (the U-Net's) whose channel counts suit the
// level's vectors take the direct path instead (engine/cpu/conv3x3.h): with 32-128 output channels
// each im2col element feeds few flops and packing cost ~40 % of the time.
#include "engine/ops/conv2d.h"

#include <algorithm>
#include <vector>

#include "engine/autograd.h"
#include "engine/cpu/conv3x3.h"
#include "engine/cpu/gemm.h"
#include "engine/parallel.h"

namespace syn {

namespace {

using cpu::GemmProblem;

constexpr int64_t kChunkFloats = int64_t{1} << 22;

// A signal s [B, C, H, W] seen through im2col with a kh x kw kernel (see the top of the file).
struct Signal2d {
  const float* s;
  int64_t C, H, W, kh, kw, sh, sw, top, left, Hout, Wout;
  int64_t P() const { return Hout * Wout; }
  const float* plane(int64_t b, int64_t c) const { return s + (b * C + c) * H * W; }
};

Signal2d input_signal(const Conv2dShape& s, const float* x) {
  return {x, s.Cin, s.H, s.W, s.kh, s.kw, s.sh, s.sw, s.top, s.left, s.Hout, s.Wout};
}

// d[i] = s[i] for i < n. (A plain copy loop becomes a memcpy call; adding +0.0f keeps it an
// inline vector loop, which is faster for the short runs here.)
inline void copy_short(float* __restrict d, const float* __restrict s, int64_t n) {
  for (int64_t i = 0; i < n; ++i) d[i] = s[i] + 0.0f;
}

// d[q] = row[pos0 + q*stride] for q < n, zero where the position is outside [0, W).
inline void gather_row(float* __restrict d, const float* __restrict row, int64_t pos0, int64_t n,
                       int64_t stride, int64_t W) {
  if (stride == 1 && pos0 >= 0 && pos0 + n <= W) {
    const cpu::GemmKernels& gk = cpu::gemm_kernels();
    if (n == gk.nr)  // a whole strip: the level's vector copy
      gk.copy_strip(d, row + pos0);
    else
      copy_short(d, row + pos0, n);
    return;
  }
  // Edges (padding): select loops (separate zero-fill loops would become memset calls), with
  // stride 1 only over the few padded ends and a copy of the inside between them.
  auto select = [&](int64_t q0, int64_t q1) {
    for (int64_t q = q0; q < q1; ++q) {
      const int64_t pos = pos0 + q * stride;
      d[q] = pos >= 0 && pos < W ? row[pos] : 0.0f;
    }
  };
  if (stride != 1) return select(0, n);
  const int64_t lo = std::clamp<int64_t>(-pos0, 0, n), hi = std::clamp<int64_t>(W - pos0, lo, n);
  select(0, lo);
  copy_short(d + lo, row + pos0 + lo, hi - lo);
  select(hi, n);
}

// A run of consecutive positions with the same (b, oh): output columns ow0 .. ow0+len-1,
// written at offset `at` of the destination.
struct Run {
  int64_t at, len, b, oh, ow0;
};

// Splits positions q0 .. q0+n-1 (flattened (b, oh, ow)) into runs.
void split_runs(const Signal2d& sg, int64_t q0, int64_t n, std::vector<Run>& runs) {
  runs.clear();
  const int64_t P = sg.P();
  for (int64_t at = 0; at < n;) {
    const int64_t q = q0 + at, b = q / P, p = q % P, oh = p / sg.Wout, ow = p % sg.Wout;
    const int64_t len = std::min(n - at, sg.Wout - ow);
    runs.push_back({at, len, b, oh, ow});
    at += len;
  }
}

// Row (c, i, j) of the im2col matrix over the positions of `runs`, written into d.
inline void gather_depth_row(const Signal2d& sg, int64_t c, int64_t i, int64_t j,
                             const std::vector<Run>& runs, float* d) {
  for (const Run& r : runs) {
    const int64_t h = r.oh * sg.sh + i - sg.top;
    if (h < 0 || h >= sg.H) {
      std::fill(d + r.at, d + r.at + r.len, 0.0f);
      continue;
    }
    gather_row(d + r.at, sg.plane(r.b, c) + h * sg.W, r.ow0 * sg.sw + j - sg.left, r.len, sg.sw,
               sg.W);
  }
}

// Packer for the im2col matrix in the columns role: strips over positions, depth over (c, i, j).
void pack_im2col(const Signal2d& sg, int64_t x0, int64_t nx, int64_t k0, int64_t kc, int64_t w,
                 float* dst) {
  thread_local std::vector<Run> runs;
  const int64_t taps = sg.kh * sg.kw;
  for (int64_t st = 0; st * w < nx; ++st, dst += kc * w) {
    const int64_t cnt = std::min(w, nx - st * w);
    split_runs(sg, x0 + st * w, cnt, runs);
    int64_t c = k0 / taps, i = (k0 % taps) / sg.kw, j = k0 % sg.kw;
    for (int64_t k = 0; k < kc; ++k) {
      float* d = dst + k * w;
      gather_depth_row(sg, c, i, j, runs, d);
      for (int64_t r = cnt; r < w; ++r) d[r] = 0.0f;
      if (++j == sg.kw) {
        j = 0;
        if (++i == sg.kh) i = 0, ++c;
      }
    }
  }
}

// X for images b0 .. b0+nb-1 as a plain [Kd, nb*P] matrix.
void im2col_chunk(const Signal2d& sg, int64_t b0, int64_t nb, float* X) {
  const int64_t taps = sg.kh * sg.kw, rows = sg.C * taps, n = nb * sg.P();
  parallel_for(rows, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(1, n)),
               [&](int64_t lo, int64_t hi) {
                 std::vector<Run> runs;
                 split_runs(sg, b0 * sg.P(), n, runs);  // absolute image indices
                 for (int64_t row = lo; row < hi; ++row) {
                   const int64_t c = row / taps, i = (row % taps) / sg.kw, j = row % sg.kw;
                   gather_depth_row(sg, c, i, j, runs, X + row * n);
                 }
               });
}

// --- tap-major layout (kw > Wout)

// A run of consecutive taps j0 .. j0+len-1 with the same (c, i), at offset `at` of the depth.
struct TapSeg {
  int64_t at, len, c, i, j0;
};

void split_taps(const Signal2d& sg, int64_t k0, int64_t kc, std::vector<TapSeg>& segs) {
  segs.clear();
  const int64_t taps = sg.kh * sg.kw;
  for (int64_t at = 0; at < kc;) {
    const int64_t k = k0 + at, c = k / taps, t = k % taps, i = t / sg.kw, j = t % sg.kw;
    const int64_t len = std::min(kc - at, sg.kw - j);
    segs.push_back({at, len, c, i, j});
    at += len;
  }
}

// Column q = (b, oh, ow) of X over the depth segments, contiguous into d.
inline void gather_taps(const Signal2d& sg, int64_t q, const std::vector<TapSeg>& segs, float* d) {
  const int64_t P = sg.P(), b = q / P, p = q % P, oh = p / sg.Wout, ow = p % sg.Wout;
  for (const TapSeg& g : segs) {
    const int64_t h = oh * sg.sh + g.i - sg.top;
    if (h < 0 || h >= sg.H) {
      std::fill(d + g.at, d + g.at + g.len, 0.0f);
      continue;
    }
    gather_row(d + g.at, sg.plane(b, g.c) + h * sg.W, ow * sg.sw + g.j0 - sg.left, g.len, 1, sg.W);
  }
}

// The same packing as pack_im2col, gathered column by column into a small tile (kc contiguous
// taps per position) and transposed into the strip.
void pack_im2col_taps(const Signal2d& sg, int64_t x0, int64_t nx, int64_t k0, int64_t kc, int64_t w,
                      float* dst) {
  thread_local std::vector<TapSeg> segs;
  thread_local std::vector<float> tile;
  split_taps(sg, k0, kc, segs);
  tile.resize((size_t)(w * kc));
  for (int64_t st = 0; st * w < nx; ++st, dst += kc * w) {
    const int64_t cnt = std::min(w, nx - st * w);
    for (int64_t r = 0; r < cnt; ++r) gather_taps(sg, x0 + st * w + r, segs, tile.data() + r * kc);
    cpu::transpose(tile.data(), kc, dst, w, cnt, kc);
    if (cnt < w)
      for (int64_t k = 0; k < kc; ++k) std::fill(dst + k * w + cnt, dst + k * w + w, 0.0f);
  }
}

// X^T for images b0 .. b0+nb-1 as a plain [nb*P, Kd] matrix.
void im2col_t_chunk(const Signal2d& sg, int64_t b0, int64_t nb, float* XT) {
  const int64_t Kd = sg.C * sg.kh * sg.kw, n = nb * sg.P();
  parallel_for(n, std::max<int64_t>(1, (1 << 14) / Kd), [&](int64_t lo, int64_t hi) {
    std::vector<TapSeg> segs;
    split_taps(sg, 0, Kd, segs);
    for (int64_t q = lo; q < hi; ++q) gather_taps(sg, b0 * sg.P() + q, segs, XT + q * Kd);
  });
}

bool taps_major(const Conv2dShape& s) { return s.kw > s.Wout; }

cpu::GemmPack im2col_operand(const Signal2d& sg, bool taps) {
  if (taps)
    return [sg](int64_t x0, int64_t nx, int64_t k0, int64_t kc, int64_t w, float* dst) {
      pack_im2col_taps(sg, x0, nx, k0, kc, w, dst);
    };
  return [sg](int64_t x0, int64_t nx, int64_t k0, int64_t kc, int64_t w, float* dst) {
    pack_im2col(sg, x0, nx, k0, kc, w, dst);
  };
}

// Output [B, R, P] seen as an R x (B*P) matrix.
cpu::GemmOut batched_out(float* c, int64_t R, int64_t P) {
  cpu::GemmOut o;
  o.c = c;
  o.rows.stride = P;
  o.cols = cpu::GemmAxis{1, P, R * P};
  return o;
}

cpu::GemmPack strided_packer(const float* p, int64_t stride_x, int64_t stride_k) {
  return [=](int64_t x0, int64_t nx, int64_t k0, int64_t kc, int64_t w, float* dst) {
    cpu::gemm_pack_strided(p, stride_x, stride_k, x0, nx, k0, kc, w, dst);
  };
}

// dy of nb images [nb, Cout, P] as the A operand of the weight GEMM: E(co, (b, p)) =
// dy[(b*Cout + co)*P + p]. Each run of depth within one image is a strided block (transposed by
// gemm_pack_strided).
cpu::GemmPack dy_rows_packer(const float* dy, int64_t Cout, int64_t P) {
  return [=](int64_t x0, int64_t nx, int64_t k0, int64_t kc, int64_t w, float* dst) {
    for (int64_t st = 0; st * w < nx; ++st, dst += kc * w) {
      const int64_t cnt = std::min(w, nx - st * w), co0 = x0 + st * w;
      for (int64_t at = 0; at < kc;) {
        const int64_t q = k0 + at, b = q / P, p = q % P, len = std::min(kc - at, P - p);
        cpu::gemm_pack_strided(dy + b * Cout * P, P, 1, co0, cnt, p, len, w, dst + at * w);
        at += len;
      }
    }
  };
}

// The shape as the direct 3x3 path sees it, when it is one (3x3, padding 1, stride 1 or 2 on
// both axes; the path itself declines what its kernels do not cover).
bool direct_3x3(const Conv2dShape& s, cpu::Conv3x3Shape& d) {
  if (s.kh != 3 || s.kw != 3 || s.sh != s.sw || s.sh > 2 || s.top != 1 || s.bottom != 1 ||
      s.left != 1 || s.right != 1)
    return false;
  d = {s.B, s.Cin, s.Cout, s.H, s.W, s.sh};
  return true;
}

int64_t images_per_chunk(int64_t per_image, int64_t B) {
  return std::clamp<int64_t>(kChunkFloats / std::max<int64_t>(1, per_image), 1,
                             std::max<int64_t>(1, B));
}

void conv2d_forward_cpu(const Conv2dShape& s, const float* x, const float* w, const float* bias,
                        float* y) {
  cpu::Conv3x3Shape d;
  if (direct_3x3(s, d) && cpu::conv3x3_forward(d, x, w, bias, y)) return;
  const int64_t P = s.Hout * s.Wout;
  GemmProblem p;
  p.M = s.Cout, p.N = s.B * P, p.K = s.Cin * s.kh * s.kw;
  p.pack_a = strided_packer(w, p.K, 1);
  p.pack_b = im2col_operand(input_signal(s, x), taps_major(s));
  p.out = batched_out(y, s.Cout, P);
  p.row_bias = bias;
  cpu::gemm_run(p);
}

// dx (images b0 .. b0+nb-1) from the columns of dcol: each column is added back where im2col
// took it. dcol is [Kd, nb*P] or, tap-major, dcol^T [nb*P, Kd]. One task per (image, channel,
// input row): each task owns its row of dx (no two tasks write the same element) and adds in a
// fixed order (deterministic). Every element of those rows is written.
void col2im_chunk(const Conv2dShape& s, const float* dcol, bool taps, int64_t b0, int64_t nb,
                  float* dx) {
  const int64_t P = s.Hout * s.Wout, n = nb * P, taps_n = s.kh * s.kw, Kd = s.Cin * taps_n;
  const int64_t work = std::max<int64_t>(1, taps_n * s.Wout);
  parallel_for(nb * s.Cin * s.H, std::max<int64_t>(1, (1 << 14) / work),
               [&](int64_t lo, int64_t hi) {
                 for (int64_t task = lo; task < hi; ++task) {
                   const int64_t h = task % s.H, bc = task / s.H, ci = bc % s.Cin, bl = bc / s.Cin;
                   float* row = dx + (((b0 + bl) * s.Cin + ci) * s.H + h) * s.W;
                   std::fill(row, row + s.W, 0.0f);
                   for (int64_t i = 0; i < s.kh; ++i) {
                     const int64_t t = h + s.top - i;  // = oh * sh
                     if (t < 0 || t % s.sh != 0 || t / s.sh >= s.Hout) continue;
                     const int64_t oh = t / s.sh, kk0 = ci * taps_n + i * s.kw;
                     if (taps) {
                       // for each ow, taps j = 0 .. kw-1 land on w = ow*sw - left + j
                       for (int64_t ow = 0; ow < s.Wout; ++ow) {
                         const float* src = dcol + (bl * P + oh * s.Wout + ow) * Kd + kk0;
                         const int64_t off = ow * s.sw - s.left;
                         const int64_t j0 = std::max<int64_t>(0, -off);
                         const int64_t j1 = std::min(s.kw, s.W - off);
                         float* d = row + off;
                         for (int64_t j = j0; j < j1; ++j) d[j] += src[j];
                       }
                       continue;
                     }
                     for (int64_t j = 0; j < s.kw; ++j) {
                       const float* src = dcol + (kk0 + j) * n + bl * P + oh * s.Wout;
                       // columns w = ow*sw + j - left inside [0, W)
                       const int64_t off = j - s.left;
                       const int64_t ow_lo = off >= 0 ? 0 : (-off + s.sw - 1) / s.sw;
                       const int64_t ow_hi =
                           s.W - 1 - off < 0 ? -1 : std::min(s.Wout - 1, (s.W - 1 - off) / s.sw);
                       if (s.sw == 1) {
                         float* d = row + off;
                         for (int64_t ow = ow_lo; ow <= ow_hi; ++ow) d[ow] += src[ow];
                       } else {
                         for (int64_t ow = ow_lo; ow <= ow_hi; ++ow)
                           row[ow * s.sw + off] += src[ow];
                       }
                     }
                   }
                 }
               });
}

void conv2d_backward_data_cpu(const Conv2dShape& s, const float* dy, const float* w, float* dx) {
  cpu::Conv3x3Shape d;
  if (direct_3x3(s, d) && cpu::conv3x3_backward_data(d, dy, w, dx)) return;
  const int64_t P = s.Hout * s.Wout, Kd = s.Cin * s.kh * s.kw;
  const bool taps = taps_major(s);
  const int64_t per_chunk = images_per_chunk(Kd * P, s.B);
  std::vector<float> dcol((size_t)(Kd * per_chunk * P));
  for (int64_t b0 = 0; b0 < s.B; b0 += per_chunk) {
    const int64_t nb = std::min(per_chunk, s.B - b0), n = nb * P;
    // E((b, p), co) = dy[((b0 + b)*Cout + co)*P + p]: im2col of dy with a 1 x 1 kernel
    const Signal2d dys{dy + b0 * s.Cout * P, s.Cout, 1, P, 1, 1, 1, 1, 0, 0, 1, P};
    GemmProblem p;
    p.K = s.Cout;
    if (taps) {  // dcol^T [n, Kd] = dy^T . W
      p.M = n, p.N = Kd;
      p.pack_a = im2col_operand(dys, false);
      p.pack_b = strided_packer(w, 1, Kd);  // E(kk, co) = w[co*Kd + kk]
      p.out = cpu::gemm_out_plain(dcol.data(), Kd);
    } else {  // dcol [Kd, n] = W^T . dy
      p.M = Kd, p.N = n;
      p.pack_a = strided_packer(w, 1, Kd);
      p.pack_b = im2col_operand(dys, false);
      p.out = cpu::gemm_out_plain(dcol.data(), n);
    }
    cpu::gemm_run(p);
    col2im_chunk(s, dcol.data(), taps, b0, nb, dx);
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

void conv2d_backward_weight_cpu(const Conv2dShape& s, const float* x, const float* dy, float* dw,
                                float* dbias) {
  const int64_t P = s.Hout * s.Wout, Kd = s.Cin * s.kh * s.kw;
  cpu::Conv3x3Shape d;
  if (dw && !(direct_3x3(s, d) && cpu::conv3x3_backward_weight(d, x, dy, dw))) {
    const bool taps = taps_major(s);
    const int64_t per_chunk = images_per_chunk(Kd * P, s.B);
    std::vector<float> X((size_t)(Kd * per_chunk * P));
    const Signal2d sg = input_signal(s, x);
    for (int64_t b0 = 0; b0 < s.B; b0 += per_chunk) {
      const int64_t nb = std::min(per_chunk, s.B - b0), n = nb * P;
      GemmProblem p;
      p.M = s.Cout, p.N = Kd, p.K = n;
      p.pack_a = dy_rows_packer(dy + b0 * s.Cout * P, s.Cout, P);
      if (taps) {
        im2col_t_chunk(sg, b0, nb, X.data());
        p.pack_b = strided_packer(X.data(), 1, Kd);  // E(kk, q) = XT[q*Kd + kk]
      } else {
        im2col_chunk(sg, b0, nb, X.data());
        p.pack_b = strided_packer(X.data(), n, 1);  // E(kk, q) = X[kk*n + q]
      }
      p.out = cpu::gemm_out_plain(dw, Kd);
      p.beta = b0 == 0 ? 0.0f : 1.0f;
      p.allow_split_k = true;
      cpu::gemm_run(p);
    }
  }
  if (dbias) {
    parallel_for(s.Cout, 8, [&](int64_t lo, int64_t hi) {
      for (int64_t co = lo; co < hi; ++co) {
        double total = 0;
        for (int64_t b = 0; b < s.B; ++b) total += sum_floats(dy + (b * s.Cout + co) * P, P);
        dbias[co] = (float)total;
      }
    });
  }
}

}  // namespace

Kernel<Conv2dForwardFn> conv2d_forward_kernel{"conv2d_forward", conv2d_forward_cpu};
Kernel<Conv2dBackwardDataFn> conv2d_backward_data_kernel{"conv2d_backward_data",
                                                         conv2d_backward_data_cpu};
Kernel<Conv2dBackwardWeightFn> conv2d_backward_weight_kernel{"conv2d_backward_weight",
                                                             conv2d_backward_weight_cpu};

PadPair same_padding(int64_t k) {
  SYN_CHECK(k >= 1, "same_padding: kernel size ", k, " must be >= 1");
  const int64_t total = k - 1;
  return {total / 2, total - total / 2};
}

PadPair tf_same_padding(int64_t size, int64_t k, int64_t stride) {
  SYN_CHECK(size >= 0 && k >= 1 && stride >= 1, "tf_same_padding: invalid size ", size, ", kernel ",
            k, ", stride ", stride);
  const int64_t out = (size + stride - 1) / stride;  // ceil(size / stride)
  const int64_t total = std::max<int64_t>((out - 1) * stride + k - size, 0);
  return {total / 2, total - total / 2};
}

Padding2d same_padding2d(int64_t kh, int64_t kw) {
  const PadPair h = same_padding(kh), w = same_padding(kw);
  return {h.before, h.after, w.before, w.after};
}

Padding2d tf_same_padding2d(int64_t H, int64_t W, int64_t kh, int64_t kw, int64_t sh, int64_t sw) {
  const PadPair h = tf_same_padding(H, kh, sh), w = tf_same_padding(W, kw, sw);
  return {h.before, h.after, w.before, w.after};
}

Conv2dShape conv2d_shape(const Tensor& x, const Tensor& w, int64_t sh, int64_t sw,
                         const Padding2d& pad) {
  SYN_CHECK(x.defined() && w.defined(), "conv2d: undefined input or weight");
  SYN_CHECK(x.dim() == 4, "conv2d: input must be [B, Cin, H, W], got ", x.describe());
  SYN_CHECK(w.dim() == 4, "conv2d: weight must be [Cout, Cin, kh, kw], got ", w.describe());
  SYN_CHECK(x.size(1) == w.size(1), "conv2d: input ", x.describe(), " has ", x.size(1),
            " channels but weight ", w.describe(), " expects ", w.size(1));
  SYN_CHECK(sh >= 1 && sw >= 1, "conv2d: strides (", sh, ", ", sw, ") must be >= 1 (input ",
            x.describe(), ")");
  SYN_CHECK(pad.top >= 0 && pad.bottom >= 0 && pad.left >= 0 && pad.right >= 0,
            "conv2d: padding (top ", pad.top, ", bottom ", pad.bottom, ", left ", pad.left,
            ", right ", pad.right, ") must be >= 0 (input ", x.describe(), ")");
  SYN_CHECK(x.device() == w.device(), "conv2d: input ", x.describe(), " and weight ", w.describe(),
            " are on different devices");
  Conv2dShape s;
  s.B = x.size(0), s.Cin = x.size(1), s.H = x.size(2), s.W = x.size(3);
  s.Cout = w.size(0), s.kh = w.size(2), s.kw = w.size(3);
  s.sh = sh, s.sw = sw;
  s.top = pad.top, s.bottom = pad.bottom, s.left = pad.left, s.right = pad.right;
  SYN_CHECK(s.kh >= 1 && s.kw >= 1 && s.Cout >= 1, "conv2d: empty weight ", w.describe());
  SYN_CHECK(s.H + s.top + s.bottom >= s.kh && s.W + s.left + s.right >= s.kw, "conv2d: kernel ",
            w.describe(), " is larger than the padded input ", x.describe(), " (padding top ",
            s.top, ", bottom ", s.bottom, ", left ", s.left, ", right ", s.right, ")");
  s.Hout = (s.H + s.top + s.bottom - s.kh) / sh + 1;
  s.Wout = (s.W + s.left + s.right - s.kw) / sw + 1;
  return s;
}

namespace ops {

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias, int64_t sh, int64_t sw,
              const Padding2d& pad) {
  const Conv2dShape s = conv2d_shape(x, w, sh, sw, pad);
  if (bias.defined()) {
    SYN_CHECK(bias.dim() == 1 && bias.size(0) == s.Cout, "conv2d: bias ", bias.describe(),
              " does not match weight ", w.describe());
    SYN_CHECK(bias.device() == x.device(), "conv2d: bias ", bias.describe(), " and input ",
              x.describe(), " are on different devices");
  }
  const Device dev = x.device();
  Tensor y = Tensor::empty({s.B, s.Cout, s.Hout, s.Wout}, dev);
  if (y.numel() > 0)
    conv2d_forward_kernel.on(dev)(s, x.data(), w.data(), bias.defined() ? bias.data() : nullptr,
                                  y.data());
  Tensor sx = x.detach(), wt = w.detach();
  record(y, "conv2d", {x, w, bias}, [s, sx, wt](const Tensor& g, const std::vector<bool>& needs) {
    const Device d = sx.device();
    Tensor dx, dw, db;
    if (needs[0]) {
      dx = Tensor::empty(sx.shape(), d);
      if (sx.numel() > 0) conv2d_backward_data_kernel.on(d)(s, g.data(), wt.data(), dx.data());
    }
    if (needs[1]) dw = Tensor::zeros(wt.shape(), d);
    if (needs[2]) db = Tensor::zeros({s.Cout}, d);
    if ((needs[1] || needs[2]) && g.numel() > 0)
      conv2d_backward_weight_kernel.on(d)(s, sx.data(), g.data(), needs[1] ? dw.data() : nullptr,
                                          needs[2] ? db.data() : nullptr);
    return std::vector<Tensor>{dx, dw, db};
  });
  return y;
}

}  // namespace ops
}  // namespace syn

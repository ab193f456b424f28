// conv3x3.cpp — see conv3x3.h: layout changes, weight packing, tiling and threads around the
// level's micro-kernels (engine/cpu/conv3x3_kernels.h).
#include "engine/cpu/conv3x3.h"

#include <algorithm>
#include <vector>

#include "engine/cpu/conv3x3_kernels.h"
#include "engine/cpu/cpu_level.h"
#include "engine/cpu/gemm.h"
#include "engine/parallel.h"

namespace syn::cpu {

namespace {

const Conv3x3Kernels& kernels() {
  switch (cpu_kernel_level()) {
    case CpuLevel::avx512:
      return *conv3x3_kernels_avx512();
    case CpuLevel::avx2:
      return *conv3x3_kernels_avx2();
    case CpuLevel::generic:
      break;
  }
  return *conv3x3_kernels_generic();
}

// The widest tile (in vectors) that divides a row of `vectors` vectors: the channel dimension
// is cut into equal blocks, no ragged last block.
int64_t block_vectors(const Conv3x3Kernels& k, int64_t vectors) {
  for (int64_t nv = k.max_nv; nv > 1; --nv)
    if (vectors % nv == 0) return nv;
  return 1;
}

// s [B, C, H, W] -> xp [B, H+2, W+2, C], zero on the border.
std::vector<float> padded_channels_last(const float* s, int64_t B, int64_t C, int64_t H,
                                        int64_t W) {
  const int64_t Hp = H + 2, Wp = W + 2;
  std::vector<float> xp((size_t)(B * Hp * Wp * C));
  parallel_for(B * H, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(1, C * W)),
               [&](int64_t lo, int64_t hi) {
                 for (int64_t bh = lo; bh < hi; ++bh) {
                   const int64_t b = bh / H, h = bh % H;
                   // out[w * C + c] = in[c * H * W + w]
                   transpose(s + b * C * H * W + h * W, H * W,
                             xp.data() + ((b * Hp + h + 1) * Wp + 1) * C, C, C, W);
                 }
               });
  return xp;  // the border stays at the vector's zero initialisation
}

// The packed weight panels of a (virtual) convolution with `cin` input and `cout` output
// channels, weight(co, ci, t): for each block of nr output channels, [t][ci][nr].
template <class F>
std::vector<float> pack_panels(int64_t cin, int64_t cout, int64_t nr, F weight) {
  std::vector<float> wp((size_t)(9 * cin * cout));
  for (int64_t co0 = 0; co0 < cout; co0 += nr) {
    float* panel = wp.data() + co0 * 9 * cin;
    for (int64_t t = 0; t < 9; ++t)
      for (int64_t ci = 0; ci < cin; ++ci)
        for (int64_t l = 0; l < nr; ++l) panel[(t * cin + ci) * nr + l] = weight(co0 + l, ci, t);
  }
  return wp;
}

// y [B, cout, Hout, Wout] = the convolution (stride `stride`) of xp (padded channels-last, cin
// channels, an H x W input) with the panels of pack_panels (nr = nv * vl output channels
// each), plus bias (may be null).
void run_windows(const Conv3x3Kernels& k, int64_t nv, int64_t B, int64_t cin, int64_t cout,
                 int64_t H, int64_t W, int64_t stride, const float* xp, const float* wp,
                 const float* bias, float* y) {
  const int64_t Ho = (H - 1) / stride + 1, Wo = (W - 1) / stride + 1;
  const int64_t MR = k.window_mr[nv], nr = nv * k.vl, P = Ho * Wo, N = B * P, Wp = W + 2;
  const Conv3x3WindowFn fn = k.window[nv];
  int64_t toff[9];
  for (int64_t t = 0; t < 9; ++t) toff[t] = ((t / 3) * Wp + t % 3) * cin;
  const int64_t tiles = (N + MR - 1) / MR;
  parallel_for(tiles, 4, [&](int64_t lo, int64_t hi) {
    alignas(64) float tile[kConv3x3MaxMR * kConv3x3MaxNR];
    const float* win[kConv3x3MaxMR];
    float* yq[kConv3x3MaxMR];
    for (int64_t ti = lo; ti < hi; ++ti) {
      const int64_t n0 = ti * MR, mr = std::min(MR, N - n0);
      for (int64_t r = 0; r < MR; ++r) {
        const int64_t n = n0 + std::min(r, mr - 1);  // a short last tile repeats its last row
        const int64_t b = n / P, p = n % P, h = p / Wo * stride, w = p % Wo * stride;
        win[r] = xp + ((b * (H + 2) + h) * Wp + w) * cin;
        yq[r] = y + b * cout * P + p;
      }
      for (int64_t co0 = 0; co0 < cout; co0 += nr) {
        fn(win, toff, cin, wp + co0 * 9 * cin, tile);
        for (int64_t l = 0; l < nr; ++l) {
          const int64_t co = co0 + l;
          const float add = bias ? bias[co] : 0.0f;
          for (int64_t r = 0; r < mr; ++r) yq[r][co * P] = tile[r * nr + l] + add;
        }
      }
    }
  });
}

}  // namespace

bool conv3x3_forward(const Conv3x3Shape& s, const float* x, const float* w, const float* bias,
                     float* y) {
  const Conv3x3Kernels& k = kernels();
  if (s.Cout % k.vl != 0 || s.B * s.H * s.W == 0) return false;
  const int64_t nv = block_vectors(k, s.Cout / k.vl);
  const std::vector<float> xp = padded_channels_last(x, s.B, s.Cin, s.H, s.W);
  const int64_t Cin = s.Cin;
  const std::vector<float> wp =
      pack_panels(Cin, s.Cout, nv * k.vl,
                  [&](int64_t co, int64_t ci, int64_t t) { return w[(co * Cin + ci) * 9 + t]; });
  run_windows(k, nv, s.B, s.Cin, s.Cout, s.H, s.W, s.stride, xp.data(), wp.data(), bias, y);
  return true;
}

bool conv3x3_backward_data(const Conv3x3Shape& s, const float* dy, const float* w, float* dx) {
  const Conv3x3Kernels& k = kernels();
  if (s.stride != 1 || s.Cin % k.vl != 0 || s.B * s.H * s.W == 0) return false;
  const int64_t nv = block_vectors(k, s.Cin / k.vl);
  const std::vector<float> dyp = padded_channels_last(dy, s.B, s.Cout, s.H, s.W);
  const int64_t Cin = s.Cin;
  // dx[ci] = sum_{co, t} w[co, ci, 8 - t] dy_window[t, co]: the convolution of dy with
  // output channels ci, input channels co and the kernel turned by 180 degrees.
  const std::vector<float> wp = pack_panels(
      s.Cout, Cin, nv * k.vl,
      [&](int64_t ci, int64_t co, int64_t t) { return w[(co * Cin + ci) * 9 + 8 - t]; });
  run_windows(k, nv, s.B, s.Cout, s.Cin, s.H, s.W, 1, dyp.data(), wp.data(), nullptr, dx);
  return true;
}

bool conv3x3_backward_weight(const Conv3x3Shape& s, const float* x, const float* dy, float* dw) {
  const Conv3x3Kernels& k = kernels();
  if (s.Cin % k.vl != 0 || s.B * s.H * s.W == 0) return false;
  const int64_t nv = block_vectors(k, s.Cin / k.vl), nr = nv * k.vl, MR = k.weight_mr[nv];
  const int64_t B = s.B, Cin = s.Cin, Cout = s.Cout, H = s.H, W = s.W, Wp = W + 2;
  const int64_t Ho = s.Hout(), Wo = s.Wout(), P = Ho * Wo, st = s.stride;
  const std::vector<float> xp = padded_channels_last(x, B, Cin, H, W);
  // dy channels-last [B, Hout, Wout, Cout], plus MR floats: a short last output-channel tile reads
  // past the last position's channels (those rows are computed and dropped).
  std::vector<float> dyt((size_t)(B * P * Cout + MR));
  parallel_for(B, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t b = lo; b < hi; ++b)
      transpose(dy + b * Cout * P, P, dyt.data() + b * P * Cout, Cout, Cout, P);
  });
  // Tiles (t, co block of MR, ci block of nr), each an MR x nr accumulator in acc.
  const int64_t co_tiles = (Cout + MR - 1) / MR, ci_tiles = Cin / nr;
  const int64_t tiles = 9 * co_tiles * ci_tiles, tile_size = MR * nr;
  std::vector<float> acc((size_t)(tiles * tile_size));
  const Conv3x3WeightFn fn = k.weight[nv];
  // Each thread owns a range of tiles and sweeps the images in order (each image's dy and
  // input rows stay in its cache across the tiles), so the sums are deterministic.
  parallel_for(tiles, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t b = 0; b < B; ++b)
      for (int64_t ti = lo; ti < hi; ++ti) {
        const int64_t t = ti / (co_tiles * ci_tiles), rest = ti % (co_tiles * ci_tiles);
        const int64_t co0 = (rest / ci_tiles) * MR, ci0 = (rest % ci_tiles) * nr;
        const float* a = dyt.data() + b * P * Cout + co0;
        const float* xb = xp.data() + ((b * (H + 2) + t / 3) * Wp + t % 3) * Cin + ci0;
        fn(Ho, Wo, a, Wo * Cout, Cout, xb, st * Wp * Cin, st * Cin, acc.data() + ti * tile_size);
      }
  });
  parallel_for(Cout, 4, [&](int64_t lo, int64_t hi) {
    for (int64_t co = lo; co < hi; ++co) {
      const int64_t cot = co / MR, r = co % MR;
      for (int64_t ci = 0; ci < Cin; ++ci) {
        const int64_t cit = ci / nr, l = ci % nr;
        for (int64_t t = 0; t < 9; ++t)
          dw[(co * Cin + ci) * 9 + t] =
              acc[(size_t)(((t * co_tiles + cot) * ci_tiles + cit) * tile_size + r * nr + l)];
      }
    }
  });
  return true;
}

}  // namespace syn::cpu

// gemm.cpp — see gemm.h. Loop structure (BLIS): for each NC-wide column panel and KC-deep slice,
// pack the B panel once; for each MC-tall row block take the packed A block; then sweep the
// MR x NR micro-tiles, each accumulated in registers over the whole slice. The B micro-panel
// (KC x NR) is reused from L1 across the row block while the A block (MC x KC) streams from L2.
// MR, NR, MC, KC, NC and the micro-kernel are the run-time level's (engine/cpu/gemm_kernels.h),
// fixed for the length of one call.
#include "engine/cpu/gemm.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "engine/check.h"
#include "engine/parallel.h"

namespace syn::cpu {

namespace {

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// The depth [0, klen) is cut into equal slices of at most KC (no ragged small last slice).
int64_t kc_step(const GemmKernels& g, int64_t klen) { return ceil_div(klen, ceil_div(klen, g.kc)); }

// ---------------------------------------------------------------- workspace
struct AlignedBuf {
  float* ptr = nullptr;
  int64_t cap = 0;
  float* get(int64_t n) {
    if (n > cap) {
      std::free(ptr);
      size_t bytes = ((size_t)n * sizeof(float) + 63) / 64 * 64;
      ptr = static_cast<float*>(std::aligned_alloc(64, bytes));
      SYN_CHECK(ptr != nullptr, "gemm: out of memory for a ", n, "-float packing buffer");
      cap = n;
    }
    return ptr;
  }
  ~AlignedBuf() { std::free(ptr); }
};

struct Workspace {
  AlignedBuf a, b;
};
thread_local Workspace tls_ws;

// ---------------------------------------------------------------- the blocked loop nest
struct Range {
  int64_t m0, m1, n0, n1, k0, k1;
};

// Where the bias goes: per row of C (the problem's own), or per column (a transposed problem).
struct Epilogue {
  float alpha, beta;
  const float* row_bias;
  const float* col_bias;
};

// Offsets of n consecutive indices from i along an axis, stepping without divisions.
void axis_offsets(const GemmAxis& a, int64_t i, int64_t n, int64_t* off) {
  int64_t seg = i / a.seg, in = i % a.seg;
  for (int64_t q = 0; q < n; ++q) {
    off[q] = seg * a.seg_stride + in * a.stride;
    if (++in == a.seg) in = 0, ++seg;
  }
}

// Writes a tile computed into `tile` (MR x NR, unscaled) into C element by element.
void store_edge(const float* tile, int64_t ld_tile, int64_t mr, int64_t nr, const GemmOut& out,
                int64_t i, int64_t j, const Epilogue& e, bool first) {
  int64_t col_off[kGemmMaxNR], row_off[kGemmMaxMR];
  axis_offsets(out.cols, j, nr, col_off);
  axis_offsets(out.rows, i, mr, row_off);
  const float beta = first ? e.beta : 1.0f;
  for (int64_t r = 0; r < mr; ++r) {
    float* row = out.c + row_off[r];
    const float rb = first && e.row_bias ? e.row_bias[i + r] : 0.0f;
    for (int64_t q = 0; q < nr; ++q) {
      float v = e.alpha * tile[r * ld_tile + q] + rb;
      if (first && e.col_bias) v += e.col_bias[j + q];
      float* dst = row + col_off[q];
      *dst = beta != 0.0f ? v + beta * *dst : v;
    }
  }
}

// Runs the sub-problem `rg` on the calling thread. packed_a: all of A prepacked by prepack_a
// (then rg covers the whole depth and rg.m0 is a multiple of MR), or null.
void run_range(const GemmKernels& g, const GemmProblem& p, const float* packed_a, const Range& rg,
               const GemmOut& out, const Epilogue& e) {
  const int64_t MR = g.mr, NR = g.nr, MC = g.mc, NC = g.nc;
  Workspace& ws = tls_ws;
  const int64_t kstep = kc_step(g, rg.k1 - rg.k0);
  const int64_t m_pad = ceil_div(p.M, MR) * MR;
  float* bbuf = ws.b.get(kstep * ceil_div(std::min(NC, rg.n1 - rg.n0), NR) * NR);
  float* abuf =
      packed_a ? nullptr : ws.a.get(kstep * ceil_div(std::min(MC, rg.m1 - rg.m0), MR) * MR);
  alignas(64) float tile[kGemmMaxMR * kGemmMaxNR];
  const int64_t ldc = out.rows.stride;
  const bool cols_unit = out.cols.stride == 1 && e.col_bias == nullptr;

  for (int64_t jc = rg.n0; jc < rg.n1; jc += NC) {
    const int64_t nc = std::min(NC, rg.n1 - jc);
    for (int64_t pc = rg.k0; pc < rg.k1; pc += kstep) {
      const int64_t kc = std::min(kstep, rg.k1 - pc);
      const bool first = pc == rg.k0;
      const float beta_now = first ? e.beta : 1.0f;
      p.pack_b(jc, nc, pc, kc, NR, bbuf);
      for (int64_t ic = rg.m0; ic < rg.m1; ic += MC) {
        const int64_t mc = std::min(MC, rg.m1 - ic);
        const float* ablk;
        if (packed_a) {
          ablk = packed_a + pc * m_pad + (ic / MR) * kc * MR;
        } else {
          p.pack_a(ic, mc, pc, kc, MR, abuf);
          ablk = abuf;
        }
        for (int64_t jr = 0; jr < nc; jr += NR) {
          const int64_t nr = std::min(NR, nc - jr);
          const int64_t j = jc + jr;
          const bool fast_cols = cols_unit && nr == NR && j % out.cols.seg + NR <= out.cols.seg;
          const float* bstrip = bbuf + (jr / NR) * kc * NR;
          float* cj = out.c + out.cols.offset(j);
          for (int64_t ir = 0; ir < mc; ir += MR) {
            const int64_t mr = std::min(MR, mc - ir);
            const int64_t i = ic + ir;
            const float* astrip = ablk + (ir / MR) * kc * MR;
            if (fast_cols && mr == MR && i % out.rows.seg + MR <= out.rows.seg) {
              const float* bias = first && e.row_bias ? e.row_bias + i : nullptr;
              g.micro_kernel(kc, astrip, bstrip, cj + out.rows.offset(i), ldc, e.alpha, beta_now,
                             bias);
            } else {
              g.micro_kernel(kc, astrip, bstrip, tile, NR, 1.0f, 0.0f, nullptr);
              store_edge(tile, NR, mr, nr, out, i, j, e, first);
            }
          }
        }
      }
    }
  }
}

// Packs all of A in the layout run_range expects for packed_a: slice by slice (the kc_step
// slices of [0, K)), each slice as ceil(M/MR) strips.
const float* prepack_a(const GemmKernels& g, const GemmProblem& p) {
  thread_local AlignedBuf buf;  // the caller's; the threads below only write into it
  const int64_t MR = g.mr;
  const int64_t kstep = kc_step(g, p.K);
  const int64_t m_pad = ceil_div(p.M, MR) * MR;
  const int64_t strips = m_pad / MR;
  const int64_t slices = ceil_div(p.K, kstep);
  float* packed = buf.get(m_pad * p.K);
  // one task per (slice, group of strips), so both threads share the work
  const int64_t group = std::max<int64_t>(1, strips / 4);
  const int64_t groups = ceil_div(strips, group);
  parallel_for(slices * groups, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      int64_t s = t / groups, gi = t % groups;
      int64_t k0 = s * kstep, kc = std::min(kstep, p.K - k0);
      int64_t i0 = gi * group * MR, m = std::min(group * MR, p.M - i0);
      if (m <= 0) continue;
      p.pack_a(i0, m, k0, kc, MR, packed + k0 * m_pad + (i0 / MR) * kc * MR);
    }
  });
  return packed;
}

// The problem on all threads, in its own orientation.
void run_parallel(const GemmKernels& g, const GemmProblem& p, const Epilogue& e) {
  const int64_t MR = g.mr, NR = g.nr;
  const GemmOut& out = p.out;
  const int64_t T = num_threads();
  const double flops = 2.0 * (double)p.M * (double)p.N * (double)p.K;
  const int64_t mstrips = ceil_div(p.M, MR), nstrips = ceil_div(p.N, NR);
  const Range all{0, p.M, 0, p.N, 0, p.K};
  const bool split_k =
      p.allow_split_k && p.K >= 2 * (p.M + p.N) && p.K >= T * g.kc && nstrips < 4 * T;
  if (T <= 1 || flops < 2e6 || (mstrips < T && nstrips < T && !split_k)) {
    run_range(g, p, nullptr, all, out, e);
    return;
  }
  if (split_k) {
    // Each thread sums its share of the depth into a private buffer (thread 0 into C itself);
    // then the partial sums are added into C.
    std::vector<std::vector<float>> part((size_t)T);
    parallel_for(T, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) {
        Range rg = all;
        rg.k0 = p.K * t / T;
        rg.k1 = p.K * (t + 1) / T;
        if (t == 0) {
          run_range(g, p, nullptr, rg, out, e);
        } else {
          part[(size_t)t].assign((size_t)(p.M * p.N), 0.0f);
          GemmOut mine = gemm_out_plain(part[(size_t)t].data(), p.N);
          run_range(g, p, nullptr, rg, mine, Epilogue{e.alpha, 0.0f, nullptr, nullptr});
        }
      }
    });
    parallel_for(p.M, 16, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        float* row = out.c + out.rows.offset(i);
        for (int64_t t = 1; t < T; ++t) {
          const float* src = part[(size_t)t].data() + i * p.N;
          if (out.cols.stride == 1 && out.cols.seg >= p.N) {
            for (int64_t j = 0; j < p.N; ++j) row[j] += src[j];
          } else {
            for (int64_t j = 0; j < p.N; ++j) row[out.cols.offset(j)] += src[j];
          }
        }
      }
    });
    return;
  }
  // Split the columns (A packed once and shared) unless splitting the rows balances the
  // micro-tiles strictly better (few column strips: each thread then packs all of B).
  const int64_t most_if_n = ceil_div(nstrips, T) * mstrips,
                most_if_m = ceil_div(mstrips, T) * nstrips;
  if (most_if_n <= most_if_m) {
    const float* pa = p.M * p.K <= (int64_t{1} << 25) ? prepack_a(g, p) : nullptr;
    parallel_for(T, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) {
        Range rg = all;
        rg.n0 = nstrips * t / T * NR;
        rg.n1 = std::min(p.N, nstrips * (t + 1) / T * NR);
        if (rg.n0 < rg.n1) run_range(g, p, pa, rg, out, e);
      }
    });
  } else {
    // Split the rows; each thread packs its own rows of A and all of B.
    parallel_for(T, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) {
        Range rg = all;
        rg.m0 = mstrips * t / T * MR;
        rg.m1 = std::min(p.M, mstrips * (t + 1) / T * MR);
        if (rg.m0 < rg.m1) run_range(g, p, nullptr, rg, out, e);
      }
    });
  }
}

}  // namespace

namespace {

// Shared front half of gemm_run / gemm_run_serial: trivial cases, then the orientation.
template <class Run>
void dispatch(const GemmProblem& p, Run&& run) {
  SYN_CHECK(p.M >= 0 && p.N >= 0 && p.K >= 0, "gemm: negative size ", p.M, "x", p.N, "x", p.K);
  if (p.M == 0 || p.N == 0) return;
  const GemmOut& out = p.out;
  if (p.K == 0) {  // C = beta * C + bias
    for (int64_t i = 0; i < p.M; ++i)
      for (int64_t j = 0; j < p.N; ++j) {
        float* dst = out.c + out.rows.offset(i) + out.cols.offset(j);
        float v = p.row_bias ? p.row_bias[i] : 0.0f;
        *dst = p.beta != 0.0f ? v + p.beta * *dst : v;
      }
    return;
  }
  // Micro-tiles are NR wide and MR tall: a narrow C wastes much of each tile on zero padding,
  // so solve C^T = B^T A^T when that pads clearly less (its stores are element-wise).
  const GemmKernels& g = gemm_kernels();
  const int64_t MR = g.mr, NR = g.nr;
  const double pad_normal = (double)(ceil_div(p.M, MR) * MR) * (double)(ceil_div(p.N, NR) * NR);
  const double pad_trans = (double)(ceil_div(p.N, MR) * MR) * (double)(ceil_div(p.M, NR) * NR);
  if (1.15 * pad_trans < pad_normal) {
    GemmProblem t = p;
    t.M = p.N, t.N = p.M;
    t.pack_a = p.pack_b, t.pack_b = p.pack_a;
    t.out.rows = p.out.cols, t.out.cols = p.out.rows;
    t.row_bias = nullptr;
    run(g, t, Epilogue{p.alpha, p.beta, nullptr, p.row_bias});
    return;
  }
  run(g, p, Epilogue{p.alpha, p.beta, p.row_bias, nullptr});
}

}  // namespace

void gemm_run(const GemmProblem& p) { dispatch(p, run_parallel); }

void gemm_run_serial(const GemmProblem& p) {
  dispatch(p, [](const GemmKernels& g, const GemmProblem& q, const Epilogue& e) {
    run_range(g, q, nullptr, Range{0, q.M, 0, q.N, 0, q.K}, q.out, e);
  });
}

// ---------------------------------------------------------------- transpose
void transpose(const float* in, int64_t ld_in, float* out, int64_t ld_out, int64_t rows,
               int64_t cols) {
  gemm_kernels().transpose(in, ld_in, out, ld_out, rows, cols);
}

// ---------------------------------------------------------------- plain matrices
namespace {

// w consecutive floats: the level's vector copy for the B strip width, a fixed-size memcpy for
// the A strip width (both without the call of a memcpy).
inline void copy_strip(const GemmKernels& g, float* __restrict d, const float* __restrict s,
                       int64_t w) {
  if (w == g.nr) {
    g.copy_strip(d, s);
  } else if (w == 6) {
    std::memcpy(d, s, 6 * sizeof(float));
  } else if (w == 8) {
    std::memcpy(d, s, 8 * sizeof(float));
  } else {
    for (int64_t q = 0; q < w; ++q) d[q] = s[q];
  }
}

}  // namespace

void gemm_pack_strided(const float* p, int64_t stride_x, int64_t stride_k, int64_t x0, int64_t nx,
                       int64_t k0, int64_t kc, int64_t w, float* dst) {
  for (int64_t s = 0; s * w < nx; ++s, dst += kc * w) {
    const int64_t cnt = std::min(w, nx - s * w);
    const float* base = p + (x0 + s * w) * stride_x + k0 * stride_k;
    if (stride_x == 1 && cnt == w) {  // w consecutive floats per k
      const GemmKernels& g = gemm_kernels();
      for (int64_t k = 0; k < kc; ++k) copy_strip(g, dst + k * w, base + k * stride_k, w);
    } else if (stride_x == 1) {
      for (int64_t k = 0; k < kc; ++k) {
        float* d = dst + k * w;
        const float* src = base + k * stride_k;
        for (int64_t r = 0; r < cnt; ++r) d[r] = src[r];
        for (int64_t r = cnt; r < w; ++r) d[r] = 0.0f;
      }
    } else if (stride_k == 1) {  // rows of k: a transpose
      transpose(base, stride_x, dst, w, cnt, kc);
      for (int64_t k = 0; k < kc; ++k)
        for (int64_t r = cnt; r < w; ++r) dst[k * w + r] = 0.0f;
    } else {  // general strides
      for (int64_t k = 0; k < kc; ++k)
        for (int64_t r = 0; r < w; ++r)
          dst[k * w + r] = r < cnt ? base[r * stride_x + k * stride_k] : 0.0f;
    }
  }
}

void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
          int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  SYN_CHECK(lda >= (trans_a ? M : K) && ldb >= (trans_b ? K : N) && ldc >= N,
            "gemm: leading dimensions lda ", lda, ", ldb ", ldb, ", ldc ", ldc, " too small for ",
            M, "x", N, "x", K, " (trans_a ", trans_a, ", trans_b ", trans_b, ")");
  GemmProblem p;
  p.M = M, p.N = N, p.K = K;
  // A(i, k) = A[i*lda + k], or A[k*lda + i] when transposed; B(k, j) likewise.
  const int64_t ax = trans_a ? 1 : lda, ak = trans_a ? lda : 1;
  const int64_t bx = trans_b ? ldb : 1, bk = trans_b ? 1 : ldb;
  p.pack_a = [=](int64_t x0, int64_t nx, int64_t k0, int64_t kc, int64_t w, float* dst) {
    gemm_pack_strided(A, ax, ak, x0, nx, k0, kc, w, dst);
  };
  p.pack_b = [=](int64_t x0, int64_t nx, int64_t k0, int64_t kc, int64_t w, float* dst) {
    gemm_pack_strided(B, bx, bk, x0, nx, k0, kc, w, dst);
  };
  p.out = gemm_out_plain(C, ldc);
  p.alpha = alpha;
  p.beta = beta;
  p.allow_split_k = true;
  gemm_run(p);
}

void gemm_naive(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
                int64_t ldc) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      double s = 0;
      for (int64_t k = 0; k < K; ++k)
        s += (double)(trans_a ? A[k * lda + i] : A[i * lda + k]) *
             (double)(trans_b ? B[j * ldb + k] : B[k * ldb + j]);
      float v = alpha * (float)s;
      C[i * ldc + j] = beta != 0.0f ? v + beta * C[i * ldc + j] : v;
    }
}

}  // namespace syn::cpu

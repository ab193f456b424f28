// loss.cpp — l2_normalize, log_softmax, cross_entropy, bce_with_logits, nt_xent: forward,
// gradient rule, CPU kernels. See loss.h for the definitions each op matches.
//
// The CPU kernels are the reference the CUDA kernels are checked against, so they accumulate
// in double and reduce in a fixed order (per-row or per-block partials summed serially): the
// result does not depend on the thread count.
#include "engine/ops/loss.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/autograd.h"
#include "engine/parallel.h"

namespace syn {

namespace {

// Rows per thread worth forking for: about 32K floats of work.
int64_t row_grain(int64_t row_len) {
  return std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, row_len));
}

// ---------------------------------------------------------------------------- l2_normalize

double row_norm(const float* x, int64_t d) {
  double s = 0;
  for (int64_t j = 0; j < d; ++j) s += (double)x[j] * x[j];
  return std::sqrt(s);
}

void l2_normalize_cpu(const float* x, float* y, int64_t n, int64_t d, float eps) {
  parallel_for(n, row_grain(d), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const float* xr = x + r * d;
      double inv = 1.0 / std::max(row_norm(xr, d), (double)eps);
      for (int64_t j = 0; j < d; ++j) y[r * d + j] = (float)(xr[j] * inv);
    }
  });
}

// Unclamped (norm >= eps, PyTorch's clamp_min passes the gradient at equality):
//   dx = (dy - y (y . dy)) / norm.   Clamped: the denominator is the constant eps, dx = dy / eps.
void l2_normalize_backward_cpu(const float* x, const float* dy, float* dx, int64_t n, int64_t d,
                               float eps) {
  parallel_for(n, row_grain(d), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const float* xr = x + r * d;
      const float* gr = dy + r * d;
      double norm = row_norm(xr, d);
      if (norm >= (double)eps) {
        double inv = 1.0 / norm, ydg = 0;
        for (int64_t j = 0; j < d; ++j) ydg += xr[j] * inv * gr[j];
        for (int64_t j = 0; j < d; ++j) dx[r * d + j] = (float)((gr[j] - xr[j] * inv * ydg) * inv);
      } else {
        for (int64_t j = 0; j < d; ++j) dx[r * d + j] = (float)(gr[j] / (double)eps);
      }
    }
  });
}

// ----------------------------------------------------------------------------- log_softmax

// The max of a row and log sum_j exp(x_j - max): the max-subtracted form never overflows, and
// keeping the two parts apart keeps precision for large logits.
struct RowLse {
  float max;
  double logsum;
};
RowLse row_lse_parts(const float* x, int64_t c) {
  float mx = -std::numeric_limits<float>::infinity();
  for (int64_t j = 0; j < c; ++j) mx = std::max(mx, x[j]);
  double s = 0;
  for (int64_t j = 0; j < c; ++j) s += std::exp((double)x[j] - mx);
  return {mx, std::log(s)};
}
double row_logsumexp(const float* x, int64_t c) {
  RowLse p = row_lse_parts(x, c);
  return p.max + p.logsum;
}

void log_softmax_cpu(const float* x, float* y, int64_t n, int64_t c) {
  parallel_for(n, row_grain(c), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      double lse = row_logsumexp(x + r * c, c);
      for (int64_t j = 0; j < c; ++j) y[r * c + j] = (float)(x[r * c + j] - lse);
    }
  });
}

void log_softmax_backward_cpu(const float* y, const float* dy, float* dx, int64_t n, int64_t c) {
  parallel_for(n, row_grain(c), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      double s = 0;
      for (int64_t j = 0; j < c; ++j) s += dy[r * c + j];
      for (int64_t j = 0; j < c; ++j)
        dx[r * c + j] = (float)(dy[r * c + j] - std::exp((double)y[r * c + j]) * s);
    }
  });
}

// --------------------------------------------------------------------------- cross_entropy

// Ignored rows (negative target code) still get their stats (cheap, and keeps the kernels
// branch-free per element) but add 0 to the sum.
void cross_entropy_cpu(const float* logits, const float* targets, float* stats, float* loss,
                       int64_t n, int64_t c, int64_t count) {
  std::vector<double> row_loss((size_t)n);
  parallel_for(n, row_grain(c), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const float* x = logits + r * c;
      RowLse p = row_lse_parts(x, c);
      stats[2 * r] = p.max;
      stats[2 * r + 1] = (float)p.logsum;
      row_loss[(size_t)r] =
          targets[r] < 0 ? 0.0 : p.logsum - ((double)x[(int64_t)targets[r]] - p.max);
    }
  });
  double s = 0;
  for (double v : row_loss) s += v;
  loss[0] = (float)(s / (double)count);  // count 0: 0/0 = NaN, PyTorch's value
}

void cross_entropy_backward_cpu(const float* logits, const float* targets, const float* stats,
                                const float* dloss, float* dx, int64_t n, int64_t c,
                                int64_t count) {
  double scale = count > 0 ? (double)dloss[0] / (double)count : 0.0;
  parallel_for(n, row_grain(c), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      if (targets[r] < 0) {
        std::fill(dx + r * c, dx + (r + 1) * c, 0.0f);
        continue;
      }
      int64_t t = (int64_t)targets[r];
      double mx = stats[2 * r], logsum = stats[2 * r + 1];
      for (int64_t j = 0; j < c; ++j) {
        double p = std::exp(((double)logits[r * c + j] - mx) - logsum);
        dx[r * c + j] = (float)(scale * (p - (j == t ? 1.0 : 0.0)));
      }
    }
  });
}

// ------------------------------------------------------------------------- bce_with_logits

constexpr int64_t kBceBlock = 4096;  // fixed reduction blocks: thread-count independent sums

void bce_with_logits_cpu(const float* x, const float* t, float* loss, int64_t n) {
  int64_t blocks = (n + kBceBlock - 1) / kBceBlock;
  std::vector<double> partial((size_t)blocks);
  parallel_for(blocks, 4, [&](int64_t lo, int64_t hi) {
    for (int64_t b = lo; b < hi; ++b) {
      double s = 0;
      for (int64_t i = b * kBceBlock, e = std::min(n, i + kBceBlock); i < e; ++i) {
        double xi = x[i];
        // max(x,0) - x t + log(1 + e^{-|x|}): never exponentiates a positive number.
        s += std::max(xi, 0.0) - xi * t[i] + std::log1p(std::exp(-std::fabs(xi)));
      }
      partial[(size_t)b] = s;
    }
  });
  double s = 0;
  for (double v : partial) s += v;
  loss[0] = (float)(s / (double)n);
}

double stable_sigmoid(double x) {
  if (x >= 0) return 1.0 / (1.0 + std::exp(-x));
  double e = std::exp(x);
  return e / (1.0 + e);
}

void bce_with_logits_backward_cpu(const float* x, const float* t, const float* dloss, float* dx,
                                  int64_t n) {
  double scale = (double)dloss[0] / (double)n;
  parallel_for(n, 1 << 15, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) dx[i] = (float)(scale * (stable_sigmoid(x[i]) - t[i]));
  });
}

// --------------------------------------------------------------------------------- nt_xent

// Forward in one pass per row i (after the rows are normalised): the scaled similarities
// s_ik = u_i.u_k / t for k != i, their max-subtracted logsumexp, the row loss lse_i - s_{i,pos},
// and the softmax row prob[i, :] (zero at k = i) that the backward pass needs.
void nt_xent_cpu(const float* z, float* u, float* norm, float* prob, float* loss, int64_t m,
                 int64_t d, float inv_t, float eps) {
  const int64_t half = m / 2;
  parallel_for(m, row_grain(d), [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      double nr = row_norm(z + i * d, d);
      norm[i] = (float)nr;
      double inv = 1.0 / std::max(nr, (double)eps);
      for (int64_t j = 0; j < d; ++j) u[i * d + j] = (float)(z[i * d + j] * inv);
    }
  });
  std::vector<double> row_loss((size_t)m);
  parallel_for(m, row_grain(m * d), [&](int64_t lo, int64_t hi) {
    std::vector<double> s((size_t)m);
    for (int64_t i = lo; i < hi; ++i) {
      const float* ui = u + i * d;
      double mx = -std::numeric_limits<double>::infinity();
      for (int64_t k = 0; k < m; ++k) {
        if (k == i) continue;
        const float* uk = u + k * d;
        double dot = 0;
        for (int64_t j = 0; j < d; ++j) dot += (double)ui[j] * uk[j];
        s[(size_t)k] = dot * inv_t;
        mx = std::max(mx, s[(size_t)k]);
      }
      double sum = 0;
      for (int64_t k = 0; k < m; ++k)
        if (k != i) sum += std::exp(s[(size_t)k] - mx);
      double lse = mx + std::log(sum);
      for (int64_t k = 0; k < m; ++k)
        prob[i * m + k] = k == i ? 0.0f : (float)std::exp(s[(size_t)k] - lse);
      int64_t pos = (i + half) % m;
      row_loss[(size_t)i] = lse - s[(size_t)pos];
    }
  });
  double total = 0;
  for (double v : row_loss) total += v;
  loss[0] = (float)(total / (double)m);
}

// With G = (prob - onehot(pos)) * dloss / m (the gradient of the loss w.r.t. the similarity
// logits) and s = U U^T / t, dL/du_j = (1/t) sum_k (G_jk + G_kj) u_k; then back through the
// row normalisation exactly as l2_normalize: dz_j = (a_j - u_j (u_j.a_j)) / ||z_j|| (or a_j/eps
// where the norm was clamped).
void nt_xent_backward_cpu(const float* u, const float* norm, const float* prob, const float* dloss,
                          float* dz, int64_t m, int64_t d, float inv_t, float eps) {
  const int64_t half = m / 2;
  const double scale = (double)dloss[0] * inv_t / (double)m;
  parallel_for(m, row_grain(m * d), [&](int64_t lo, int64_t hi) {
    std::vector<double> a((size_t)d);
    for (int64_t j = lo; j < hi; ++j) {
      std::fill(a.begin(), a.end(), 0.0);
      const int64_t pos = (j + half) % m;
      for (int64_t k = 0; k < m; ++k) {
        if (k == j) continue;
        // G_jk + G_kj: the positive relation is symmetric (pos(pos(j)) = j), so the one-hot
        // term appears in both when k = pos(j).
        double w = (double)prob[j * m + k] + prob[k * m + j] - (k == pos ? 2.0 : 0.0);
        const float* uk = u + k * d;
        for (int64_t c = 0; c < d; ++c) a[(size_t)c] += w * uk[c];
      }
      const float* uj = u + j * d;
      if ((double)norm[j] >= (double)eps) {
        double ua = 0;
        for (int64_t c = 0; c < d; ++c) ua += uj[c] * a[(size_t)c];
        double inv = scale / norm[j];
        for (int64_t c = 0; c < d; ++c) dz[j * d + c] = (float)((a[(size_t)c] - uj[c] * ua) * inv);
      } else {
        for (int64_t c = 0; c < d; ++c) dz[j * d + c] = (float)(a[(size_t)c] * scale / eps);
      }
    }
  });
}

}  // namespace

Kernel<L2NormalizeFwdFn> l2_normalize_kernel{"l2_normalize", l2_normalize_cpu};
Kernel<L2NormalizeBwdFn> l2_normalize_backward_kernel{"l2_normalize_backward",
                                                      l2_normalize_backward_cpu};
Kernel<LogSoftmaxFwdFn> log_softmax_kernel{"log_softmax", log_softmax_cpu};
Kernel<LogSoftmaxBwdFn> log_softmax_backward_kernel{"log_softmax_backward",
                                                    log_softmax_backward_cpu};
Kernel<CrossEntropyFwdFn> cross_entropy_kernel{"cross_entropy", cross_entropy_cpu};
Kernel<CrossEntropyBwdFn> cross_entropy_backward_kernel{"cross_entropy_backward",
                                                        cross_entropy_backward_cpu};
Kernel<BceWithLogitsFwdFn> bce_with_logits_kernel{"bce_with_logits", bce_with_logits_cpu};
Kernel<BceWithLogitsBwdFn> bce_with_logits_backward_kernel{"bce_with_logits_backward",
                                                           bce_with_logits_backward_cpu};
Kernel<NtXentFwdFn> nt_xent_kernel{"nt_xent", nt_xent_cpu};
Kernel<NtXentBwdFn> nt_xent_backward_kernel{"nt_xent_backward", nt_xent_backward_cpu};

namespace {
// Rows and row length of a tensor reduced along its last dimension.
void rows_of(const char* op, const Tensor& x, int64_t& n, int64_t& d) {
  SYN_CHECK(x.defined(), op, ": undefined input");
  SYN_CHECK(x.dim() >= 1, op, ": needs at least one dimension, got ", x.describe());
  d = x.size(-1);
  SYN_CHECK(d > 0, op, ": empty last dimension in ", x.describe());
  n = x.numel() / d;
}
}  // namespace

namespace ops {

Tensor l2_normalize(const Tensor& x, float eps) {
  int64_t n, d;
  rows_of("l2_normalize", x, n, d);
  SYN_CHECK(eps > 0.0f, "l2_normalize: eps must be positive, got ", eps);
  Tensor out = Tensor::empty(x.shape(), x.device());
  l2_normalize_kernel.on(x.device())(x.data(), out.data(), n, d, eps);
  Tensor sx = x.detach();
  record(out, "l2_normalize", {x}, [sx, n, d, eps](const Tensor& g, const std::vector<bool>&) {
    Tensor dx = Tensor::empty(sx.shape(), sx.device());
    l2_normalize_backward_kernel.on(sx.device())(sx.data(), g.data(), dx.data(), n, d, eps);
    return std::vector<Tensor>{dx};
  });
  return out;
}

Tensor log_softmax(const Tensor& x) {
  int64_t n, c;
  rows_of("log_softmax", x, n, c);
  Tensor out = Tensor::empty(x.shape(), x.device());
  log_softmax_kernel.on(x.device())(x.data(), out.data(), n, c);
  Tensor sy = out.detach();
  record(out, "log_softmax", {x}, [sy, n, c](const Tensor& g, const std::vector<bool>&) {
    Tensor dx = Tensor::empty(sy.shape(), sy.device());
    log_softmax_backward_kernel.on(sy.device())(sy.data(), g.data(), dx.data(), n, c);
    return std::vector<Tensor>{dx};
  });
  return out;
}

Tensor cross_entropy(const Tensor& logits, const std::vector<int64_t>& targets,
                     int64_t ignore_index) {
  SYN_CHECK(logits.defined(), "cross_entropy: undefined logits");
  SYN_CHECK(logits.dim() == 2, "cross_entropy: logits must be [N, C], got ", logits.describe());
  const int64_t n = logits.size(0), c = logits.size(1);
  SYN_CHECK(n > 0 && c > 0, "cross_entropy: empty logits ", logits.describe());
  SYN_CHECK(c <= (int64_t{1} << 24), "cross_entropy: ", c,
            " classes exceed the 2^24 that float-coded targets represent exactly");
  SYN_CHECK((int64_t)targets.size() == n, "cross_entropy: ", targets.size(), " targets for logits ",
            logits.describe(), " (need one per row)");
  std::vector<float> coded((size_t)n);
  int64_t count = 0;
  for (int64_t r = 0; r < n; ++r) {
    int64_t t = targets[(size_t)r];
    if (t == ignore_index) {
      coded[(size_t)r] = -1.0f;  // the kernels' "ignored" code
      continue;
    }
    SYN_CHECK(t >= 0 && t < c, "cross_entropy: target ", t, " at row ", r, " is out of range [0, ",
              c, ") for logits ", logits.describe(), " (and is not ignore_index ", ignore_index,
              ")");
    coded[(size_t)r] = (float)t;
    ++count;
  }
  Tensor tgt = Tensor::from_vector(coded, {n}, logits.device());
  Tensor stats = Tensor::empty({n, 2}, logits.device());
  Tensor out = Tensor::empty({}, logits.device());
  cross_entropy_kernel.on(logits.device())(logits.data(), tgt.data(), stats.data(), out.data(), n,
                                           c, count);
  Tensor sx = logits.detach();
  record(out, "cross_entropy", {logits},
         [sx, tgt, stats, n, c, count](const Tensor& g, const std::vector<bool>&) {
           Tensor dx = Tensor::empty(sx.shape(), sx.device());
           cross_entropy_backward_kernel.on(sx.device())(sx.data(), tgt.data(), stats.data(),
                                                         g.data(), dx.data(), n, c, count);
           return std::vector<Tensor>{dx};
         });
  return out;
}

Tensor bce_with_logits(const Tensor& logits, const Tensor& targets) {
  SYN_CHECK(logits.defined() && targets.defined(), "bce_with_logits: undefined operand");
  SYN_CHECK(logits.shape() == targets.shape(), "bce_with_logits: logits ", logits.describe(),
            " and targets ", targets.describe(), " differ in shape");
  SYN_CHECK(logits.device() == targets.device(), "bce_with_logits: logits ", logits.describe(),
            " and targets ", targets.describe(), " are on different devices");
  const int64_t n = logits.numel();
  SYN_CHECK(n > 0, "bce_with_logits: empty logits ", logits.describe());
  Tensor out = Tensor::empty({}, logits.device());
  bce_with_logits_kernel.on(logits.device())(logits.data(), targets.data(), out.data(), n);
  Tensor sx = logits.detach(), st = targets.detach();
  // Only the logits are an input of the node: the targets are constants (labels).
  record(out, "bce_with_logits", {logits}, [sx, st, n](const Tensor& g, const std::vector<bool>&) {
    Tensor dx = Tensor::empty(sx.shape(), sx.device());
    bce_with_logits_backward_kernel.on(sx.device())(sx.data(), st.data(), g.data(), dx.data(), n);
    return std::vector<Tensor>{dx};
  });
  return out;
}

Tensor nt_xent(const Tensor& z, float temperature, float eps) {
  SYN_CHECK(z.defined(), "nt_xent: undefined input");
  SYN_CHECK(z.dim() == 2, "nt_xent: z must be [2N, D], got ", z.describe());
  const int64_t m = z.size(0), d = z.size(1);
  SYN_CHECK(m >= 2 && m % 2 == 0,
            "nt_xent: z must have an even number (>= 2) of rows, two views "
            "of N examples, got ",
            z.describe());
  SYN_CHECK(d > 0, "nt_xent: empty feature dimension in ", z.describe());
  SYN_CHECK(temperature > 0.0f && std::isfinite(temperature),
            "nt_xent: temperature must be positive, got ", temperature);
  SYN_CHECK(eps > 0.0f, "nt_xent: eps must be positive, got ", eps);
  const float inv_t = 1.0f / temperature;
  Tensor u = Tensor::empty({m, d}, z.device());
  Tensor norm = Tensor::empty({m}, z.device());
  Tensor prob = Tensor::empty({m, m}, z.device());
  Tensor out = Tensor::empty({}, z.device());
  nt_xent_kernel.on(z.device())(z.data(), u.data(), norm.data(), prob.data(), out.data(), m, d,
                                inv_t, eps);
  record(out, "nt_xent", {z},
         [u, norm, prob, m, d, inv_t, eps](const Tensor& g, const std::vector<bool>&) {
           Tensor dz = Tensor::empty({m, d}, u.device());
           nt_xent_backward_kernel.on(u.device())(u.data(), norm.data(), prob.data(), g.data(),
                                                  dz.data(), m, d, inv_t, eps);
           return std::vector<Tensor>{dz};
         });
  return out;
}

}  // namespace ops
}  // namespace syn

// linear.cpp — linear and matmul: forward, gradient rules, CPU kernels (the GEMM itself is
// engine/cpu/gemm.cpp).
//   linear  y = x w^T + b:  dx = dy w,  dw = dy^T x,  db = column sums of dy
//   matmul  c = a b:        da = dc b^T, db = a^T dc
#include "engine/ops/linear.h"

#include <vector>

#include "engine/autograd.h"
#include "engine/cpu/gemm.h"
#include "engine/parallel.h"

namespace syn {

namespace {

void row_fill_cpu(float* y, const float* bias, int64_t rows, int64_t cols) {
  parallel_for(rows, std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, cols)),
               [&](int64_t lo, int64_t hi) {
                 for (int64_t r = lo; r < hi; ++r)
                   for (int64_t c = 0; c < cols; ++c) y[r * cols + c] = bias[c];
               });
}

void column_sum_cpu(const float* g, float* out, int64_t rows, int64_t cols) {
  // Each thread sums a band of columns over all rows (row-wise, so reads stay sequential).
  parallel_for(cols, 64, [&](int64_t lo, int64_t hi) {
    std::vector<double> acc((size_t)(hi - lo), 0.0);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = lo; c < hi; ++c) acc[(size_t)(c - lo)] += g[r * cols + c];
    for (int64_t c = lo; c < hi; ++c) out[c] = (float)acc[(size_t)(c - lo)];
  });
}

}  // namespace

Kernel<GemmFn> gemm_kernel{"gemm", cpu::gemm};
Kernel<RowFillFn> row_fill_kernel{"row_fill", row_fill_cpu};
Kernel<ColumnSumFn> column_sum_kernel{"column_sum", column_sum_cpu};

namespace ops {

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& bias) {
  SYN_CHECK(x.defined() && w.defined(), "linear: undefined input or weight");
  SYN_CHECK(w.dim() == 2, "linear: weight must be [Dout, Din], got ", w.describe());
  SYN_CHECK(x.dim() >= 1 && x.size(-1) == w.size(1), "linear: input ", x.describe(),
            " has last dimension ", x.dim() >= 1 ? x.size(-1) : 0, " but weight ", w.describe(),
            " expects Din = ", w.size(1));
  SYN_CHECK(x.device() == w.device(), "linear: input ", x.describe(), " and weight ", w.describe(),
            " are on different devices");
  const int64_t Din = w.size(1), Dout = w.size(0);
  int64_t N = 1;  // rows: the product of the leading dims
  for (int64_t i = 0; i + 1 < x.dim(); ++i) N *= x.size(i);
  if (bias.defined()) {
    SYN_CHECK(bias.dim() == 1 && bias.size(0) == Dout, "linear: bias ", bias.describe(),
              " does not match weight ", w.describe());
    SYN_CHECK(bias.device() == x.device(), "linear: bias ", bias.describe(), " and input ",
              x.describe(), " are on different devices");
  }
  Shape out_shape = x.shape();
  out_shape.back() = Dout;
  const Device dev = x.device();
  Tensor y = Tensor::empty(out_shape, dev);
  float beta = 0.0f;
  if (bias.defined()) {
    row_fill_kernel.on(dev)(y.data(), bias.data(), N, Dout);
    beta = 1.0f;
  }
  gemm_kernel.on(dev)(false, true, N, Dout, Din, 1.0f, x.data(), Din, w.data(), Din, beta, y.data(),
                      Dout);
  Tensor sx = x.detach(), sw = w.detach();
  record(y, "linear", {x, w, bias},
         [sx, sw, N, Din, Dout](const Tensor& g, const std::vector<bool>& needs) {
           const Device d = sx.device();
           Tensor dx, dw, db;
           if (needs[0]) {
             dx = Tensor::empty(sx.shape(), d);
             gemm_kernel.on(d)(false, false, N, Din, Dout, 1.0f, g.data(), Dout, sw.data(), Din,
                               0.0f, dx.data(), Din);
           }
           if (needs[1]) {
             dw = Tensor::empty(sw.shape(), d);
             gemm_kernel.on(d)(true, false, Dout, Din, N, 1.0f, g.data(), Dout, sx.data(), Din,
                               0.0f, dw.data(), Din);
           }
           if (needs[2]) {
             db = Tensor::empty({Dout}, d);
             column_sum_kernel.on(d)(g.data(), db.data(), N, Dout);
           }
           return std::vector<Tensor>{dx, dw, db};
         });
  return y;
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  SYN_CHECK(a.defined() && b.defined(), "matmul: undefined operand");
  SYN_CHECK(a.dim() == 2 && b.dim() == 2 && a.size(1) == b.size(0), "matmul: cannot multiply ",
            a.describe(), " by ", b.describe(), " (need [M, K] x [K, N])");
  SYN_CHECK(a.device() == b.device(), "matmul: operands on different devices, ", a.describe(),
            " vs ", b.describe());
  const int64_t M = a.size(0), K = a.size(1), N = b.size(1);
  const Device dev = a.device();
  Tensor c = Tensor::empty({M, N}, dev);
  gemm_kernel.on(dev)(false, false, M, N, K, 1.0f, a.data(), K, b.data(), N, 0.0f, c.data(), N);
  Tensor sa = a.detach(), sb = b.detach();
  record(c, "matmul", {a, b}, [sa, sb, M, K, N](const Tensor& g, const std::vector<bool>& needs) {
    const Device d = sa.device();
    Tensor da, db;
    if (needs[0]) {
      da = Tensor::empty({M, K}, d);
      gemm_kernel.on(d)(false, true, M, K, N, 1.0f, g.data(), N, sb.data(), N, 0.0f, da.data(), K);
    }
    if (needs[1]) {
      db = Tensor::empty({K, N}, d);
      gemm_kernel.on(d)(true, false, K, N, M, 1.0f, sa.data(), K, g.data(), N, 0.0f, db.data(), N);
    }
    return std::vector<Tensor>{da, db};
  });
  return c;
}

}  // namespace ops
}  // namespace syn

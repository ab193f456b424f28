// shape.cpp — reshape, flatten, transpose, concat, stack, slice: forward, gradient rule, CPU
// kernels. Views (reshape, flatten, contiguous slices) never copy; the rest go through two
// kernels, a pitched 2-D block copy and a tiled transpose.
#include "engine/ops/shape.h"

#include <algorithm>
#include <cstring>

#include "engine/autograd.h"
#include "engine/parallel.h"

namespace syn {

namespace {

void copy2d_cpu(const float* src, int64_t src_pitch, float* dst, int64_t dst_pitch, int64_t rows,
                int64_t cols) {
  if (rows <= 0 || cols <= 0) return;
  if (src_pitch == cols && dst_pitch == cols) {  // one contiguous block
    parallel_for(rows * cols, 1 << 16, [&](int64_t lo, int64_t hi) {
      std::memcpy(dst + lo, src + lo, (size_t)(hi - lo) * sizeof(float));
    });
    return;
  }
  parallel_for(rows, std::max<int64_t>(1, (1 << 15) / cols), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r)
      std::memcpy(dst + r * dst_pitch, src + r * src_pitch, (size_t)cols * sizeof(float));
  });
}

// Tiles of kTile × kTile (a, b) pairs so both the reads and the writes stay in cache.
void transpose_cpu(const float* x, float* y, int64_t outer, int64_t a, int64_t mid, int64_t b,
                   int64_t inner) {
  constexpr int64_t kTile = 32;
  const int64_t tiles_a = (a + kTile - 1) / kTile;
  const int64_t units = outer * mid * tiles_a;  // one unit: a strip of kTile rows of a
  const int64_t work = std::max<int64_t>(1, kTile * b * inner);
  parallel_for(units, std::max<int64_t>(1, (1 << 15) / work), [&](int64_t lo, int64_t hi) {
    for (int64_t u = lo; u < hi; ++u) {
      const int64_t ta = u % tiles_a, om = u / tiles_a, m = om % mid, o = om / mid;
      const int64_t a0 = ta * kTile, a1 = std::min(a, a0 + kTile);
      for (int64_t b0 = 0; b0 < b; b0 += kTile) {
        const int64_t b1 = std::min(b, b0 + kTile);
        for (int64_t ia = a0; ia < a1; ++ia) {
          const float* src = x + (((o * a + ia) * mid + m) * b) * inner;
          float* dst = y + ((o * b * mid + m) * a + ia) * inner;
          const int64_t dst_step = mid * a * inner;  // next ib in y
          if (inner == 1) {
            for (int64_t ib = b0; ib < b1; ++ib) dst[ib * dst_step] = src[ib];
          } else {
            for (int64_t ib = b0; ib < b1; ++ib)
              std::memcpy(dst + ib * dst_step, src + ib * inner, (size_t)inner * sizeof(float));
          }
        }
      }
    }
  });
}

int64_t norm_dim(const char* op, int64_t dim, int64_t rank, const Tensor& x) {
  int64_t d = dim < 0 ? dim + rank : dim;
  SYN_CHECK(d >= 0 && d < rank, op, ": dim ", dim, " out of range for ", x.describe());
  return d;
}

int64_t prod(const Shape& s, int64_t from, int64_t to) {
  int64_t p = 1;
  for (int64_t i = from; i < to; ++i) p *= s[(size_t)i];
  return p;
}

void copy2d(Device d, const float* src, int64_t sp, float* dst, int64_t dp, int64_t rows,
            int64_t cols) {
  copy2d_kernel.on(d)(src, sp, dst, dp, rows, cols);
}

}  // namespace

Kernel<Copy2dFn> copy2d_kernel{"copy2d", copy2d_cpu};
Kernel<TransposeFn> transpose_kernel{"transpose", transpose_cpu};

namespace ops {

Tensor reshape(const Tensor& x, const Shape& shape) {
  SYN_CHECK(x.defined(), "reshape: undefined input");
  Shape s = shape;
  int64_t infer = -1, known = 1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == -1) {
      SYN_CHECK(infer < 0, "reshape: more than one -1 in ", shape_str(shape));
      infer = (int64_t)i;
    } else {
      SYN_CHECK(s[i] >= 0, "reshape: invalid size in ", shape_str(shape));
      known *= s[i];
    }
  }
  if (infer >= 0) {
    SYN_CHECK(known > 0 && x.numel() % known == 0, "reshape: cannot view ", x.describe(), " as ",
              shape_str(shape));
    s[(size_t)infer] = x.numel() / known;
  }
  SYN_CHECK(shape_numel(s) == x.numel(), "reshape: cannot view ", x.describe(), " as ",
            shape_str(shape));
  Tensor out = view_as_shape(x, s);
  Shape in_shape = x.shape();
  record(out, "reshape", {x}, [in_shape](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{view_as_shape(g, in_shape)};
  });
  return out;
}

Tensor flatten(const Tensor& x, int64_t start_dim) {
  SYN_CHECK(x.defined(), "flatten: undefined input");
  if (x.dim() == 0) return reshape(x, {1});
  int64_t d = norm_dim("flatten", start_dim, x.dim(), x);
  const Shape& s = x.shape();
  Shape out(s.begin(), s.begin() + d);
  out.push_back(prod(s, d, x.dim()));
  return reshape(x, out);
}

Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1) {
  SYN_CHECK(x.defined(), "transpose: undefined input");
  int64_t d0 = norm_dim("transpose", dim0, x.dim(), x),
          d1 = norm_dim("transpose", dim1, x.dim(), x);
  if (d0 == d1) return reshape(x, x.shape());  // identity (a view, like PyTorch)
  if (d0 > d1) std::swap(d0, d1);
  const Shape& s = x.shape();
  const int64_t outer = prod(s, 0, d0), a = s[(size_t)d0], mid = prod(s, d0 + 1, d1),
                b = s[(size_t)d1], inner = prod(s, d1 + 1, x.dim());
  Shape out_shape = s;
  std::swap(out_shape[(size_t)d0], out_shape[(size_t)d1]);
  Tensor out = Tensor::empty(out_shape, x.device());
  transpose_kernel.on(x.device())(x.data(), out.data(), outer, a, mid, b, inner);
  Shape in_shape = s;
  record(out, "transpose", {x},
         [in_shape, outer, a, mid, b, inner](const Tensor& g, const std::vector<bool>&) {
           Tensor dx = Tensor::empty(in_shape, g.device());
           transpose_kernel.on(g.device())(g.data(), dx.data(), outer, b, mid, a, inner);
           return std::vector<Tensor>{dx};
         });
  return out;
}

Tensor concat(const std::vector<Tensor>& tensors, int64_t dim) {
  SYN_CHECK(!tensors.empty(), "concat: no tensors given");
  for (size_t k = 0; k < tensors.size(); ++k)
    SYN_CHECK(tensors[k].defined(), "concat: tensor ", k, " is undefined");
  const Tensor& t0 = tensors[0];
  SYN_CHECK(t0.dim() > 0, "concat: cannot concatenate 0-d tensors, got ", t0.describe());
  const int64_t d = norm_dim("concat", dim, t0.dim(), t0);
  const Shape& s0 = t0.shape();
  int64_t total = 0;
  for (size_t k = 0; k < tensors.size(); ++k) {
    const Tensor& t = tensors[k];
    bool match = t.dim() == t0.dim();
    for (int64_t i = 0; match && i < t0.dim(); ++i)
      match = i == d || t.shape()[(size_t)i] == s0[(size_t)i];
    SYN_CHECK(match, "concat: tensor ", k, " ", t.describe(), " does not match tensor 0 ",
              t0.describe(), " outside dim ", d);
    SYN_CHECK(t.device() == t0.device(), "concat: tensor ", k, " ", t.describe(),
              " is on another device than tensor 0 ", t0.describe());
    total += t.size(d);
  }
  const int64_t outer = prod(s0, 0, d), inner = prod(s0, d + 1, t0.dim());
  Shape out_shape = s0;
  out_shape[(size_t)d] = total;
  Device dev = t0.device();
  Tensor out = Tensor::empty(out_shape, dev);
  std::vector<int64_t> cols, offsets;
  int64_t off = 0;
  for (const Tensor& t : tensors) {
    int64_t c = t.size(d) * inner;
    copy2d(dev, t.data(), c, out.data() + off, total * inner, outer, c);
    cols.push_back(c);
    offsets.push_back(off);
    off += c;
  }
  std::vector<Shape> shapes;
  for (const Tensor& t : tensors) shapes.push_back(t.shape());
  const int64_t pitch = total * inner;
  record(out, "concat", tensors,
         [shapes, cols, offsets, outer, pitch](const Tensor& g, const std::vector<bool>& needs) {
           std::vector<Tensor> grads(shapes.size());
           for (size_t k = 0; k < shapes.size(); ++k) {
             if (!needs[k]) continue;
             grads[k] = Tensor::empty(shapes[k], g.device());
             copy2d(g.device(), g.data() + offsets[k], pitch, grads[k].data(), cols[k], outer,
                    cols[k]);
           }
           return grads;
         });
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  SYN_CHECK(!tensors.empty(), "stack: no tensors given");
  for (size_t k = 0; k < tensors.size(); ++k)
    SYN_CHECK(tensors[k].defined(), "stack: tensor ", k, " is undefined");
  const Tensor& t0 = tensors[0];
  const int64_t r = t0.dim(), d = dim < 0 ? dim + r + 1 : dim;
  SYN_CHECK(d >= 0 && d <= r, "stack: dim ", dim, " out of range for tensors ", t0.describe());
  Shape unsq = t0.shape();
  unsq.insert(unsq.begin() + d, 1);
  std::vector<Tensor> parts;
  for (size_t k = 0; k < tensors.size(); ++k) {
    SYN_CHECK(tensors[k].shape() == t0.shape(), "stack: tensor ", k, " ", tensors[k].describe(),
              " differs from tensor 0 ", t0.describe());
    parts.push_back(reshape(tensors[k], unsq));
  }
  return concat(parts, d);
}

Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end) {
  SYN_CHECK(x.defined(), "slice: undefined input");
  SYN_CHECK(x.dim() > 0, "slice: cannot slice a 0-d tensor");
  const int64_t d = norm_dim("slice", dim, x.dim(), x);
  const Shape& s = x.shape();
  const int64_t n = s[(size_t)d];
  const int64_t b = start < 0 ? start + n : start, e = end < 0 ? end + n : end;
  SYN_CHECK(0 <= b && b <= e && e <= n, "slice: range [", start, ", ", end, ") is invalid for dim ",
            d, " of ", x.describe());
  const int64_t outer = prod(s, 0, d), inner = prod(s, d + 1, x.dim()), len = e - b;
  Shape out_shape = s;
  out_shape[(size_t)d] = len;
  Tensor out;
  if (outer == 1) {  // contiguous: a view at an offset
    out = x.detach();
    out.impl()->shape = out_shape;
    out.impl()->offset += b * inner;
  } else {
    out = Tensor::empty(out_shape, x.device());
    copy2d(x.device(), x.data() + b * inner, n * inner, out.data(), len * inner, outer,
           len * inner);
  }
  record(out, "slice", {x},
         [s, b, n, len, outer, inner](const Tensor& g, const std::vector<bool>&) {
           Tensor dx = Tensor::zeros(s, g.device());
           copy2d(g.device(), g.data(), len * inner, dx.data() + b * inner, n * inner, outer,
                  len * inner);
           return std::vector<Tensor>{dx};
         });
  return out;
}

}  // namespace ops
}  // namespace syn

// embedding.cpp — embedding lookup: checks, the host-side grouping of positions by id, the
// gradient rule and the CPU kernels. See embedding.h for the conventions.
#include "engine/ops/embedding.h"

#include <algorithm>
#include <cstring>

#include "engine/autograd.h"
#include "engine/parallel.h"

namespace syn {

namespace {

constexpr int64_t kFloatExact = int64_t{1} << 24;  // integers a float holds exactly

int64_t row_grain(int64_t d) { return std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, d)); }

void embedding_forward_cpu(const float* weight, const float* ids, float* out, int64_t n,
                           int64_t d) {
  parallel_for(n, row_grain(d), [&](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; ++p)
      std::memcpy(out + p * d, weight + (int64_t)ids[p] * d, (size_t)d * sizeof(float));
  });
}

// One table row per id, gathered in ascending position order: no two threads write one row.
// Sums in double so the CPU reference carries no accumulation error of its own.
void embedding_backward_cpu(const float* dy, const float* order, const float* offsets,
                            float* dweight, int64_t vocab, int64_t d, int64_t padding_idx) {
  parallel_for(vocab, row_grain(d), [&](int64_t lo, int64_t hi) {
    std::vector<double> acc((size_t)d);
    for (int64_t v = lo; v < hi; ++v) {
      float* row = dweight + v * d;
      const int64_t a = (int64_t)offsets[v], b = (int64_t)offsets[v + 1];
      if (v == padding_idx || a == b) {
        std::fill(row, row + d, 0.0f);
        continue;
      }
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int64_t q = a; q < b; ++q) {
        const float* g = dy + (int64_t)order[q] * d;
        for (int64_t j = 0; j < d; ++j) acc[(size_t)j] += g[j];
      }
      for (int64_t j = 0; j < d; ++j) row[j] = (float)acc[(size_t)j];
    }
  });
}

}  // namespace

Kernel<EmbeddingFwdFn> embedding_forward_kernel{"embedding_forward", embedding_forward_cpu};
Kernel<EmbeddingBwdFn> embedding_backward_kernel{"embedding_backward", embedding_backward_cpu};

namespace ops {

Tensor embedding(const Tensor& weight, const std::vector<int64_t>& ids, const Shape& ids_shape,
                 std::optional<int64_t> padding_idx) {
  SYN_CHECK(weight.defined(), "embedding: undefined weight");
  SYN_CHECK(weight.dim() == 2, "embedding: weight must be [V, D], got ", weight.describe());
  const int64_t vocab = weight.size(0), d = weight.size(1);
  SYN_CHECK(vocab > 0 && d > 0, "embedding: empty table ", weight.describe());
  SYN_CHECK(vocab <= kFloatExact, "embedding: ", vocab,
            " rows exceed the 2^24 that float-coded ids represent exactly (weight ",
            weight.describe(), ")");
  for (int64_t s : ids_shape)
    SYN_CHECK(s >= 0, "embedding: negative size in ids shape ", shape_str(ids_shape));
  const int64_t n = shape_numel(ids_shape);
  SYN_CHECK((int64_t)ids.size() == n, "embedding: ", ids.size(), " ids for ids shape ",
            shape_str(ids_shape), " (need ", n, ")");
  SYN_CHECK(n <= kFloatExact, "embedding: ", n,
            " ids exceed the 2^24 positions the float-coded gradient grouping represents exactly");
  int64_t pad = -1;
  if (padding_idx) {
    pad = *padding_idx < 0 ? *padding_idx + vocab : *padding_idx;
    SYN_CHECK(pad >= 0 && pad < vocab, "embedding: padding_idx ", *padding_idx,
              " is not a row of the table ", weight.describe());
  }
  std::vector<float> coded((size_t)n);
  for (int64_t p = 0; p < n; ++p) {
    const int64_t id = ids[(size_t)p];
    SYN_CHECK(id >= 0 && id < vocab, "embedding: id ", id, " at position ", p,
              " is out of range [0, ", vocab, ") for weight ", weight.describe());
    coded[(size_t)p] = (float)id;
  }
  Shape out_shape = ids_shape;
  out_shape.push_back(d);
  const Device dev = weight.device();
  Tensor out = Tensor::empty(out_shape, dev);
  if (n == 0) return out;
  Tensor ids_t = Tensor::from_vector(coded, {n}, dev);
  embedding_forward_kernel.on(dev)(weight.data(), ids_t.data(), out.data(), n, d);
  if (!should_record({weight})) return out;

  // Counting sort of positions by id (stable: ascending positions within an id).
  std::vector<float> offsets((size_t)vocab + 1, 0.0f), order((size_t)n);
  {
    std::vector<int64_t> count((size_t)vocab + 1, 0);
    for (int64_t id : ids) ++count[(size_t)id + 1];
    for (int64_t v = 0; v < vocab; ++v) count[(size_t)v + 1] += count[(size_t)v];
    for (int64_t v = 0; v <= vocab; ++v) offsets[(size_t)v] = (float)count[(size_t)v];
    for (int64_t p = 0; p < n; ++p) order[(size_t)count[(size_t)ids[(size_t)p]]++] = (float)p;
  }
  Tensor order_t = Tensor::from_vector(order, {n}, dev);
  Tensor offsets_t = Tensor::from_vector(offsets, {vocab + 1}, dev);
  record(out, "embedding", {weight},
         [order_t, offsets_t, vocab, d, pad](const Tensor& g, const std::vector<bool>&) {
           Tensor dw = Tensor::empty({vocab, d}, g.device());
           embedding_backward_kernel.on(g.device())(g.data(), order_t.data(), offsets_t.data(),
                                                    dw.data(), vocab, d, pad);
           return std::vector<Tensor>{dw};
         });
  return out;
}

}  // namespace ops
}  // namespace syn

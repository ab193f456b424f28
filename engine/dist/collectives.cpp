// collectives.cpp — see collectives.h.
#include "engine/dist/collectives.h"

#include <algorithm>

#include "engine/autograd.h"
#include "engine/check.h"
#include "engine/ops/shape.h"

namespace syn::dist {

Tensor all_gather_with_grad(const Tensor& x, Communicator& comm) {
  SYN_CHECK(x.defined() && x.dim() >= 1, comm.where(),
            ": all_gather_with_grad needs a tensor with a first dimension");
  Tensor contiguous = x.detach().clone();
  Tensor out = comm.all_gather(contiguous);
  const int64_t n = x.size(0), r = comm.rank();
  Communicator* c = &comm;
  record(out, "all_gather", {x}, [c, n, r](const Tensor& g, const std::vector<bool>& needs) {
    if (!needs[0]) return std::vector<Tensor>{Tensor()};
    Tensor sum = g.clone();  // never reduce a gradient in place: other nodes may hold it
    c->all_reduce_sum(sum);
    return std::vector<Tensor>{ops::slice(sum, 0, r * n, (r + 1) * n).clone()};
  });
  return out;
}

void average_gradients(const std::vector<Tensor>& params, Communicator& comm,
                       int64_t bucket_bytes) {
  if (comm.world() <= 1 || params.empty()) return;
  const Device dev = params.front().device();
  const int64_t bucket_floats = std::max<int64_t>(1, bucket_bytes / (int64_t)sizeof(float));
  size_t first = 0;
  while (first < params.size()) {
    // Parameters [first, last) form this bucket.
    size_t last = first;
    int64_t floats = 0;
    while (last < params.size() &&
           (last == first || floats + params[last].numel() <= bucket_floats))
      floats += params[last++].numel();
    Tensor flat = Tensor::empty({floats}, dev);
    int64_t at = 0;
    for (size_t i = first; i < last; ++i) {
      const Tensor& p = params[i];
      SYN_CHECK(p.device() == dev, comm.where(), ": average_gradients: parameters on two devices");
      const Tensor g = p.grad();
      const size_t bytes = (size_t)p.numel() * sizeof(float);
      if (g.defined())
        device_copy(flat.data() + at, dev, g.data(), g.device(), bytes);
      else
        device_fill(dev, flat.data() + at, (size_t)p.numel(), 0.0f);
      at += p.numel();
    }
    comm.all_reduce_mean(flat);
    at = 0;
    for (size_t i = first; i < last; ++i) {
      const Tensor& p = params[i];
      Tensor g = Tensor::empty(p.shape(), dev);  // gradients are never mutated in place
      device_copy(g.data(), dev, flat.data() + at, dev, (size_t)p.numel() * sizeof(float));
      Tensor handle = p;  // a handle to the same parameter
      handle.set_grad(g);
      at += p.numel();
    }
    first = last;
  }
}

void broadcast_tensors(const std::vector<Tensor>& tensors, Communicator& comm) {
  if (comm.world() <= 1) return;
  for (const Tensor& t : tensors) {
    Tensor copy = t.detach();
    comm.broadcast(copy, 0);
  }
}

}  // namespace syn::dist

// registry.cu — fills the `.cuda` slot of every op that has a CUDA kernel (see engine/dispatch.h).
// Called once, lazily, before the first kernel launch on a CUDA tensor.
#include "engine/ops/elementwise.h"
#include "kernels/elementwise_cuda.h"

namespace syn {

void register_cuda_kernels() {
  add_kernel.cuda = cuda_kernels::add;
  sub_kernel.cuda = cuda_kernels::sub;
  mul_kernel.cuda = cuda_kernels::mul;
  affine_kernel.cuda = cuda_kernels::affine;
  relu_kernel.cuda = cuda_kernels::relu;
  relu_backward_kernel.cuda = cuda_kernels::relu_backward;
}

}  // namespace syn

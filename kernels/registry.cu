// registry.cu — fills the `.cuda` slot of every op that has a CUDA kernel (see engine/dispatch.h).
// Called once, lazily, before the first kernel launch on a CUDA tensor.
#include "engine/ops/elementwise.h"
#include "kernels/elementwise_cuda.h"

// --- losses, reductions, shape, dropout, optimizers: kernels/{loss,reduce,shape,dropout,optim}.cu
#include "engine/ops/dropout.h"
#include "engine/ops/loss.h"
#include "engine/ops/reduce.h"
#include "engine/ops/shape.h"
#include "kernels/dropout_cuda.h"
#include "kernels/loss_cuda.h"
#include "kernels/optim_cuda.h"
#include "kernels/reduce_cuda.h"
#include "kernels/shape_cuda.h"
// --- end losses, reductions, shape, dropout, optimizers

// --- SampleCNN layers: kernels/{conv1d,conv1d_tiled,batchnorm,pool,gemm}.cu
#include "engine/ops/batchnorm.h"
#include "engine/ops/conv1d.h"
#include "engine/ops/linear.h"
#include "engine/ops/pool.h"
#include "kernels/batchnorm_cuda.h"
#include "kernels/conv1d_cuda.h"
#include "kernels/gemm_cuda.h"
#include "kernels/pool_cuda.h"
// --- end SampleCNN layers

// --- text ops: kernels/{embedding,layernorm,activation,attention}.cu
#include "engine/ops/activation.h"
#include "engine/ops/attention.h"
#include "engine/ops/embedding.h"
#include "engine/ops/layernorm.h"
#include "kernels/activation_cuda.h"
#include "kernels/attention_cuda.h"
#include "kernels/embedding_cuda.h"
#include "kernels/layernorm_cuda.h"
// --- end text ops

// --- 2-D ops (musicnn): kernels/{conv2d,pool2d,pad,reduce_max}.cu
#include "engine/ops/conv2d.h"
#include "engine/ops/pad.h"
#include "engine/ops/pool2d.h"
#include "engine/ops/reduce_max.h"
#include "kernels/conv2d_cuda.h"
#include "kernels/pad_cuda.h"
#include "kernels/pool2d_cuda.h"
#include "kernels/reduce_max_cuda.h"
// --- end 2-D ops

// --- spectrogram: kernels/spectrogram.cu (cuFFT); the slot lives with the front end in data/
#include "data/audio/spectrogram.h"
#include "kernels/spectrogram_cuda.h"
// --- end spectrogram

// --- diffusion ops: kernels/{groupnorm,upsample,timestep_embedding}.cu (SiLU in activation.cu)
#include "engine/ops/groupnorm.h"
#include "engine/ops/timestep_embedding.h"
#include "engine/ops/upsample.h"
#include "kernels/groupnorm_cuda.h"
#include "kernels/timestep_embedding_cuda.h"
#include "kernels/upsample_cuda.h"
// --- end diffusion ops

namespace syn {

void register_cuda_kernels() {
  add_kernel.cuda = cuda_kernels::add;
  sub_kernel.cuda = cuda_kernels::sub;
  mul_kernel.cuda = cuda_kernels::mul;
  affine_kernel.cuda = cuda_kernels::affine;
  relu_kernel.cuda = cuda_kernels::relu;
  relu_backward_kernel.cuda = cuda_kernels::relu_backward;

  // --- losses, reductions, shape copies, dropout, optimizers
  l2_normalize_kernel.cuda = cuda_kernels::l2_normalize;
  l2_normalize_backward_kernel.cuda = cuda_kernels::l2_normalize_backward;
  log_softmax_kernel.cuda = cuda_kernels::log_softmax;
  log_softmax_backward_kernel.cuda = cuda_kernels::log_softmax_backward;
  cross_entropy_kernel.cuda = cuda_kernels::cross_entropy;
  cross_entropy_backward_kernel.cuda = cuda_kernels::cross_entropy_backward;
  bce_with_logits_kernel.cuda = cuda_kernels::bce_with_logits;
  bce_with_logits_backward_kernel.cuda = cuda_kernels::bce_with_logits_backward;
  nt_xent_kernel.cuda = cuda_kernels::nt_xent;
  nt_xent_backward_kernel.cuda = cuda_kernels::nt_xent_backward;
  reduce_sum_kernel.cuda = cuda_kernels::reduce_sum;
  reduce_broadcast_kernel.cuda = cuda_kernels::reduce_broadcast;
  copy2d_kernel.cuda = cuda_kernels::copy2d;
  transpose_kernel.cuda = cuda_kernels::transpose;
  dropout_mask_kernel.cuda = cuda_kernels::dropout_mask;
  adam_update_kernel.cuda = cuda_kernels::adam_update;
  sgd_update_kernel.cuda = cuda_kernels::sgd_update;
  lars_norms_kernel.cuda = cuda_kernels::lars_norms;
  lars_update_kernel.cuda = cuda_kernels::lars_update;
  // --- end losses, reductions, shape copies, dropout, optimizers

  // --- SampleCNN layers: conv1d, batchnorm1d, maxpool1d, GEMM (cuBLAS)
  conv1d_forward_kernel.cuda = cuda_kernels::conv1d_forward;
  conv1d_backward_data_kernel.cuda = cuda_kernels::conv1d_backward_data;
  conv1d_backward_weight_kernel.cuda = cuda_kernels::conv1d_backward_weight;
  batchnorm_train_forward_kernel.cuda = cuda_kernels::batchnorm_train_forward;
  batchnorm_eval_forward_kernel.cuda = cuda_kernels::batchnorm_eval_forward;
  batchnorm_backward_kernel.cuda = cuda_kernels::batchnorm_backward;
  maxpool1d_forward_kernel.cuda = cuda_kernels::maxpool1d_forward;
  maxpool1d_backward_kernel.cuda = cuda_kernels::maxpool1d_backward;
  gemm_kernel.cuda = cuda_kernels::gemm;
  row_fill_kernel.cuda = cuda_kernels::row_fill;
  column_sum_kernel.cuda = cuda_kernels::column_sum;
  // --- end SampleCNN layers

  // --- text ops: embedding, layer norm, GELU, attention
  embedding_forward_kernel.cuda = cuda_kernels::embedding_forward;
  embedding_backward_kernel.cuda = cuda_kernels::embedding_backward;
  layer_norm_forward_kernel.cuda = cuda_kernels::layer_norm_forward;
  layer_norm_backward_kernel.cuda = cuda_kernels::layer_norm_backward;
  gelu_forward_kernel.cuda = cuda_kernels::gelu_forward;
  gelu_backward_kernel.cuda = cuda_kernels::gelu_backward;
  attention_forward_kernel.cuda = cuda_kernels::attention_forward;
  attention_backward_kernel.cuda = cuda_kernels::attention_backward;
  // --- end text ops

  // --- 2-D ops (musicnn): conv2d, maxpool2d, pad, max along a dim
  conv2d_forward_kernel.cuda = cuda_kernels::conv2d_forward;
  conv2d_backward_data_kernel.cuda = cuda_kernels::conv2d_backward_data;
  conv2d_backward_weight_kernel.cuda = cuda_kernels::conv2d_backward_weight;
  maxpool2d_forward_kernel.cuda = cuda_kernels::maxpool2d_forward;
  maxpool2d_backward_kernel.cuda = cuda_kernels::maxpool2d_backward;
  pad_kernel.cuda = cuda_kernels::pad;
  reduce_max_kernel.cuda = cuda_kernels::reduce_max;
  reduce_max_backward_kernel.cuda = cuda_kernels::reduce_max_backward;
  // --- end 2-D ops

  // --- spectrogram: musicnn's log-mel front end
  musicnn_log_mel_kernel.cuda = cuda_kernels::musicnn_log_mel;
  // --- end spectrogram

  // --- diffusion ops: group norm, SiLU, nearest upsampling, timestep embedding
  group_norm_forward_kernel.cuda = cuda_kernels::group_norm_forward;
  group_norm_backward_kernel.cuda = cuda_kernels::group_norm_backward;
  silu_forward_kernel.cuda = cuda_kernels::silu_forward;
  silu_backward_kernel.cuda = cuda_kernels::silu_backward;
  upsample_nearest_forward_kernel.cuda = cuda_kernels::upsample_nearest_forward;
  upsample_nearest_backward_kernel.cuda = cuda_kernels::upsample_nearest_backward;
  timestep_embedding_kernel.cuda = cuda_kernels::timestep_embedding;
  // --- end diffusion ops
}

}  // namespace syn

// sgd.cpp — SGD with momentum: hyper-parameter checks and the fused CPU kernel.
#include "engine/optim/sgd.h"

#include "engine/parallel.h"

namespace syn {

namespace {
void sgd_update_cpu(float* param, const float* grad, float* buf, int64_t n, SgdStepArgs a) {
  parallel_for(n, 1 << 15, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      float g = grad[i] + a.weight_decay * param[i];
      if (buf) {
        float b = a.first ? g : buf[i] * a.momentum + g * a.one_minus_dampening;
        buf[i] = b;
        g = a.nesterov ? g + a.momentum * b : b;
      }
      param[i] -= a.lr * g;
    }
  });
}
}  // namespace

Kernel<SgdUpdateFn> sgd_update_kernel{"sgd_update", sgd_update_cpu};

static std::vector<std::string> sgd_buffers(const SgdOptions& o) {
  if (o.momentum != 0.0) return {"momentum_buffer"};
  return {};
}

Sgd::Sgd(NamedTensors params, const SgdOptions& options)
    : Optimizer(std::move(params), options.lr, "sgd", sgd_buffers(options)), options_(options) {
  SYN_CHECK(options.lr >= 0, "sgd: lr must be >= 0, got ", options.lr);
  SYN_CHECK(options.momentum >= 0, "sgd: momentum must be >= 0, got ", options.momentum);
  SYN_CHECK(options.weight_decay >= 0, "sgd: weight_decay must be >= 0, got ",
            options.weight_decay);
  SYN_CHECK(!options.nesterov || (options.momentum > 0 && options.dampening == 0),
            "sgd: nesterov needs momentum > 0 and dampening 0, got momentum ", options.momentum,
            ", dampening ", options.dampening);
}

void Sgd::update(size_t index, const Tensor& param, const Tensor& grad, int64_t step) {
  const SgdOptions& o = options_;
  SgdStepArgs args{(float)lr(),           (float)o.momentum,  (float)(1.0 - o.dampening),
                   (float)o.weight_decay, o.nesterov ? 1 : 0, step == 1 ? 1 : 0};
  float* buf = o.momentum != 0.0 ? buffer(index, 0).data() : nullptr;
  sgd_update_kernel.on(param.device())(param.data(), grad.data(), buf, param.numel(), args);
}

}  // namespace syn

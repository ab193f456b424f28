// lars.cpp — LARS: exclusion predicates, the norm reduction and the fused update (CPU).
#include "engine/optim/lars.h"

#include <cctype>
#include <cmath>
#include <vector>

#include "engine/parallel.h"

namespace syn {

namespace {
std::vector<std::string> lower_components(const std::string& name) {
  std::vector<std::string> parts(1);
  for (char c : name) {
    if (c == '.')
      parts.emplace_back();
    else
      parts.back() += (char)std::tolower((unsigned char)c);
  }
  return parts;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

void lars_norms_cpu(const float* w, const float* g, float wd, float* sums, int64_t n) {
  // Accumulated in double so a large layer's norm carries no fp32 summation error; the
  // partial sums per thread are combined in a fixed order (deterministic).
  int chunks = (int)std::min<int64_t>(num_threads(), std::max<int64_t>(1, n >> 14));
  std::vector<double> sw(chunks, 0.0), sg(chunks, 0.0);
  auto body = [&](int c) {
    int64_t lo = n * c / chunks, hi = n * (c + 1) / chunks;
    double a = 0, b = 0;
    for (int64_t i = lo; i < hi; ++i) {
      double gi = (double)g[i] + (double)wd * w[i];
      a += (double)w[i] * w[i];
      b += gi * gi;
    }
    sw[c] = a, sg[c] = b;
  };
  run_chunks(chunks, [&](int64_t c) { body((int)c); });
  double a = 0, b = 0;
  for (int c = 0; c < chunks; ++c) a += sw[c], b += sg[c];
  sums[0] = (float)a;
  sums[1] = (float)b;
}

void lars_update_cpu(float* w, const float* g, float* v, const float* sums, int64_t n,
                     LarsStepArgs a) {
  float trust = 1.0f;
  if (a.adapt) {
    float w_norm = std::sqrt(sums[0]), g_norm = std::sqrt(sums[1]);
    if (w_norm > 0 && g_norm > 0) trust = a.eta * w_norm / g_norm;
  }
  const float scaled_lr = a.lr * trust;
  parallel_for(n, 1 << 15, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      float gi = g[i] + a.weight_decay * w[i];
      float vi = a.momentum * v[i] + scaled_lr * gi;
      v[i] = vi;
      w[i] -= a.nesterov ? a.momentum * vi + scaled_lr * gi : vi;
    }
  });
}
}  // namespace

Kernel<LarsNormsFn> lars_norms_kernel{"lars_norms", lars_norms_cpu};
Kernel<LarsUpdateFn> lars_update_kernel{"lars_update", lars_update_cpu};

bool lars_exclude_by_name(const std::string& name, const Tensor&) {
  std::vector<std::string> parts = lower_components(name);
  if (ends_with(parts.back(), "bias")) return true;
  for (auto& p : parts)
    if (p.rfind("bn", 0) == 0 || p.find("norm") != std::string::npos) return true;
  return false;
}

bool lars_exclude_1d(const std::string&, const Tensor& param) { return param.dim() <= 1; }

Lars::Lars(NamedTensors params, const LarsOptions& options)
    : Optimizer(std::move(params), options.lr, "lars", {"momentum"}), options_(options) {
  SYN_CHECK(options.lr >= 0, "lars: lr must be >= 0, got ", options.lr);
  SYN_CHECK(options.momentum >= 0, "lars: momentum must be >= 0, got ", options.momentum);
  SYN_CHECK(options.weight_decay >= 0, "lars: weight_decay must be >= 0, got ",
            options.weight_decay);
  SYN_CHECK(options.eta > 0, "lars: eta must be > 0, got ", options.eta);
  SYN_CHECK(options.exclude_from_weight_decay, "lars: exclude_from_weight_decay is empty");
  const LarsExcludeFn& no_adapt = options.exclude_from_adaptation
                                      ? options.exclude_from_adaptation
                                      : options.exclude_from_weight_decay;
  for (auto& [name, p] : this->params()) {
    decay_.push_back(options.weight_decay != 0 && !options.exclude_from_weight_decay(name, p));
    adapt_.push_back(!no_adapt(name, p));
  }
}

void Lars::update(size_t index, const Tensor& param, const Tensor& grad, int64_t) {
  const LarsOptions& o = options_;
  LarsStepArgs args{(float)lr(),           (float)o.momentum,
                    (float)o.eta,          decay_[index] ? (float)o.weight_decay : 0.0f,
                    adapt_[index] ? 1 : 0, o.nesterov ? 1 : 0};
  Device d = param.device();
  Tensor sums = Tensor::zeros({2}, d);
  if (args.adapt)
    lars_norms_kernel.on(d)(param.data(), grad.data(), args.weight_decay, sums.data(),
                            param.numel());
  lars_update_kernel.on(d)(param.data(), grad.data(), buffer(index, 0).data(), sums.data(),
                           param.numel(), args);
}

}  // namespace syn

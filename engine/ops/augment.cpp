// augment.cpp — see augment.h: the slot, its CPU implementation and the public op.
#include "engine/ops/augment.h"

#include <algorithm>
#include <cmath>

#include "engine/check.h"
#include "engine/ops/augment_dsp.h"
#include "engine/parallel.h"

namespace syn {

Kernel<AugmentBatchFn> augment_batch_kernel{"augment_batch", augment_batch_cpu};

namespace {

// lowpass / highpass from precomputed coefficients: the recurrence of augment_dsp.cpp's Biquad.
void biquads(std::vector<float>& x, const double* c) {
  double z[4] = {0, 0, 0, 0};
  for (float& v : x) {
    double in = v;
    for (int s = 0; s < 2; ++s) {
      const double* k = c + 5 * s;
      double y = k[0] * in + z[2 * s];
      z[2 * s] = k[1] * in - k[3] * y + z[2 * s + 1];
      z[2 * s + 1] = k[2] * in - k[4] * y;
      in = y;
    }
    v = (float)in;
  }
}

void augment_one(std::vector<float>& x, const AugmentParams& p, float sample_rate) {
  if (p.polarity) augment::polarity_inversion(x);
  if (p.noise) {
    const float sigma = (float)(p.noise_ratio * augment::unbiased_std_of(x));
    for (size_t i = 0; i < x.size(); ++i)
      x[i] += sigma * augment_noise_normal(p.noise_key, (int64_t)i);
  }
  if (p.gain) augment::gain_db(x, p.gain_db);
  if (p.filter) biquads(x, p.filter_coef);
  if (p.delay) augment::delay(x, p.delay_samples, p.delay_volume);
  if (p.pitch_cents != 0) augment::pitch_shift(x, p.pitch_cents, sample_rate);
  if (p.reverb) augment::reverb(x, {p.reverberance, p.hf_damping, p.room_scale}, sample_rate);
}

}  // namespace

void augment_batch_cpu(const float* x, float* y, int64_t batch, int64_t length,
                       const AugmentParams* params, float sample_rate) {
  parallel_for(batch, 1, [&](int64_t lo, int64_t hi) {
    std::vector<float> row((size_t)length);
    for (int64_t b = lo; b < hi; ++b) {
      std::copy(x + b * length, x + (b + 1) * length, row.begin());
      augment_one(row, params[b], sample_rate);
      std::copy(row.begin(), row.end(), y + b * length);
    }
  });
}

Tensor augment_batch(const Tensor& crops, const std::vector<AugmentParams>& params,
                     float sample_rate) {
  SYN_CHECK(crops.dim() == 2, "augment_batch: crops must be [batch, length], got ",
            shape_str(crops.shape()));
  const int64_t batch = crops.size(0), length = crops.size(1);
  SYN_CHECK((int64_t)params.size() == batch, "augment_batch: ", batch, " crops but ", params.size(),
            " parameter records");
  SYN_CHECK(sample_rate > 0, "augment_batch: sample_rate ", sample_rate, " must be > 0");
  const Tensor& in = crops;
  Tensor out = Tensor::empty({batch, length}, in.device());
  augment_batch_kernel.on(in.device())(in.data(), out.data(), batch, length, params.data(),
                                       sample_rate);
  return out;
}

}  // namespace syn

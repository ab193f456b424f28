// linear_probe.cpp — see linear_probe.h.
#include "apps/eval/linear_probe.h"

#include <algorithm>
#include <cmath>

#include "data/audio/synthetic_audio.h"
#include "engine/autograd.h"
#include "engine/ops/linear.h"
#include "engine/ops/loss.h"
#include "engine/optim/adam.h"

namespace syn::app {

Tensor encode_clips(nn::Layer& encoder, const std::vector<std::vector<float>>& clips,
                    int64_t length, Device device, int64_t batch) {
  NoGradGuard no_grad;
  bool was_training = encoder.is_training();
  encoder.eval();
  std::vector<float> feats;
  int64_t dim = 0;
  for (size_t start = 0; start < clips.size(); start += (size_t)batch) {
    size_t end = std::min(clips.size(), start + (size_t)batch);
    std::vector<float> x;
    for (size_t i = start; i < end; ++i) {
      const auto& c = clips[i];
      SYN_CHECK((int64_t)c.size() >= length, "clip ", i, " has ", c.size(),
                " samples, fewer than the encoder's ", length);
      size_t off = (c.size() - (size_t)length) / 2;
      x.insert(x.end(), c.begin() + (long)off, c.begin() + (long)(off + (size_t)length));
    }
    Tensor in = Tensor::from_vector(x, {(int64_t)(end - start), 1, length}, device);
    Tensor f = encoder.forward(in);
    dim = f.size(1);
    std::vector<float> v = f.to_vector();
    feats.insert(feats.end(), v.begin(), v.end());
  }
  encoder.train(was_training);
  return Tensor::from_vector(feats, {(int64_t)clips.size(), dim});
}

namespace {
// Standardises columns with the training set's mean and standard deviation.
void standardise(std::vector<float>& train, std::vector<float>& test, int64_t dim) {
  int64_t n = (int64_t)train.size() / dim;
  for (int64_t d = 0; d < dim; ++d) {
    double s = 0, s2 = 0;
    for (int64_t i = 0; i < n; ++i) s += train[(size_t)(i * dim + d)];
    double mean = s / n;
    for (int64_t i = 0; i < n; ++i) s2 += std::pow(train[(size_t)(i * dim + d)] - mean, 2);
    double inv = 1.0 / (std::sqrt(s2 / n) + 1e-6);
    for (size_t i = (size_t)d; i < train.size(); i += (size_t)dim)
      train[i] = (float)((train[i] - mean) * inv);
    for (size_t i = (size_t)d; i < test.size(); i += (size_t)dim)
      test[i] = (float)((test[i] - mean) * inv);
  }
}

double accuracy(const Tensor& logits, const std::vector<int64_t>& y) {
  std::vector<float> v = logits.to_vector();
  int64_t c = logits.size(1), right = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    auto row = v.begin() + (long)(i * (size_t)c);
    right += (std::max_element(row, row + c) - row) == y[i];
  }
  return y.empty() ? 0.0 : (double)right / (double)y.size();
}
}  // namespace

ProbeResult linear_probe(const Tensor& train_x, const std::vector<int64_t>& train_y,
                         const Tensor& test_x, const std::vector<int64_t>& test_y, int64_t classes,
                         int64_t epochs, uint64_t seed) {
  int64_t dim = train_x.size(1);
  std::vector<float> tr = train_x.to_vector(), te = test_x.to_vector();
  standardise(tr, te, dim);
  Tensor xtr = Tensor::from_vector(tr, train_x.shape()),
         xte = Tensor::from_vector(te, test_x.shape());
  Rng rng(seed);
  nn::Linear head(dim, classes, true, rng);
  AdamOptions o;
  o.lr = 1e-2;
  o.weight_decay = 1e-4;
  Adam opt(head.named_parameters(), o);
  for (int64_t e = 0; e < epochs; ++e) {
    Tensor loss = ops::cross_entropy(head.forward(xtr), train_y);
    loss.backward();
    opt.step();
    opt.zero_grad();
  }
  NoGradGuard no_grad;
  return {accuracy(head.forward(xtr), train_y), accuracy(head.forward(xte), test_y)};
}

ProbeResult synthetic_timbre_probe(nn::Layer& encoder, int64_t length, int sample_rate,
                                   Device device, int train_per_class, int test_per_class,
                                   uint64_t seed) {
  auto train = make_synthetic_corpus(train_per_class, 2 * length, sample_rate, seed);
  auto test = make_synthetic_corpus(test_per_class, 2 * length, sample_rate, seed + 1);
  std::vector<int64_t> ytrain(train.labels.begin(), train.labels.end());
  std::vector<int64_t> ytest(test.labels.begin(), test.labels.end());
  return linear_probe(encode_clips(encoder, train.clips, length, device), ytrain,
                      encode_clips(encoder, test.clips, length, device), ytest,
                      kNumSyntheticTimbres);
}

}  // namespace syn::app

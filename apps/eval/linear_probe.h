// linear_probe.h — how good are frozen features? Encode clips with a frozen encoder, then fit a
// multinomial logistic regression (one Linear layer, cross-entropy, Adam, full batch) on
// standardised features and report accuracy on held-out clips. Used by apps/pretrain (synthetic
// data) and by the pretraining test, which compares a pretrained and a random encoder.
#pragma once
#include <cstdint>
#include <vector>

#include "engine/nn/layers.h"

namespace syn::app {

// Centre crop of `length` samples of every clip through `encoder` (eval mode, no grad), in
// batches; returns CPU features [N, D].
Tensor encode_clips(nn::Layer& encoder, const std::vector<std::vector<float>>& clips,
                    int64_t length, Device device, int64_t batch = 32);

struct ProbeResult {
  double train_accuracy = 0, test_accuracy = 0;
};

ProbeResult linear_probe(const Tensor& train_x, const std::vector<int64_t>& train_y,
                         const Tensor& test_x, const std::vector<int64_t>& test_y, int64_t classes,
                         int64_t epochs = 300, uint64_t seed = 0);

// The synthetic-timbre probe used by apps/pretrain and its test: `train_per_class` and
// `test_per_class` fresh clips of each of the 5 timbres (seeded by `seed`, disjoint from the
// pretraining clips), encoded by `encoder` (input `length` samples), probe accuracy returned.
ProbeResult synthetic_timbre_probe(nn::Layer& encoder, int64_t length, int sample_rate,
                                   Device device, int train_per_class, int test_per_class,
                                   uint64_t seed);

}  // namespace syn::app

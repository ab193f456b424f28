// picture_distances.h — how different two of the pipeline's pictures are, in colour and in content,
// for report.html, pipeline.json and apps/compare_pictures (the strategies of one clip against
// each other, and one strategy across clips).
//
//   colour    the total-variation distance of the joint RGB histograms with 4 bins per channel:
//             ½ · Σ |h_a − h_b| over the 64 bins, 0 = the same colour distribution, 1 = no colour
//             in common. The same definition as apps/eval/image_quality.h (rgb_histogram,
//             histogram_l1_distance), which the eval layer owns; the pipeline sits below it.
//   content   1 − cos(f_a, f_b) of the judge's image features (picture_judge.h), 0 = the judge
//             sees the same thing, 1 = unrelated (orthogonal), up to 2 = opposite.
// A distance matrix is square, symmetric, zero on the diagonal.
#pragma once
#include <vector>

#include "engine/tensor.h"

namespace syn::app {

using DistanceMatrix = std::vector<std::vector<double>>;

// The joint RGB histogram of an image [3, H, W] (values clamped to [0, 1]): bins³ shares summing
// to 1, bin (r·bins + g)·bins + b with channel bin min(⌊v·bins⌋, bins − 1).
std::vector<double> colour_histogram(const Tensor& image, int bins = 4);
double colour_distance(const Tensor& a, const Tensor& b, int bins = 4);
// images [N, 3, H, W] -> N × N colour distances.
DistanceMatrix colour_distances(const Tensor& images, int bins = 4);
// features [N, D] (rows of any length; zero rows give distance 1) -> N × N content distances.
DistanceMatrix content_distances(const Tensor& features);
// 1 − cosine of two feature vectors (1 when either is zero).
double cosine_distance(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace syn::app

// feature_metrics.h — measurements on feature vectors (rows [N, D], e.g. the picture judge's
// unit image embeddings, apps/eval/judge_features.h): nearest neighbours for the memorisation
// check, spread within a group for diversity, and row-wise cosines for prompt fit.
// Distances are Euclidean: for unit rows, sqrt(2 − 2·cosine), in [0, 2].
#pragma once
#include <cstdint>
#include <vector>

#include "apps/eval/image_quality.h"
#include "engine/tensor.h"

namespace syn::quality {

// For each row of features [N, D], the row of reference [M, D] nearest in Euclidean distance
// (first on ties) and that distance; a copy of a reference row has distance 0.
NearestResult nearest_features(const Tensor& features, const Tensor& reference);

// The mean Euclidean distance over the K·(K − 1)/2 pairs of rows of features [K, D] (K >= 2):
// 0 when every row is the same.
double mean_pairwise_distance(const Tensor& features);

// The dot product of row i of a [N, D] with row i of b [N, D] (the cosine for unit rows).
std::vector<double> row_dots(const Tensor& a, const Tensor& b);

// The mean of `values` (0 for none).
double mean_of(const std::vector<double>& values);

}  // namespace syn::quality

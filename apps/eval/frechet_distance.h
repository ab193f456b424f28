// frechet_distance.h — the Fréchet distance between two sets of feature vectors, each summarised
// as a Gaussian (mean and covariance): our FID, computed on the picture judge's image features
// instead of Inception's (apps/eval/judge_features.h).
//
//   FD = |μ₁ − μ₂|² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁^½ Σ₂ Σ₁^½)^½
//
// The last term equals tr (Σ₁Σ₂)^½ of the usual formula (Σ₁Σ₂ and Σ₁^½ Σ₂ Σ₁^½ are similar
// matrices), but Σ₁^½ Σ₂ Σ₁^½ is symmetric positive semi-definite, so both square roots come from
// a symmetric eigen-decomposition (cyclic Jacobi rotations, double precision) with real,
// non-negative eigenvalues: no complex round-off to discard as scipy.linalg.sqrtm needs, and a
// rank-deficient covariance (fewer samples than dimensions) is fine. Eigenvalues below zero by
// round-off are taken as 0, and a total below 0 by round-off is returned as 0.
// Covariances are unbiased (divided by N − 1, as numpy.cov and pytorch-fid), so N >= 2.
// FD(X, X) = 0, and shifting one set by a vector c adds |c|² (both tested).
#pragma once
#include <cstdint>
#include <vector>

#include "engine/tensor.h"

namespace syn::quality {

struct Gaussian {
  int64_t dim = 0, count = 0;
  std::vector<double> mean;  // [dim]
  std::vector<double> cov;   // [dim · dim], row-major, symmetric
};

// Mean and unbiased covariance of features [N, D] (N >= 2); errors name `what`.
Gaussian fit_gaussian(const Tensor& features, const char* what = "features");

// Eigen-decomposition of a symmetric matrix a [n · n] (row-major): eigenvalues ascending, and
// the matching unit eigenvectors as the COLUMNS of `vectors` [n · n], so a = V diag(λ) Vᵀ.
void symmetric_eigen(const std::vector<double>& a, int64_t n, std::vector<double>* values,
                     std::vector<double>* vectors);
// The symmetric square root of a symmetric positive semi-definite matrix (negative eigenvalues,
// from round-off, count as 0).
std::vector<double> symmetric_sqrt(const std::vector<double>& a, int64_t n);

double frechet_distance(const Gaussian& a, const Gaussian& b);
// fit_gaussian on each, then the distance.
double frechet_distance(const Tensor& features_a, const Tensor& features_b);

}  // namespace syn::quality

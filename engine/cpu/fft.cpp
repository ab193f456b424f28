// fft.cpp — radix-2, Bluestein and real-input FFTs declared in fft.h.
// Butterflies are written out in real arithmetic: std::complex's operator* must handle
// inf/NaN (C99 Annex G) and would branch into a library call on every product.
#include "engine/cpu/fft.h"

#include <algorithm>
#include <cmath>

#include "engine/check.h"

namespace syn::fft {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr long double kPiL = 3.141592653589793238462643383279502884L;

bool power_of_two(int64_t n) { return n > 0 && (n & (n - 1)) == 0; }

// e^{-2 pi i k/n}; cos and sin of the exact fraction k/n, so every twiddle carries one rounding.
cd unit_root(int64_t k, int64_t n) {
  const double a = -2.0 * kPi * (double)k / (double)n;
  return {std::cos(a), std::sin(a)};
}

std::vector<cd>& scratch(size_t n) {
  thread_local std::vector<cd> buf;
  if (buf.size() < n) buf.resize(n);
  return buf;
}

}  // namespace

ComplexFft::ComplexFft(int64_t n) : n_(n), pow2_(power_of_two(n)) {
  SYN_CHECK(n >= 1, "ComplexFft: size must be positive, got ", n);
  SYN_CHECK(n <= (int64_t{1} << 30), "ComplexFft: size ", n, " is larger than 2^30");
  if (pow2_) {
    int bits = 0;
    while ((int64_t{1} << bits) < n) ++bits;
    bitrev_.resize((size_t)n);
    for (int64_t i = 0; i < n; ++i) {
      int64_t r = 0;
      for (int b = 0; b < bits; ++b) r |= ((i >> b) & 1) << (bits - 1 - b);
      bitrev_[(size_t)i] = (int32_t)r;
    }
    twiddle_.resize((size_t)(n / 2));
    for (int64_t k = 0; k < n / 2; ++k) twiddle_[(size_t)k] = unit_root(k, n);
    return;
  }
  // Bluestein: X_k = c_k sum_j (x_j c_j) conj(c_{k-j}), c_j = e^{-i pi j^2/n}.
  int64_t m = 1;
  while (m < 2 * n - 1) m <<= 1;
  conv_ = std::make_unique<ComplexFft>(m);
  chirp_.resize((size_t)n);
  for (int64_t j = 0; j < n; ++j) {
    const int64_t q = (j * j) % (2 * n);  // j^2 mod 2n keeps the angle small and exact
    const double a = -kPi * (double)q / (double)n;
    chirp_[(size_t)j] = {std::cos(a), std::sin(a)};
  }
  filter_hat_.assign((size_t)m, cd(0.0, 0.0));
  filter_hat_[0] = std::conj(chirp_[0]);
  for (int64_t j = 1; j < n; ++j)
    filter_hat_[(size_t)j] = filter_hat_[(size_t)(m - j)] = std::conj(chirp_[(size_t)j]);
  conv_->forward(filter_hat_.data());
}

ComplexFft::~ComplexFft() = default;
ComplexFft::ComplexFft(ComplexFft&&) noexcept = default;
ComplexFft& ComplexFft::operator=(ComplexFft&&) noexcept = default;

void ComplexFft::radix2(cd* data) const {
  const int64_t n = n_;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t r = bitrev_[(size_t)i];
    if (i < r) std::swap(data[i], data[r]);
  }
  double* a = reinterpret_cast<double*>(data);  // interleaved re, im (std::complex layout)
  const double* w = reinterpret_cast<const double*>(twiddle_.data());
  // len = 2: the twiddle is 1.
  for (int64_t i = 0; i < n; i += 2) {
    const double ur = a[2 * i], ui = a[2 * i + 1], vr = a[2 * i + 2], vi = a[2 * i + 3];
    a[2 * i] = ur + vr, a[2 * i + 1] = ui + vi;
    a[2 * i + 2] = ur - vr, a[2 * i + 3] = ui - vi;
  }
  for (int64_t len = 4; len <= n; len <<= 1) {
    const int64_t half = len / 2, step = n / len;
    for (int64_t i = 0; i < n; i += len) {
      double* lo = a + 2 * i;
      double* hi = lo + 2 * half;
      for (int64_t j = 0; j < half; ++j) {
        const double wr = w[2 * j * step], wi = w[2 * j * step + 1];
        const double xr = hi[2 * j], xi = hi[2 * j + 1];
        const double vr = xr * wr - xi * wi, vi = xr * wi + xi * wr;
        const double ur = lo[2 * j], ui = lo[2 * j + 1];
        lo[2 * j] = ur + vr, lo[2 * j + 1] = ui + vi;
        hi[2 * j] = ur - vr, hi[2 * j + 1] = ui - vi;
      }
    }
  }
}

void ComplexFft::bluestein(cd* data) const {
  const int64_t n = n_, m = conv_->size();
  std::vector<cd>& buf = scratch((size_t)m);
  for (int64_t j = 0; j < n; ++j) buf[(size_t)j] = data[j] * chirp_[(size_t)j];
  for (int64_t j = n; j < m; ++j) buf[(size_t)j] = cd(0.0, 0.0);
  conv_->forward(buf.data());
  for (int64_t j = 0; j < m; ++j) buf[(size_t)j] *= filter_hat_[(size_t)j];
  conv_->inverse(buf.data());
  const double scale = 1.0 / (double)m;
  for (int64_t k = 0; k < n; ++k) data[k] = buf[(size_t)k] * chirp_[(size_t)k] * scale;
}

void ComplexFft::forward(cd* data) const {
  if (n_ == 1) return;
  if (pow2_)
    radix2(data);
  else
    bluestein(data);
}

void ComplexFft::inverse(cd* data) const {
  // inverse(x) = conj(forward(conj(x))): one code path, the same rounding behaviour.
  for (int64_t i = 0; i < n_; ++i) data[i] = std::conj(data[i]);
  forward(data);
  for (int64_t i = 0; i < n_; ++i) data[i] = std::conj(data[i]);
}

RealFft::RealFft(int64_t n) : n_(n), half_(n >= 2 && n % 2 == 0 ? n / 2 : std::max<int64_t>(n, 1)) {
  SYN_CHECK(n >= 1, "RealFft: size must be positive, got ", n);
  if (n % 2 == 0) {
    split_.resize((size_t)(n / 4 + 1));
    for (int64_t k = 0; k <= n / 4; ++k) split_[(size_t)k] = unit_root(k, n);
  }
}

void RealFft::forward(const double* in, cd* out) const {
  const int64_t n = n_;
  if (n % 2 != 0) {
    std::vector<cd>& buf = scratch((size_t)n);
    for (int64_t j = 0; j < n; ++j) buf[(size_t)j] = cd(in[j], 0.0);
    half_.forward(buf.data());
    for (int64_t k = 0; k <= n / 2; ++k) out[k] = buf[(size_t)k];
    out[0] = cd(out[0].real(), 0.0);  // a real signal's DC is real (Bluestein leaves ~eps)
    return;
  }
  const int64_t h = n / 2;
  for (int64_t j = 0; j < h; ++j) out[j] = cd(in[2 * j], in[2 * j + 1]);
  half_.forward(out);
  // Split: with E_k = (Z_k + conj Z_{h-k}) / 2 (the even samples' DFT) and
  // O_k = (Z_k - conj Z_{h-k}) / 2i (the odd samples'), X_k = E_k + W^k O_k and
  // X_{h-k} = conj(E_k - W^k O_k), W = e^{-2 pi i/n}.
  const double z0r = out[0].real(), z0i = out[0].imag();
  out[0] = cd(z0r + z0i, 0.0);
  out[h] = cd(z0r - z0i, 0.0);
  for (int64_t k = 1; k <= h / 2; ++k) {
    const double ar = out[k].real(), ai = out[k].imag();
    const double br = out[h - k].real(), bi = out[h - k].imag();  // Z_{h-k}
    const double er = 0.5 * (ar + br), ei = 0.5 * (ai - bi);      // E_k
    const double or_ = 0.5 * (ai + bi), oi = -0.5 * (ar - br);    // O_k = (Z_k - conj Z_{h-k}) / 2i
    const double wr = split_[(size_t)k].real(), wi = split_[(size_t)k].imag();
    const double tr = wr * or_ - wi * oi, ti = wr * oi + wi * or_;  // W^k O_k
    out[k] = cd(er + tr, ei + ti);
    out[h - k] = cd(er - tr, -(ei - ti));
  }
}

std::vector<cd> naive_dft(const std::vector<cd>& x, bool inverse) {
  const int64_t n = (int64_t)x.size();
  // The n distinct roots once (angle reduced exactly: jk mod n), then plain sums.
  const long double sign = inverse ? 1.0L : -1.0L;
  std::vector<long double> c((size_t)n), s((size_t)n);
  for (int64_t q = 0; q < n; ++q) {
    const long double a = sign * 2.0L * kPiL * (long double)q / (long double)n;
    c[(size_t)q] = std::cos(a);
    s[(size_t)q] = std::sin(a);
  }
  std::vector<cd> y((size_t)n);
  for (int64_t k = 0; k < n; ++k) {
    long double re = 0.0L, im = 0.0L;
    for (int64_t j = 0; j < n; ++j) {
      const size_t q = (size_t)((j * k) % n);
      const long double xr = x[(size_t)j].real(), xi = x[(size_t)j].imag();
      re += xr * c[q] - xi * s[q];
      im += xr * s[q] + xi * c[q];
    }
    y[(size_t)k] = cd((double)re, (double)im);
  }
  return y;
}

}  // namespace syn::fft

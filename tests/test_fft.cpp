// test_fft.cpp — the CPU FFT (engine/cpu/fft.h) against a naive long-double DFT for powers of
// two and for other sizes (Bluestein), the real-input transform against the same reference,
// inverse round trips, exact known answers and bad sizes.
//
// Tolerance: an FFT's error grows like eps * log2(n) * ||x||_2; every comparison here requires
// max |X - X_ref| <= 1e-14 * log2(2n) * ||x||_2 (measured errors are ~10x below that), so one
// wrong twiddle, a wrong bit-reversal or a wrong split formula (errors of order ||x||) fails.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "engine/check.h"
#include "engine/cpu/fft.h"
#include "engine/rng.h"

using namespace syn;
using fft::cd;

namespace {

std::vector<cd> random_complex(int64_t n, Rng& rng) {
  std::vector<cd> x((size_t)n);
  for (auto& v : x) v = cd(rng.normal(), rng.normal());
  return x;
}

double norm2(const std::vector<cd>& x) {
  double s = 0.0;
  for (const cd& v : x) s += std::norm(v);
  return std::sqrt(s);
}

double max_abs_diff(const cd* a, const cd* b, size_t n) {
  double e = 0.0;
  for (size_t i = 0; i < n; ++i) e = std::max(e, std::abs(a[i] - b[i]));
  return e;
}

double bound(int64_t n, double norm) { return 1e-14 * std::log2(2.0 * (double)n) * norm; }

}  // namespace

TEST_CASE("complex FFT matches the naive DFT (powers of two and Bluestein sizes)") {
  Rng rng(5);
  for (int64_t n : {1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 31, 64, 100, 127, 256, 400, 512, 1000, 1024}) {
    CAPTURE(n);
    fft::ComplexFft plan(n);
    CHECK(plan.is_power_of_two() == ((n & (n - 1)) == 0));
    std::vector<cd> x = random_complex(n, rng);
    std::vector<cd> ref = fft::naive_dft(x);
    std::vector<cd> y = x;
    plan.forward(y.data());
    const double err = max_abs_diff(y.data(), ref.data(), (size_t)n);
    CAPTURE(err);
    CHECK(err <= bound(n, norm2(x)));
    // The inverse against the naive inverse DFT, then the round trip (inverse is unscaled).
    std::vector<cd> ref_inv = fft::naive_dft(x, /*inverse=*/true);
    std::vector<cd> z = x;
    plan.inverse(z.data());
    CHECK(max_abs_diff(z.data(), ref_inv.data(), (size_t)n) <= bound(n, norm2(x)));
    plan.inverse(y.data());
    for (cd& v : y) v /= (double)n;
    CHECK(max_abs_diff(y.data(), x.data(), (size_t)n) <= bound(n, norm2(x)) / std::sqrt((double)n));
  }
}

TEST_CASE("real-input FFT matches the naive DFT of the same samples") {
  Rng rng(6);
  for (int64_t n : {1, 2, 3, 4, 6, 8, 10, 15, 16, 18, 256, 400, 511, 512, 1024}) {
    CAPTURE(n);
    fft::RealFft plan(n);
    REQUIRE(plan.bins() == n / 2 + 1);
    std::vector<double> x((size_t)n);
    std::vector<cd> xc((size_t)n);
    for (int64_t i = 0; i < n; ++i) {
      x[(size_t)i] = rng.normal();
      xc[(size_t)i] = cd(x[(size_t)i], 0.0);
    }
    std::vector<cd> ref = fft::naive_dft(xc);
    std::vector<cd> out((size_t)plan.bins(), cd(99.0, 99.0));
    plan.forward(x.data(), out.data());
    const double err = max_abs_diff(out.data(), ref.data(), out.size());
    CAPTURE(err);
    CHECK(err <= bound(n, norm2(xc)));
    // DC and (n even) Nyquist bins of a real signal are real.
    CHECK(out[0].imag() == 0.0);
    if (n % 2 == 0) CHECK(out.back().imag() == 0.0);
  }
}

TEST_CASE("known answers: impulse, constant, cosine on a bin") {
  const int64_t n = 512;
  fft::RealFft plan(n);
  std::vector<cd> out((size_t)plan.bins());

  std::vector<double> impulse((size_t)n, 0.0);
  impulse[0] = 1.0;
  plan.forward(impulse.data(), out.data());
  for (const cd& v : out) CHECK(v == cd(1.0, 0.0));  // exact: only additions of 0 and 1

  std::vector<double> ones((size_t)n, 1.0);
  plan.forward(ones.data(), out.data());
  CHECK(out[0] == cd((double)n, 0.0));
  for (size_t k = 1; k < out.size(); ++k) CHECK(std::abs(out[k]) < 1e-12);

  // cos(2 pi 3 j / n) + 0.5 sin(2 pi 40 j / n): X_3 = n/2, X_40 = -i n/4, zero elsewhere.
  std::vector<double> tone((size_t)n);
  for (int64_t j = 0; j < n; ++j)
    tone[(size_t)j] = std::cos(2 * M_PI * 3 * j / n) + 0.5 * std::sin(2 * M_PI * 40 * j / n);
  plan.forward(tone.data(), out.data());
  for (size_t k = 0; k < out.size(); ++k) {
    cd expect = k == 3 ? cd(n / 2.0, 0.0) : k == 40 ? cd(0.0, -n / 4.0) : cd(0.0, 0.0);
    CAPTURE(k);
    CHECK(std::abs(out[k] - expect) < 1e-11);
  }
}

TEST_CASE("Parseval holds for a long power-of-two transform") {
  Rng rng(7);
  const int64_t n = 1 << 16;  // too long for the naive DFT; energy and a few bins instead
  std::vector<cd> x = random_complex(n, rng);
  double ex = 0.0;
  for (const cd& v : x) ex += std::norm(v);
  std::vector<cd> y = x;
  fft::ComplexFft(n).forward(y.data());
  double ey = 0.0;
  for (const cd& v : y) ey += std::norm(v);
  CHECK(std::fabs(ey / (double)n - ex) / ex < 1e-12);
  // Bin 12345 directly.
  long double re = 0, im = 0;
  for (int64_t j = 0; j < n; ++j) {
    long double a =
        -2.0L * 3.141592653589793238462643383279502884L * (long double)((j * 12345) % n) / n;
    re += x[(size_t)j].real() * std::cos(a) - x[(size_t)j].imag() * std::sin(a);
    im += x[(size_t)j].real() * std::sin(a) + x[(size_t)j].imag() * std::cos(a);
  }
  CHECK(std::abs(y[12345] - cd((double)re, (double)im)) <= bound(n, std::sqrt(ex)));
}

TEST_CASE("bad sizes are clear errors") {
  CHECK_THROWS_AS(fft::ComplexFft(0), Error);
  CHECK_THROWS_AS(fft::RealFft(-4), Error);
  CHECK_THROWS_WITH_AS(fft::ComplexFft(-1), doctest::Contains("size must be positive"), Error);
}

// fft.h — the CPU FFT of our own (no FFTW, no pocketfft): complex transforms of any size and
// real-input transforms, in double precision.
//
// Why double: the spectrogram front end must reproduce librosa, whose STFT multiplies a float64
// window into float32 frames and transforms in float64 before storing complex64. Transforming in
// double and rounding once to float gives the same float32 spectrum as librosa almost always,
// which matters because musicnn then rounds the mel energies to float16 (any error in the last
// float32 bits can flip a float16 rounding decision). Speed is not the issue: a 30 s clip is
// ~1,900 transforms of 512 points (a few ms).
//
// Algorithms:
//   powers of two   iterative radix-2 decimation in time; bit-reversal permutation and twiddles
//                   precomputed per size, each twiddle from its own cos/sin (no recurrence drift).
//   other sizes     Bluestein's chirp-z: a length-n DFT as a circular convolution of length
//                   m >= 2n - 1 (a power of two) done with the radix-2 code. Chirp angles use
//                   j^2 mod 2n so they stay exact for large j.
//   real input      n even: the n/2-point complex FFT of z_j = x_2j + i x_2j+1, then one
//                   split pass (X_k from Z_k and Z_{n/2-k}); n odd: a complex transform.
// Convention: forward X_k = sum_j x_j e^{-2 pi i jk/n}; inverse uses e^{+...} and is NOT scaled
// (inverse(forward(x)) = n x), as in numpy.fft with norm="backward" before its 1/n.
// Plans are immutable after construction; transforms are const and thread-safe (scratch is
// thread_local), so one plan serves every thread of the pool.
#pragma once
#include <complex>
#include <cstdint>
#include <memory>
#include <vector>

namespace syn::fft {

using cd = std::complex<double>;

class ComplexFft {
 public:
  explicit ComplexFft(int64_t n);  // n >= 1
  ~ComplexFft();
  ComplexFft(ComplexFft&&) noexcept;
  ComplexFft& operator=(ComplexFft&&) noexcept;

  int64_t size() const { return n_; }
  bool is_power_of_two() const { return pow2_; }

  void forward(cd* data) const;  // in place, n values
  void inverse(cd* data) const;  // in place, unscaled

 private:
  int64_t n_ = 0;
  bool pow2_ = true;
  std::vector<int32_t> bitrev_;  // pow2: the permutation
  std::vector<cd> twiddle_;      // pow2: e^{-2 pi i k/n}, k < n/2
  // Bluestein: the chirp e^{-i pi j^2/n} (j < n), the transformed filter (length m) and the
  // power-of-two plan of length m.
  std::vector<cd> chirp_, filter_hat_;
  std::unique_ptr<ComplexFft> conv_;

  void radix2(cd* data) const;
  void bluestein(cd* data) const;
};

class RealFft {
 public:
  explicit RealFft(int64_t n);  // n >= 1
  int64_t size() const { return n_; }
  int64_t bins() const { return n_ / 2 + 1; }
  // in: n real samples; out: n/2 + 1 bins X_0 .. X_{n/2}. in and out must not overlap.
  void forward(const double* in, cd* out) const;

 private:
  int64_t n_;
  ComplexFft half_;        // n even: size n/2; n odd: size n
  std::vector<cd> split_;  // n even: e^{-2 pi i k/n}, k <= n/4
};

// Plain O(n^2) DFT in long double, for tests (the reference the fast code is checked against).
std::vector<cd> naive_dft(const std::vector<cd>& x, bool inverse = false);

}  // namespace syn::fft

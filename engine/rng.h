// rng.h — a seeded, platform-independent random number generator (xoshiro256**).
// The same seed gives the same sequence on every machine and compiler: normals come from our own
// Box–Muller, not std::normal_distribution, whose output differs between standard libraries.
#pragma once
#include <array>
#include <cstdint>

namespace syn {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) { seed_with(seed); }
  void seed_with(uint64_t seed);

  uint64_t next_u64();
  float uniform();                    // [0, 1)
  float uniform(float lo, float hi);  // [lo, hi)
  float normal();                     // standard normal
  int64_t randint(int64_t n);         // [0, n)
  bool bernoulli(float p) { return uniform() < p; }

  // The full state, for checkpoints that resume exactly.
  std::array<uint64_t, 5> state() const;
  void set_state(const std::array<uint64_t, 5>& s);

 private:
  uint64_t s_[4];
  bool has_spare_ = false;
  float spare_ = 0.0f;
};

}  // namespace syn

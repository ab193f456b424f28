// rng.cpp — xoshiro256** seeded through splitmix64.
#include "engine/rng.h"

#include <cmath>
#include <cstring>

namespace syn {

static uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void Rng::seed_with(uint64_t seed) {
  uint64_t x = seed;
  for (auto& w : s_) w = splitmix64(x);
  has_spare_ = false;
  spare_ = 0.0f;
}

uint64_t Rng::next_u64() {
  uint64_t result = rotl(s_[1] * 5, 7) * 9;
  uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

float Rng::uniform() { return (float)(next_u64() >> 40) * (1.0f / 16777216.0f); }

float Rng::uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }

float Rng::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  // Box–Muller in double for accuracy; u1 in (0, 1] so log is finite.
  double u1 = ((next_u64() >> 11) + 1) * (1.0 / 9007199254740992.0);
  double u2 = (next_u64() >> 11) * (1.0 / 9007199254740992.0);
  double r = std::sqrt(-2.0 * std::log(u1));
  double th = 6.283185307179586 * u2;
  spare_ = (float)(r * std::sin(th));
  has_spare_ = true;
  return (float)(r * std::cos(th));
}

int64_t Rng::randint(int64_t n) { return n <= 1 ? 0 : (int64_t)(next_u64() % (uint64_t)n); }

std::array<uint64_t, 5> Rng::state() const {
  uint32_t spare_bits;
  std::memcpy(&spare_bits, &spare_, 4);
  uint64_t extra = ((uint64_t)has_spare_ << 32) | spare_bits;
  return {s_[0], s_[1], s_[2], s_[3], extra};
}

void Rng::set_state(const std::array<uint64_t, 5>& s) {
  for (int i = 0; i < 4; ++i) s_[i] = s[i];
  has_spare_ = (s[4] >> 32) & 1;
  uint32_t spare_bits = (uint32_t)(s[4] & 0xFFFFFFFFu);
  std::memcpy(&spare_, &spare_bits, 4);
}

}  // namespace syn

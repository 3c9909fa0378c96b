// Our own PRNG: xoshiro256** seeded by splitmix64, with integer-only draws.
//
// Standard distributions and absl::BitGen are not stable across library
// versions or processes, so nothing that can reach a trace uses them. The
// sequence produced for a seed is part of faultline's format contract.
//
//   Rng rng(42);
//   uint64_t i = rng.Below(6);  // uniform in [0, 6)
#ifndef FAULTLINE_HARNESS_RANDOM_H_
#define FAULTLINE_HARNESS_RANDOM_H_

#include <cstdint>

#include "harness/assert.h"

namespace faultline {

// One step of splitmix64 (Steele, Lea, Flood 2014): also a good 64-bit mixer.
inline uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// xoshiro256** 1.0 (Blackman, Vigna 2018).
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& word : s_) word = SplitMix64(seed);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, bound) by rejection, so no value is favoured. bound > 0.
  uint64_t Below(uint64_t bound) {
    FL_CHECK(bound > 0);
    const uint64_t limit = ~uint64_t{0} - (~uint64_t{0} % bound);
    uint64_t x = Next();
    while (x >= limit) x = Next();
    return x % bound;
  }

  // True with probability numerator / denominator.
  bool Chance(uint64_t numerator, uint64_t denominator) {
    FL_CHECK(numerator <= denominator);
    return Below(denominator) < numerator;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace faultline

#endif  // FAULTLINE_HARNESS_RANDOM_H_

// A tiny deterministic PRNG (xorshift64*, Vigna 2016). The mechanism draws one number per
// stroke, about 400,000 times per simulated year, so it must cost a few instructions; a given
// seed always gives the same run.
#pragma once

#include <cstdint>

namespace itdd::sim {

class Xorshift64Star {
 public:
  explicit Xorshift64Star(std::uint64_t seed) : state_(splitmix(seed)) {
    if (state_ == 0) state_ = 0x9E3779B97F4A7C15ull;  // xorshift must never hold zero
  }

  std::uint64_t next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1Dull;
  }

  // Uniform in [0, bound) by multiply-shift on the high 32 bits (bias below 2^-32 * bound).
  std::uint64_t below(std::uint64_t bound) { return ((next() >> 32) * bound) >> 32; }

 private:
  // Spreads small seeds (0, 1, 2...) over the whole state space.
  static std::uint64_t splitmix(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
  }

  std::uint64_t state_;
};

}  // namespace itdd::sim

// Each pump's random numbers, from a counter-based generator (Philox4x64-10, Random123 from
// Debian): the key is (campaign seed, pump index), the counter (purpose, item, word / 4). Any
// number can be read in any order, on any rank, and it is the same: a pump's draws do not depend
// on which other pumps ran, where, or in what order, and one purpose's draws (the faults) do not
// shift when another's (a practice's refills) use more or fewer. Integers only: a probability is
// compared with a 64-bit word, a uniform integer is a multiply-high, so every platform draws the
// same.
#pragma once

#include <cstdint>

#include "itdd/sim/fleet/campaign.h"

namespace itdd::sim::fleet {

// What a draw is for: one sub-stream each, so they never overlap.
enum class Purpose : std::uint64_t {
  kPopulation = 1,    // item: which property (model, drug, dose, ...)
  kPractice = 2,      // item: the refill's ordinal
  kPocketFill = 3,    // item: the refill's ordinal
  kStrokeDrift = 10,  // item: the elapsed day (faults)
  kMriStall = 11,
  kOcclusion = 12,
  kCellFault = 13,
  kPowerCut = 14,
  kRunawayMotor = 15,
};

class PumpStream {
 public:
  PumpStream(std::uint64_t seed, std::uint64_t pump) : seed_(seed), pump_(pump) {}

  // The n-th 64-bit word of (purpose, item).
  std::uint64_t word(Purpose purpose, std::uint64_t item, std::uint64_t n) const;
  // Uniform in [0, bound) (bound > 0): the high half of word x bound.
  std::uint64_t below(Purpose purpose, std::uint64_t item, std::uint64_t n,
                      std::uint64_t bound) const;
  // Uniform in [span.min, span.max].
  std::int64_t in(Purpose purpose, std::uint64_t item, std::uint64_t n, const Span& span) const;
  // True with `probability` (at kProbabilityScale).
  bool chance(Purpose purpose, std::uint64_t item, std::uint64_t n, std::int64_t probability) const;

 private:
  std::uint64_t seed_;
  std::uint64_t pump_;
};

// A probability at kProbabilityScale for one day of a rate per pump-year (kRateScale) over
// 365.25 days, rounded down.
std::int64_t daily_probability(std::int64_t per_pump_year);

}  // namespace itdd::sim::fleet

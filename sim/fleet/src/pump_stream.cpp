#include "itdd/sim/fleet/pump_stream.h"

#include <Random123/philox.h>

#include "wide.h"

namespace itdd::sim::fleet {

std::uint64_t PumpStream::word(Purpose purpose, std::uint64_t item, std::uint64_t n) const {
  r123::Philox4x64 generator;
  const r123::Philox4x64::key_type key = {{seed_, pump_}};
  const r123::Philox4x64::ctr_type counter = {
      {static_cast<std::uint64_t>(purpose), item, n / 4, 0}};
  return generator(counter, key)[n % 4];
}

std::uint64_t PumpStream::below(Purpose purpose, std::uint64_t item, std::uint64_t n,
                                std::uint64_t bound) const {
  return static_cast<std::uint64_t>((static_cast<UInt128>(word(purpose, item, n)) * bound) >> 64);
}

std::int64_t PumpStream::in(Purpose purpose, std::uint64_t item, std::uint64_t n,
                            const Span& span) const {
  const auto width = static_cast<std::uint64_t>(span.max - span.min) + 1;
  return span.min + static_cast<std::int64_t>(below(purpose, item, n, width));
}

bool PumpStream::chance(Purpose purpose, std::uint64_t item, std::uint64_t n,
                        std::int64_t probability) const {
  if (probability >= kProbabilityScale) return true;
  // word < p x 2^64, p = probability / scale.
  const auto threshold =
      static_cast<std::uint64_t>((static_cast<UInt128>(probability) << 64) / kProbabilityScale);
  return word(purpose, item, n) < threshold;
}

std::int64_t daily_probability(std::int64_t per_pump_year) {
  // per day = rate / 365.25 = rate x 4 / 1461, at kProbabilityScale from kRateScale.
  const Int128 scaled =
      static_cast<Int128>(per_pump_year) * (kProbabilityScale / kRateScale) * 4 / 1461;
  return static_cast<std::int64_t>(scaled);
}

}  // namespace itdd::sim::fleet

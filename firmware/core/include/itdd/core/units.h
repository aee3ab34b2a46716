// Strong integer quantities. Every physical quantity the implant handles is a 64-bit integer in
// a fixed base unit, wrapped so that a volume cannot be added to a drug amount by mistake.
//   volume            nanolitres (nL)         1 mL = 1,000,000 nL
//   drug amount       nanograms (ng)          1 mg = 1,000,000 ng, 1 mcg = 1,000 ng
//   concentration     nanograms per mL
//   dose rate         nanograms per day
//   flow rate         nanolitres per day
//   duration          milliseconds
// Conversions between them round once, toward delivering less, and are the only place that
// rounds (see conversions below and units_test.cpp).
#pragma once

#include <compare>
#include <cstdint>

#include "itdd/core/wide_int.h"

namespace itdd {

// 128-bit intermediate for products of two 64-bit quantities: the compiler's own on 64-bit hosts,
// a portable one (wide_int.h, exactly the same arithmetic) on 32-bit targets that lack it.
#if defined(__SIZEOF_INT128__)
__extension__ typedef __int128 Int128;
#else
using Int128 = WideInt128;
#endif

template <class Tag>
class Quantity {
 public:
  constexpr Quantity() = default;
  constexpr explicit Quantity(std::int64_t count) : count_(count) {}
  constexpr std::int64_t count() const { return count_; }

  constexpr Quantity operator+(Quantity o) const { return Quantity(count_ + o.count_); }
  constexpr Quantity operator-(Quantity o) const { return Quantity(count_ - o.count_); }
  constexpr Quantity& operator+=(Quantity o) {
    count_ += o.count_;
    return *this;
  }
  constexpr Quantity& operator-=(Quantity o) {
    count_ -= o.count_;
    return *this;
  }
  constexpr Quantity operator*(std::int64_t k) const { return Quantity(count_ * k); }
  constexpr Quantity operator-() const { return Quantity(-count_); }
  constexpr auto operator<=>(const Quantity&) const = default;

 private:
  std::int64_t count_ = 0;
};

struct VolumeTag {};
struct DrugAmountTag {};
struct ConcentrationTag {};
struct DoseRateTag {};
struct FlowRateTag {};
struct DurationTag {};

using Volume = Quantity<VolumeTag>;                // nL
using DrugAmount = Quantity<DrugAmountTag>;        // ng
using Concentration = Quantity<ConcentrationTag>;  // ng per mL
using DoseRate = Quantity<DoseRateTag>;            // ng per day
using FlowRate = Quantity<FlowRateTag>;            // nL per day
using Duration = Quantity<DurationTag>;            // ms

inline constexpr std::int64_t kNanolitresPerMillilitre = 1'000'000;
inline constexpr std::int64_t kNanolitresPerMicrolitre = 1'000;
inline constexpr std::int64_t kNanogramsPerMilligram = 1'000'000;
inline constexpr std::int64_t kNanogramsPerMicrogram = 1'000;
inline constexpr std::int64_t kMillisPerSecond = 1'000;
inline constexpr std::int64_t kMillisPerMinute = 60 * kMillisPerSecond;
inline constexpr std::int64_t kMillisPerHour = 60 * kMillisPerMinute;
inline constexpr std::int64_t kMillisPerDay = 24 * kMillisPerHour;
// A Julian year (365.25 days): what yearly averages (battery consumption) are counted in.
inline constexpr std::int64_t kMillisPerYear = 365 * kMillisPerDay + kMillisPerDay / 4;

constexpr Volume nanolitres(std::int64_t n) {
  return Volume(n);
}
constexpr Volume microlitres(std::int64_t n) {
  return Volume(n * kNanolitresPerMicrolitre);
}
constexpr Volume millilitres(std::int64_t n) {
  return Volume(n * kNanolitresPerMillilitre);
}
constexpr DrugAmount nanograms(std::int64_t n) {
  return DrugAmount(n);
}
constexpr DrugAmount micrograms(std::int64_t n) {
  return DrugAmount(n * kNanogramsPerMicrogram);
}
constexpr DrugAmount milligrams(std::int64_t n) {
  return DrugAmount(n * kNanogramsPerMilligram);
}
constexpr Duration milliseconds(std::int64_t n) {
  return Duration(n);
}
constexpr Duration seconds(std::int64_t n) {
  return Duration(n * kMillisPerSecond);
}
constexpr Duration minutes(std::int64_t n) {
  return Duration(n * kMillisPerMinute);
}
constexpr Duration hours(std::int64_t n) {
  return Duration(n * kMillisPerHour);
}
constexpr Duration days(std::int64_t n) {
  return Duration(n * kMillisPerDay);
}

// Drug units a clinician prescribes in. The implant stores nanograms; the unit is for display.
enum class DoseUnit : std::uint8_t { kMilligram, kMicrogram };

constexpr std::int64_t nanograms_per(DoseUnit unit) {
  return unit == DoseUnit::kMilligram ? kNanogramsPerMilligram : kNanogramsPerMicrogram;
}

// ---- conversions (all round toward zero, i.e. toward delivering less) ----
namespace detail {
constexpr std::int64_t mul_div(std::int64_t a, std::int64_t b, std::int64_t c) {
  return static_cast<std::int64_t>(static_cast<Int128>(a) * b / c);
}
}  // namespace detail

// Drug contained in a volume of solution.
constexpr DrugAmount drug_in(Volume v, Concentration c) {
  return DrugAmount(detail::mul_div(v.count(), c.count(), kNanolitresPerMillilitre));
}

// Volume of solution that holds a drug amount (rounded down: never more drug than asked).
constexpr Volume volume_holding(DrugAmount a, Concentration c) {
  return c.count() <= 0 ? Volume(0)
                        : Volume(detail::mul_div(a.count(), kNanolitresPerMillilitre, c.count()));
}

// Flow that delivers a daily dose at a concentration (rounded down).
constexpr FlowRate flow_for(DoseRate d, Concentration c) {
  return c.count() <= 0 ? FlowRate(0)
                        : FlowRate(detail::mul_div(d.count(), kNanolitresPerMillilitre, c.count()));
}

// Daily dose a flow delivers at a concentration (rounded down).
constexpr DoseRate dose_rate_of(FlowRate f, Concentration c) {
  return DoseRate(detail::mul_div(f.count(), c.count(), kNanolitresPerMillilitre));
}

// Volume a flow delivers over a duration (rounded down).
constexpr Volume volume_over(FlowRate f, Duration d) {
  return Volume(detail::mul_div(f.count(), d.count(), kMillisPerDay));
}

// Time a flow takes to deliver a volume (rounded up: the volume is complete at the end).
constexpr Duration time_to_deliver(Volume v, FlowRate f) {
  if (f.count() <= 0) return Duration(0);
  const Int128 num = static_cast<Int128>(v.count()) * kMillisPerDay;
  return Duration(static_cast<std::int64_t>((num + f.count() - 1) / f.count()));
}

}  // namespace itdd

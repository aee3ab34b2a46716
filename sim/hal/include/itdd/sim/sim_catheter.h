// The liquid path from the reservoir outlet to the catheter tip (pump dead volume plus catheter
// volume) as a FIFO of segments of solution. Each stroke pushes solution in at the pump end and
// the same volume leaves at the tip; what leaves the tip is what the patient actually receives.
// This is how the simulator shows the lag after a concentration change, the saline pushed
// ahead during priming, and how a bridge bolus keeps the dose constant.
//
// Drug is counted in "drug units" of nL x ng/mL (= 1e-6 ng, femtograms) so that one stroke's
// drug is an exact integer and no rounding happens per stroke.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "itdd/core/units.h"

namespace itdd::sim {

// Femtograms: volume in nL times concentration in ng/mL.
inline constexpr std::int64_t kDrugUnitsPerNanogram = kNanolitresPerMillilitre;

class SimCatheter {
 public:
  // Bounded so a stroke costs O(1): when full, the two oldest segments are mixed.
  static constexpr std::size_t kMaxSegments = 16;

  struct Segment {
    std::int64_t volume_nl = 0;
    std::int64_t concentration = 0;  // ng per mL
  };

  // Starts filled with `dead_volume` of solution at `initial` (0: saline/CSF, not yet primed).
  SimCatheter(Volume dead_volume, Concentration initial);

  // Pushes `volume` at `concentration` in at the pump end; returns the drug (femtograms) of the
  // same volume leaving at the tip.
  std::int64_t push(Volume volume, Concentration concentration) {
    if (volume.count() <= 0) return 0;
    if (dead_volume_nl_ == 0) return volume.count() * concentration.count();
    // The constructor leaves at least one segment and pop_tip never removes the last one.
    Segment& newest = segments_[index_of(count_ - 1)];
    if (newest.concentration == concentration.count()) {
      newest.volume_nl += volume.count();
    } else {
      append(volume.count(), concentration.count());
    }
    return pop_tip(volume.count());
  }

  Volume dead_volume() const { return Volume(dead_volume_nl_); }
  std::size_t segment_count() const { return count_; }
  // 0 = at the tip (oldest).
  const Segment& segment(std::size_t age_order) const { return segments_[index_of(age_order)]; }
  Concentration tip_concentration() const {
    return Concentration(count_ > 0 ? segments_[head_].concentration : 0);
  }
  // Drug in the line, femtograms.
  std::int64_t drug_inside() const;

 private:
  std::size_t index_of(std::size_t age_order) const { return (head_ + age_order) % kMaxSegments; }
  void append(std::int64_t volume_nl, std::int64_t concentration);
  std::int64_t pop_tip(std::int64_t volume_nl) {
    // The common case, one segment larger than a stroke, is a subtraction.
    Segment& tip = segments_[head_];
    if (tip.volume_nl > volume_nl) {
      tip.volume_nl -= volume_nl;
      return volume_nl * tip.concentration;
    }
    return pop_tip_slow(volume_nl);
  }
  std::int64_t pop_tip_slow(std::int64_t volume_nl);

  std::array<Segment, kMaxSegments> segments_{};
  std::size_t head_ = 0;  // the oldest segment, at the tip
  std::size_t count_ = 0;
  std::int64_t dead_volume_nl_ = 0;
};

}  // namespace itdd::sim

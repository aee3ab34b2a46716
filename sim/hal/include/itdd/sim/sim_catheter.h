// The liquid path from the reservoir outlet to the catheter tip (pump dead volume plus catheter
// volume) as a FIFO of segments of solution. Each stroke pushes solution in at the pump end and
// the same volume leaves at the tip; what leaves the tip is what the patient actually receives.
// This is how the simulator shows the lag after a concentration change, the saline pushed
// ahead during priming, how a bridge bolus keeps the dose constant, and, after a refill with
// another drug, the old drug still given until the line has turned over.
//
// Drug is counted in "drug units" of nL x ng/mL (= 1e-6 ng, femtograms) so that one stroke's
// drug is an exact integer and no rounding happens per stroke. Every segment carries its drug
// (sim_drug.h), and what leaves the tip is added to that drug's total: no drug's mass is ever
// created, lost or given to another drug (the property test in sim_hal_test.cpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "itdd/core/units.h"
#include "itdd/sim/sim_drug.h"

namespace itdd::sim {

// Femtograms: volume in nL times concentration in ng/mL.
inline constexpr std::int64_t kDrugUnitsPerNanogram = kNanolitresPerMillilitre;

class SimCatheter {
 public:
  // Bounded so a stroke costs O(1). When all are in use, the oldest adjacent pair of the same
  // drug is merged (volumes and drug added: exact); when no two neighbours share a drug, the
  // two oldest become one segment holding each drug's mass apart (see `kSeveralDrugs`).
  static constexpr std::size_t kMaxSegments = 16;
  // `Segment::concentration` of a segment merged from different concentrations: its drug is
  // `drug_fg`, spread evenly over its volume.
  static constexpr std::int64_t kVaried = -1;
  // `Segment::drug` of the one segment that mixes drugs. It only arises at the tip (from the
  // two oldest) and stays there until it has left, so there is at most one; each drug's mass
  // in it is kept apart (`mixed_drug_fg`). Every part of it that leaves gives each drug its
  // share rounded down (toward delivering less) and keeps the remainder, which leaves with
  // its last part: each drug's total stays exact, only its timing inside the segment blurs.
  static constexpr DrugIndex kSeveralDrugs = 0xFF;

  struct Segment {
    std::int64_t volume_nl = 0;
    std::int64_t concentration = 0;  // ng per mL, or kVaried
    std::int64_t drug_fg = 0;        // drug in the segment, femtograms (all its drugs)
    DrugIndex drug = 0;              // or kSeveralDrugs
  };

  // Starts filled with `dead_volume` of solution at `initial` of drug `drug` (0 ng/mL:
  // saline/CSF, not yet primed).
  SimCatheter(Volume dead_volume, Concentration initial, DrugIndex drug = 0);

  // Pushes `volume` of drug `drug` (below kMaxDrugs) at `concentration` (not negative) in at
  // the pump end; the drug of the same volume leaving at the tip is added to `tip` per drug,
  // and returned (all drugs, femtograms).
  std::int64_t push(Volume volume, Concentration concentration, DrugIndex drug, DrugAmounts& tip) {
    if (volume.count() <= 0) return 0;
    const std::int64_t volume_nl = volume.count();
    const std::int64_t drug_fg = volume_nl * concentration.count();
    if (dead_volume_nl_ == 0) {
      tip[drug] += drug_fg;
      return drug_fg;
    }
    // The constructor leaves at least one segment and pop_tip never removes the last one.
    Segment& newest = segments_[index_of(count_ - 1)];
    if (newest.drug == drug && newest.concentration == concentration.count()) {
      newest.volume_nl += volume_nl;
      newest.drug_fg += drug_fg;
    } else {
      append(Segment{volume_nl, concentration.count(), drug_fg, drug});
    }
    return pop_tip(volume_nl, tip);
  }

  Volume dead_volume() const { return Volume(dead_volume_nl_); }
  std::size_t segment_count() const { return count_; }
  // 0 = at the tip (oldest).
  const Segment& segment(std::size_t age_order) const { return segments_[index_of(age_order)]; }
  // Each drug's mass in the segment that mixes drugs (all zero when there is none).
  const DrugAmounts& mixed_drug_fg() const { return mixed_fg_; }
  // Drug in the line, femtograms: all drugs, and per drug.
  std::int64_t drug_inside() const;
  DrugAmounts drug_inside_by_drug() const;

 private:
  std::size_t index_of(std::size_t age_order) const { return (head_ + age_order) % kMaxSegments; }
  void append(const Segment& segment);
  void merge_with_next(std::size_t age_order);
  std::int64_t pop_tip(std::int64_t volume_nl, DrugAmounts& tip_out) {
    // The common case, one segment of one concentration larger than a stroke, is a subtraction.
    Segment& tip = segments_[head_];
    if (tip.volume_nl > volume_nl && tip.concentration != kVaried) {
      const std::int64_t drug_fg = volume_nl * tip.concentration;
      tip.volume_nl -= volume_nl;
      tip.drug_fg -= drug_fg;
      tip_out[tip.drug] += drug_fg;
      return drug_fg;
    }
    return pop_tip_slow(volume_nl, tip_out);
  }
  std::int64_t pop_tip_slow(std::int64_t volume_nl, DrugAmounts& tip_out);
  std::int64_t take_from_tip(std::int64_t volume_nl, DrugAmounts& tip_out);

  std::array<Segment, kMaxSegments> segments_{};
  std::size_t head_ = 0;  // the oldest segment, at the tip
  std::size_t count_ = 0;
  std::int64_t dead_volume_nl_ = 0;
  DrugAmounts mixed_fg_{};
};

}  // namespace itdd::sim

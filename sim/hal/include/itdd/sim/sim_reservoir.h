// The drug reservoir as it really is, as opposed to the implant's estimate: the volume of
// solution actually left, its concentration and its drug (sim_drug.h). The implant only counts
// nominal strokes, so the two drift apart when strokes are not exactly nominal.
#pragma once

#include "itdd/core/units.h"
#include "itdd/sim/sim_drug.h"

namespace itdd::sim {

class SimReservoir {
 public:
  explicit SimReservoir(Volume capacity) : capacity_(capacity) {}

  // A refill withdraws what is left and leaves `volume` of new solution of drug `drug`.
  // Refused (false, nothing changed) when the volume is negative or above the reservoir's
  // capacity, or the drug is not below kMaxDrugs.
  bool refill(Volume volume, Concentration concentration, DrugIndex drug) {
    if (volume.count() < 0 || volume > capacity_ || drug >= kMaxDrugs) return false;
    actual_ = volume;
    concentration_ = concentration;
    drug_ = drug;
    return true;
  }

  // Takes up to `want` out; what is not there cannot be moved.
  Volume draw(Volume want) {
    const Volume taken = want < actual_ ? want : actual_;
    actual_ -= taken;
    return taken;
  }

  Volume capacity() const { return capacity_; }
  Volume actual() const { return actual_; }
  Concentration concentration() const { return concentration_; }
  DrugIndex drug() const { return drug_; }

 private:
  Volume capacity_;
  Volume actual_{0};
  Concentration concentration_{0};
  DrugIndex drug_ = 0;
};

}  // namespace itdd::sim

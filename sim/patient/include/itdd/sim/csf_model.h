// The drug in the spinal fluid (CSF) of one patient, for one drug: two well-mixed compartments,
// the lumbar one around the catheter tip (where the pump's drug enters) and the cisternal one
// (the rest of the CSF up to the cisterns), joined by the CSF's exchange flow and each cleared into
// the blood (docs/virtual-patient.md has the equations, the parameters and their sources).
//
//   dA_L/dt = u(t) - (CL_L + Q) A_L / V_L + Q A_C / V_C
//   dA_C/dt =        Q A_L / V_L - (Q + CL_C) A_C / V_C
//
// Integrated in fixed steps (kCsfStep) by the exact solution of these linear equations for an
// input that is constant within a step (the matrix exponential, worked out once, in double, and
// rounded down to 2^-40 fixed point). The stepping itself is integer only: the amounts are whole
// femtograms (the catheter's unit: what leaves the tip enters here without rounding), each
// step's new amounts are rounded down to the femtogram, and what is no longer in either
// compartment is counted as cleared. So, exactly, at every step,
//   drug entered = drug cleared + drug present,
// a run is bit-for-bit reproducible, and the rounding only ever clears a little more (under 3 fg
// per compartment per step) than the continuous model would.
#pragma once

#include <cstdint>

#include "itdd/core/units.h"

namespace itdd::sim {

// The integration step: short beside the fastest half-life (baclofen's shortest, 0.9 h) and the
// pump's strokes (minutes apart), so a stroke's drug is spread over at most one minute.
inline constexpr Duration kCsfStep = minutes(1);

// What the model needs for one drug, in integer base units (the readers' exact decimals).
struct CsfDrugParams {
  std::int64_t clearance_nl_per_min = 0;  // CL: the drug's total CSF clearance (> 0)
  // V: the drug's CSF volume of distribution at steady state as the studies report it, referred
  // to the concentration at the tip (Vss = V_L + V_C / R: the drug in the CSF over the lumbar
  // level), so the model's mean residence time is the published V / CL (> 0).
  std::int64_t volume_nl = 0;
  // Lumbar : cisternal concentration at steady state, in thousandths (>= 1000).
  std::int64_t lumbar_to_cisternal_milli = 1000;
};

// The CSF itself, the same for every drug of a patient.
struct CsfPhysiology {
  std::int64_t exchange_nl_per_min = 0;  // Q: CSF flow between the two compartments (> 0)
  // The lumbar compartment's share of V (1 to 999): V_L = share V, V_C = (1 - share) V R.
  std::int64_t lumbar_share_permille = 0;
};

// The compartments' flows and volumes the parameters give (mL and mL/min as doubles: only used
// to work out the step's coefficients once, and for the summary).
struct CsfCompartments {
  double lumbar_volume_ml = 0;
  double cisternal_volume_ml = 0;
  double exchange_ml_per_min = 0;             // Q
  double lumbar_clearance_ml_per_min = 0;     // CL_L = CL - Q (R - 1) / R
  double cisternal_clearance_ml_per_min = 0;  // CL_C = Q (R - 1)
  double terminal_half_life_min = 0;          // ln 2 / the slower rate of decay
};

// CL_L, CL_C and the volumes; CL_L < 0 (a clearance too small for the ratio and the exchange
// flow) is the caller's to refuse (`minimum_clearance_nl_per_min`).
CsfCompartments compartments_of(const CsfDrugParams& drug, const CsfPhysiology& csf);
// V_L = share V and V_C = (1 - share) V R, nL (each rounded down).
std::int64_t lumbar_volume_nl(const CsfDrugParams& drug, const CsfPhysiology& csf);
std::int64_t cisternal_volume_nl(const CsfDrugParams& drug, const CsfPhysiology& csf);
// The smallest CL that keeps CL_L >= 0: Q (R - 1) / R, rounded up.
std::int64_t minimum_clearance_nl_per_min(const CsfDrugParams& drug, const CsfPhysiology& csf);

class CsfModel {
 public:
  // Preconditions (the readers refuse anything else): every volume, flow and clearance above 0,
  // R >= 1, CL >= minimum_clearance_nl_per_min.
  CsfModel(const CsfDrugParams& drug, const CsfPhysiology& csf);

  // One step of kCsfStep during which `input_fg` entered at the catheter tip, spread evenly.
  void step(std::int64_t input_fg);

  std::int64_t lumbar_fg() const { return lumbar_fg_; }
  std::int64_t cisternal_fg() const { return cisternal_fg_; }
  std::int64_t entered_fg() const { return entered_fg_; }
  std::int64_t cleared_fg() const { return cleared_fg_; }
  // Concentrations in pg/mL, rounded down (1 fg/nL = 1 ng/mL).
  std::int64_t lumbar_pg_per_ml() const;
  std::int64_t cisternal_pg_per_ml() const;
  // The lumbar steady state of a constant input: rate / CL, pg/mL (rounded down).
  std::int64_t steady_state_pg_per_ml(std::int64_t ng_per_day) const;

  const CsfCompartments& compartments() const { return compartments_; }
  std::int64_t lumbar_volume_nl() const { return lumbar_nl_; }
  std::int64_t cisternal_volume_nl() const { return cisternal_nl_; }

  // The step's coefficients, 2^-40 fixed point: E = exp(A h) column by column (from lumbar,
  // from cisternal), G = the lumbar input's share in each compartment at the step's end.
  static constexpr int kFractionBits = 40;
  struct Coefficients {
    std::int64_t lumbar_from_lumbar = 0;
    std::int64_t cisternal_from_lumbar = 0;
    std::int64_t lumbar_from_cisternal = 0;
    std::int64_t cisternal_from_cisternal = 0;
    std::int64_t lumbar_from_input = 0;
    std::int64_t cisternal_from_input = 0;
  };
  const Coefficients& coefficients() const { return k_; }

 private:
  CsfCompartments compartments_;
  std::int64_t clearance_nl_per_min_ = 0;
  std::int64_t lumbar_nl_ = 0;
  std::int64_t cisternal_nl_ = 0;
  Coefficients k_;
  std::int64_t lumbar_fg_ = 0;
  std::int64_t cisternal_fg_ = 0;
  std::int64_t entered_fg_ = 0;
  std::int64_t cleared_fg_ = 0;
};

}  // namespace itdd::sim

// The virtual patient: the drug the simulated pump really delivers at the catheter tip, drug by
// drug, in the spinal fluid (csf_model.h), with the level compared against the steady state of
// what is prescribed. Its risk flags are outputs of a population model, not measurements.
//
// The runner calls advance_to() whenever its clock has moved, with what has left the tip so
// far: what left since the previous call left at that call's time, and enters the CSF within
// the step (kCsfStep) holding it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "itdd/core/time.h"
#include "itdd/sim/csf_model.h"
#include "itdd/sim/patient_params.h"
#include "itdd/sim/sim_drug.h"

namespace itdd::sim {

enum class RiskKind : std::uint8_t {
  kWithdrawal,  // below RiskThresholds::withdrawal_below of the steady state for longer than
                // withdrawal_after (drugs with a withdrawal syndrome, while they are prescribed)
  kOverdose,    // above RiskThresholds::overdose_above times the steady state
  kPocketFill,  // a refill's drug went into the tissue pocket: it reaches the blood, not the
                // CSF (not modelled here), a risk of systemic overdose, and the reservoir holds
                // less than the implant believes
};
const char* risk_name(RiskKind kind);  // "withdrawal", "overdose", "pocket_fill"

struct RiskFlag {
  std::size_t drug = 0;  // sim::DrugIndex
  RiskKind kind = RiskKind::kWithdrawal;
  // Judged on hourly means: `began` is the start of the first hour past the threshold (an
  // overdose: the end of it), `flagged` the end of the hour that made the time longer than
  // withdrawal_after (an overdose: began), `ended` the end of the first hour back.
  ImplantTime began{};
  ImplantTime flagged{};
  ImplantTime ended = ImplantTime::never();  // back across the threshold
  std::int64_t steady_state_pg_per_ml = 0;   // the reference at the time
  std::int64_t extreme_pg_per_ml = 0;        // the lowest (withdrawal) or highest (overdose)
  std::int64_t pocket_fg = 0;                // kPocketFill: the drug put into the pocket
  std::int64_t prescribed_ng_per_day = 0;    // kPocketFill: the drug's prescribed daily dose
};

struct CsfDrugReport {
  CsfDrug drug;
  CsfCompartments compartments;
  std::int64_t lumbar_volume_nl = 0;
  std::int64_t cisternal_volume_nl = 0;
  std::int64_t prescribed_ng_per_day = 0;         // the last prescription of it (0: never)
  std::int64_t steady_state_pg_per_ml = 0;        // lumbar, of that prescription: rate / CL
  std::int64_t highest_pg_per_ml = 0;             // lumbar, the highest hourly mean
  ImplantTime highest_at = ImplantTime::never();  // the end of that hour
  std::int64_t peak_pg_per_ml = 0;  // lumbar, the highest at any step (after a stroke)
  ImplantTime peak_at = ImplantTime::never();
  std::int64_t lumbar_pg_per_ml_at_end = 0;
  std::int64_t cisternal_pg_per_ml_at_end = 0;
  // The mass balance, femtograms: entered = cleared + lumbar + cisternal, exactly.
  std::int64_t entered_fg = 0;
  std::int64_t cleared_fg = 0;
  std::int64_t lumbar_fg_at_end = 0;
  std::int64_t cisternal_fg_at_end = 0;
};

struct PatientReport {
  CsfPhysiology physiology;
  RiskThresholds risk;
  std::vector<CsfDrugReport> drugs;  // by sim::DrugIndex
  // Each elapsed hour's mean (the last hour's over its whole steps), per drug:
  // [hour * drugs.size() + drug], pg/mL. The flags judge these means.
  std::vector<std::int64_t> hourly_lumbar_pg_per_ml;
  std::vector<std::int64_t> hourly_cisternal_pg_per_ml;
  std::vector<RiskFlag> flags;  // in the order raised
  ImplantTime modelled_until{};
};

class VirtualPatient {
 public:
  // `hours`: the run's hourly bins (the last may be partial).
  VirtualPatient(const PatientSetup& setup, std::size_t hours);

  // The prescription now running gives `drug` `ng_per_day` (averaged over the week): its steady
  // state becomes the reference, and it is the drug watched for withdrawal. A stop (0 ng/day)
  // keeps the last reference: stopping a drug abruptly is what withdrawal is.
  void prescribe(std::size_t drug, std::int64_t ng_per_day);
  // At a refill, `drug_fg` of `drug` went into the tissue pocket.
  void pocket_fill(ImplantTime at, std::size_t drug, std::int64_t drug_fg);
  // `tip_fg`: each drug's total that has left the catheter tip up to `now`.
  void advance_to(ImplantTime now, const DrugAmounts& tip_fg);
  PatientReport finish(ImplantTime end, const DrugAmounts& tip_fg);

 private:
  struct Watch {
    std::int64_t reference_pg_per_ml = 0;
    bool armed = false;  // reached the withdrawal threshold once since prescribed
    ImplantTime below_since = ImplantTime::never();
    std::int64_t lowest_pg_per_ml = 0;
    std::ptrdiff_t open_withdrawal = -1;  // index into flags
    std::ptrdiff_t open_overdose = -1;
  };
  void step();
  void close_hour(ImplantTime at, std::size_t hour);
  void check(std::size_t drug, std::int64_t level, ImplantTime at);

  PatientReport report_;
  std::vector<CsfModel> models_;
  std::vector<Watch> watch_;
  std::vector<std::int64_t> pending_fg_;
  std::vector<std::int64_t> hour_lumbar_sum_;
  std::vector<std::int64_t> hour_cisternal_sum_;
  std::int64_t steps_this_hour_ = 0;
  DrugAmounts last_tip_{};
  std::size_t prescribed_ = 0;
  bool any_prescribed_ = false;
  ImplantTime step_end_;
};

}  // namespace itdd::sim

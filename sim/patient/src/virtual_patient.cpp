#include "itdd/sim/virtual_patient.h"

#include "itdd/core/units.h"

namespace itdd::sim {

const char* risk_name(RiskKind kind) {
  switch (kind) {
    case RiskKind::kWithdrawal:
      return "withdrawal";
    case RiskKind::kOverdose:
      return "overdose";
    case RiskKind::kPocketFill:
      return "pocket_fill";
  }
  return "unknown";
}

void VirtualPatient::pocket_fill(ImplantTime at, std::size_t drug, std::int64_t drug_fg) {
  if (drug >= models_.size() || drug_fg <= 0) return;
  RiskFlag f;
  f.drug = drug;
  f.kind = RiskKind::kPocketFill;
  f.began = at;
  f.flagged = at;
  f.ended = at;
  f.steady_state_pg_per_ml = watch_[drug].reference_pg_per_ml;
  f.pocket_fg = drug_fg;
  f.prescribed_ng_per_day = report_.drugs[drug].prescribed_ng_per_day;
  report_.flags.push_back(f);
}

VirtualPatient::VirtualPatient(const PatientSetup& setup, std::size_t hours)
    : step_end_(ImplantTime(kCsfStep.count())) {
  report_.physiology = setup.physiology;
  report_.risk = setup.risk;
  for (const CsfDrug& d : setup.drugs) {
    models_.emplace_back(d.params, setup.physiology);
    CsfDrugReport r;
    r.drug = d;
    r.compartments = models_.back().compartments();
    r.lumbar_volume_nl = models_.back().lumbar_volume_nl();
    r.cisternal_volume_nl = models_.back().cisternal_volume_nl();
    report_.drugs.push_back(std::move(r));
  }
  watch_.assign(models_.size(), Watch{});
  pending_fg_.assign(models_.size(), 0);
  hour_lumbar_sum_.assign(models_.size(), 0);
  hour_cisternal_sum_.assign(models_.size(), 0);
  report_.hourly_lumbar_pg_per_ml.assign(hours * models_.size(), 0);
  report_.hourly_cisternal_pg_per_ml.assign(hours * models_.size(), 0);
}

void VirtualPatient::prescribe(std::size_t drug, std::int64_t ng_per_day) {
  if (drug >= models_.size()) return;
  if (!any_prescribed_ || drug != prescribed_) watch_[drug].armed = false;
  prescribed_ = drug;
  any_prescribed_ = true;
  if (ng_per_day <= 0) return;
  watch_[drug].reference_pg_per_ml = models_[drug].steady_state_pg_per_ml(ng_per_day);
  report_.drugs[drug].prescribed_ng_per_day = ng_per_day;
  report_.drugs[drug].steady_state_pg_per_ml = watch_[drug].reference_pg_per_ml;
}

void VirtualPatient::advance_to(ImplantTime now, const DrugAmounts& tip_fg) {
  for (std::size_t d = 0; d < models_.size(); ++d) {
    pending_fg_[d] += tip_fg[d] - last_tip_[d];
    last_tip_[d] = tip_fg[d];
  }
  while (step_end_ <= now) step();
}

void VirtualPatient::step() {
  const ImplantTime at = step_end_;
  for (std::size_t d = 0; d < models_.size(); ++d) {
    CsfModel& m = models_[d];
    m.step(pending_fg_[d]);
    pending_fg_[d] = 0;
    const std::int64_t level = m.lumbar_pg_per_ml();
    CsfDrugReport& r = report_.drugs[d];
    if (level > r.peak_pg_per_ml) {
      r.peak_pg_per_ml = level;
      r.peak_at = at;
    }
    hour_lumbar_sum_[d] += level;
    hour_cisternal_sum_[d] += m.cisternal_pg_per_ml();
  }
  ++steps_this_hour_;
  report_.modelled_until = at;
  step_end_ = at + kCsfStep;
  if (at.ms() % kMillisPerHour == 0) {
    close_hour(at, static_cast<std::size_t>(at.ms() / kMillisPerHour) - 1);
  }
}

// The hour's mean levels: its sample, and what the flags judge (the strokes, minutes apart,
// each a small bolus into the well-mixed lumbar compartment, make a ripple within the hour
// that the model's instant mixing exaggerates).
void VirtualPatient::close_hour(ImplantTime at, std::size_t hour) {
  if (steps_this_hour_ == 0) return;
  const std::size_t n = models_.size();
  for (std::size_t d = 0; d < n; ++d) {
    const std::int64_t lumbar = hour_lumbar_sum_[d] / steps_this_hour_;
    const std::int64_t cisternal = hour_cisternal_sum_[d] / steps_this_hour_;
    hour_lumbar_sum_[d] = 0;
    hour_cisternal_sum_[d] = 0;
    const std::size_t i = hour * n + d;
    if (i < report_.hourly_lumbar_pg_per_ml.size()) {
      report_.hourly_lumbar_pg_per_ml[i] = lumbar;
      report_.hourly_cisternal_pg_per_ml[i] = cisternal;
    }
    CsfDrugReport& r = report_.drugs[d];
    if (lumbar > r.highest_pg_per_ml) {
      r.highest_pg_per_ml = lumbar;
      r.highest_at = at;
    }
    check(d, lumbar, at);
  }
  steps_this_hour_ = 0;
}

void VirtualPatient::check(std::size_t d, std::int64_t level, ImplantTime at) {
  Watch& w = watch_[d];
  if (w.reference_pg_per_ml <= 0) return;
  const RiskThresholds& risk = report_.risk;
  // Overdose, whichever drug.
  const std::int64_t high = static_cast<std::int64_t>(static_cast<Int128>(w.reference_pg_per_ml) *
                                                      risk.overdose_above_permille / 1000);
  if (level > high) {
    if (w.open_overdose < 0) {
      w.open_overdose = static_cast<std::ptrdiff_t>(report_.flags.size());
      report_.flags.push_back(RiskFlag{d, RiskKind::kOverdose, at, at, ImplantTime::never(),
                                       w.reference_pg_per_ml, 0, 0, 0});
    }
    RiskFlag& f = report_.flags[static_cast<std::size_t>(w.open_overdose)];
    if (level > f.extreme_pg_per_ml) f.extreme_pg_per_ml = level;
  } else if (w.open_overdose >= 0) {
    report_.flags[static_cast<std::size_t>(w.open_overdose)].ended = at;
    w.open_overdose = -1;
  }
  // Withdrawal: only the drug prescribed now, once its level has reached the threshold (a
  // patient starting therapy, or a new drug still behind the old one in the catheter, is not
  // withdrawing).
  const bool watched =
      any_prescribed_ && d == prescribed_ && report_.drugs[d].drug.withdrawal_syndrome;
  const std::int64_t low = w.reference_pg_per_ml * risk.withdrawal_below_permille / 1000;
  if (!watched || level >= low) {
    if (watched) w.armed = true;
    if (w.open_withdrawal >= 0) {
      report_.flags[static_cast<std::size_t>(w.open_withdrawal)].ended = at;
      w.open_withdrawal = -1;
    }
    w.below_since = ImplantTime::never();
    return;
  }
  if (!w.armed) return;
  if (w.below_since.is_never()) {
    // The hour whose mean is below: the level fell during it.
    w.below_since = at - hours(1);
    w.lowest_pg_per_ml = level;
  }
  if (level < w.lowest_pg_per_ml) w.lowest_pg_per_ml = level;
  if (w.open_withdrawal < 0 && at - w.below_since > risk.withdrawal_after) {
    w.open_withdrawal = static_cast<std::ptrdiff_t>(report_.flags.size());
    report_.flags.push_back(RiskFlag{d, RiskKind::kWithdrawal, w.below_since, at,
                                     ImplantTime::never(), w.reference_pg_per_ml, level, 0, 0});
  }
  if (w.open_withdrawal >= 0) {
    report_.flags[static_cast<std::size_t>(w.open_withdrawal)].extreme_pg_per_ml =
        w.lowest_pg_per_ml;
  }
}

PatientReport VirtualPatient::finish(ImplantTime end, const DrugAmounts& tip_fg) {
  advance_to(end, tip_fg);
  const std::size_t n = models_.size();
  // A last partial hour: the mean of its whole steps.
  close_hour(report_.modelled_until,
             static_cast<std::size_t>(report_.modelled_until.ms() / kMillisPerHour));
  for (std::size_t d = 0; d < n; ++d) {
    CsfDrugReport& r = report_.drugs[d];
    const CsfModel& m = models_[d];
    r.lumbar_pg_per_ml_at_end = m.lumbar_pg_per_ml();
    r.cisternal_pg_per_ml_at_end = m.cisternal_pg_per_ml();
    r.entered_fg = m.entered_fg();
    r.cleared_fg = m.cleared_fg();
    r.lumbar_fg_at_end = m.lumbar_fg();
    r.cisternal_fg_at_end = m.cisternal_fg();
  }
  return std::move(report_);
}

}  // namespace itdd::sim

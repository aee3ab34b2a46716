#include "itdd/programmer/fixed_rate_dosing.h"

#include <fmt/format.h>

#include <algorithm>

#include "itdd/core/time.h"
#include "itdd/host/decimal.h"
#include "itdd/programmer/units_text.h"

namespace itdd::programmer {
namespace {

std::string percent(std::int32_t permille) {
  return host::format_decimal(permille, 10) + " %";
}

// The instant `ms` after `from`, or `from` plus as much as fits.
std::int64_t after(std::int64_t from, Int128 ms) {
  const Int128 end = static_cast<Int128>(from) + ms;
  const Int128 top = std::numeric_limits<std::int64_t>::max();
  return static_cast<std::int64_t>(end > top ? top : end);
}

// How long `volume` lasts at `flow` (> 0), rounded down to the ms: never later than it runs out.
Int128 lasts(Volume volume, FlowRate flow) {
  if (volume.count() <= 0) return 0;
  return static_cast<Int128>(volume.count()) * kMillisPerDay / flow.count();
}

}  // namespace

FlowRate worst_case_flow(const FixedRateFigures& pump) {
  const Int128 scaled = static_cast<Int128>(pump.nominal_flow.count()) *
                        (1000 + std::max<std::int32_t>(pump.flow_tolerance_permille, 0));
  return FlowRate(static_cast<std::int64_t>((scaled + 999) / 1000));
}

Concentration concentration_step(DoseUnit unit) {
  return Concentration(nanograms_per(unit) / 100);
}

host::Checked<FixedRateConcentration> concentration_for_daily_dose(DoseRate wanted,
                                                                   FlowRate nominal_flow,
                                                                   std::int32_t tolerance_permille,
                                                                   const DrugSpec& drug) {
  const DoseUnit unit = drug.unit;
  if (wanted.count() <= 0) {
    return host::Refusal{"dose", fmt::format("must be above 0 {}/day", unit_name(unit))};
  }
  if (nominal_flow.count() <= 0) {
    return host::Refusal{"nominal_flow", "the pump model's nominal flow must be above 0 mL/day"};
  }
  const DoseLimits& limits = drug.limits;
  if (wanted > limits.hard_max.value) {
    return host::Refusal{"dose", fmt::format("{} is above the hard maximum for {}, {} ({})",
                                             format_dose(wanted, unit), drug.display_name,
                                             format_dose(limits.hard_max.value, unit),
                                             limits.hard_max.note.label())};
  }
  const Concentration step = concentration_step(unit);
  // Exact: dose (ng/day) x 1e6 (nL/mL) / flow (nL/day), down to the step.
  const Int128 exact =
      static_cast<Int128>(wanted.count()) * kNanolitresPerMillilitre / nominal_flow.count();
  const Concentration c(static_cast<std::int64_t>(exact / step.count() * step.count()));
  FixedRateConcentration out;
  for (const Concentration listed : drug.concentrations.value) {
    out.highest_listed = std::max(out.highest_listed, listed);
  }
  if (c > out.highest_listed) {
    return host::Refusal{
        "concentration",
        fmt::format("{} at {} needs {}, above the highest concentration the library lists for {}, "
                    "{} ({}): at this pump's flow the highest dose is {}",
                    format_dose(wanted, unit), format_flow_ml_per_day(nominal_flow),
                    format_concentration(c, unit), drug.display_name,
                    format_concentration(out.highest_listed, unit),
                    drug.concentrations.note.label(),
                    format_dose(dose_rate_of(nominal_flow, out.highest_listed), unit))};
  }
  if (c.count() == 0) {
    return host::Refusal{
        "dose", fmt::format("{} at {} needs less than {}, the smallest step a concentration is "
                            "prepared to: the lowest dose this pump gives is {}",
                            format_dose(wanted, unit), format_flow_ml_per_day(nominal_flow),
                            format_concentration(step, unit),
                            format_dose(dose_rate_of(nominal_flow, step), unit))};
  }
  out.concentration = c;
  out.delivered = dose_rate_of(nominal_flow, c);
  const FlowRate worst = worst_case_flow({nominal_flow, tolerance_permille, {}, {}});
  out.delivered_at_worst = dose_rate_of(worst, c);
  if (out.delivered > limits.soft_max.value) {
    out.notes.push_back(
        fmt::format("{} is above the soft maximum for {}, {} ({}): it needs the "
                    "clinician's reason",
                    format_dose(out.delivered, unit), drug.display_name,
                    format_dose(limits.soft_max.value, unit), limits.soft_max.note.label()));
  }
  if (limits.soft_min && out.delivered < limits.soft_min->value) {
    out.notes.push_back(
        fmt::format("{} is below the soft minimum for {}, {} ({}): it needs the "
                    "clinician's reason",
                    format_dose(out.delivered, unit), drug.display_name,
                    format_dose(limits.soft_min->value, unit), limits.soft_min->note.label()));
  }
  if (tolerance_permille > 0) {
    out.notes.push_back(fmt::format(
        "the pump's flow may be {} off its nominal {}: this concentration gives from {} to {}",
        percent(tolerance_permille), format_flow_ml_per_day(nominal_flow),
        format_dose(dose_rate_of(FlowRate(nominal_flow.count() -
                                          nominal_flow.count() * tolerance_permille / 1000 -
                                          (nominal_flow.count() * tolerance_permille % 1000 != 0)),
                                 c),
                    unit),
        format_dose(out.delivered_at_worst, unit)));
  }
  return out;
}

FixedRateRefillPlan fixed_rate_next_refill(const host::TimeZone& zone,
                                           std::int64_t filled_at_utc_ms, Volume in_reservoir,
                                           const FixedRateFigures& pump, const RefillRules& rules) {
  FixedRateRefillPlan plan;
  const FlowRate worst = worst_case_flow(pump);
  const Volume usable = in_reservoir - pump.residual_volume;
  plan.empty_at_worst_utc_ms = after(filled_at_utc_ms, lasts(usable, worst));
  plan.empty_at_nominal_utc_ms = after(filled_at_utc_ms, lasts(usable, pump.nominal_flow));
  const std::int64_t low_at_worst =
      after(filled_at_utc_ms, lasts(usable - pump.refill_margin, worst));

  // The library's rules on the clinic's wall clock (calendar days across daylight saving).
  ClinicRefillDate& r = plan.refill;
  r.low_reservoir_utc_ms = low_at_worst;
  r.local = next_refill_date(zone.local(low_at_worst), rules.safety_margin,
                             zone.local(filled_at_utc_ms), rules.stability_days,
                             rules.first_fill_stability_days, rules.max_refill_interval_days);
  if (r.local.decided_by == RefillRule::kLowReservoir) {
    r.local.why = fmt::format(
        "at the label's +{} ({}, the fastest this pump may run) only the {} margin is left above "
        "the {} the bellows keeps on {}, less the {}-day safety margin",
        percent(pump.flow_tolerance_permille), format_flow_ml_per_day(worst),
        format_volume_ml(pump.refill_margin), format_volume_ml(pump.residual_volume),
        host::format_wall_time(zone.local(low_at_worst)),
        host::format_decimal(rules.safety_margin.count() / (kMillisPerDay / 100), 100));
  }
  // The bound: the due day must end before the reservoir can run empty at the worst flow, so a
  // refill any time that day is in time. The latest such day is the one before the empty day.
  const std::int64_t empty_day =
      floor_div(zone.local(plan.empty_at_worst_utc_ms).ms(), kMillisPerDay);
  const std::int64_t latest_day = empty_day - 1;
  if (floor_div(r.local.due.ms(), kMillisPerDay) > latest_day) {
    r.local.due = zone.local(zone.start_of_day(latest_day));
    r.local.decided_by = RefillRule::kLowReservoir;
    r.local.why = fmt::format(
        "the reservoir can run empty on {} at the label's +{} ({}): refill the day before at "
        "the latest",
        zone.date_at(plan.empty_at_worst_utc_ms), percent(pump.flow_tolerance_permille),
        format_flow_ml_per_day(worst));
  }
  r.due_utc_ms = zone.instant_computed(r.local.due);
  // A computed time the clocks skip is said as the clocks show its instant.
  r.local.due = zone.local(r.due_utc_ms);
  r.local.reason = fmt::format("due {}: {}", host::format_wall_time(r.local.due), r.local.why);
  return plan;
}

}  // namespace itdd::programmer

#include "itdd/programmer/dosing.h"

#include <fmt/format.h>

namespace itdd::programmer {
namespace {

// The daily dose a flow delivers, rounded up: the smallest dose whose flow reaches it.
DoseRate dose_reaching(FlowRate flow, Concentration c) {
  const Int128 product = static_cast<Int128>(flow.count()) * c.count();
  return DoseRate(static_cast<std::int64_t>((product + kNanolitresPerMillilitre - 1) /
                                            kNanolitresPerMillilitre));
}

}  // namespace

FlowRate flow_for_dose(DoseRate dose, Concentration concentration) {
  return flow_for(dose, concentration);
}

host::Checked<FlowRate> programmable_flow(DoseRate dose, Concentration concentration,
                                          const PumpRateLimits& pump, DoseUnit unit) {
  if (concentration.count() <= 0) return host::Refusal{"concentration", "must be above 0"};
  if (dose.count() < 0) return host::Refusal{"dose", "must not be negative"};
  const FlowRate flow = flow_for_dose(dose, concentration);
  if (dose.count() == 0) return flow;
  if (flow < pump.min_rate) {
    return host::Refusal{
        "dose",
        fmt::format("{} at {} is {}, below the pump's minimum programmable rate of {}: the "
                    "lowest dose at this concentration is {} (or use a lower concentration)",
                    format_dose(dose, unit), format_concentration(concentration, unit),
                    format_flow_ml_per_day(flow), format_flow_ml_per_day(pump.min_rate),
                    format_dose(dose_reaching(pump.min_rate, concentration), unit))};
  }
  if (flow > pump.max_rate) {
    return host::Refusal{
        "dose",
        fmt::format("{} at {} is {}, above the pump's maximum rate of {}: the highest dose at "
                    "this concentration is {} (or use a higher concentration)",
                    format_dose(dose, unit), format_concentration(concentration, unit),
                    format_flow_ml_per_day(flow), format_flow_ml_per_day(pump.max_rate),
                    format_dose(dose_rate_of(pump.max_rate, concentration), unit))};
  }
  return flow;
}

}  // namespace itdd::programmer

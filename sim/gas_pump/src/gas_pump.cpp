#include "itdd/sim/gas_pump.h"

#include <algorithm>

namespace itdd::sim {
namespace {

// Floor division for a signed numerator and a positive denominator.
Int128 floor_div(Int128 num, Int128 den) {
  Int128 q = num / den;
  if (num % den != 0 && num < 0) --q;
  return q;
}

// nominal x drive x mu_ref / (ref_drive x mu), rounded down; 0 for no drive.
FlowRate flow_from(const host::GasPumpSpec& spec, std::int64_t drive, std::int64_t mu) {
  if (drive <= 0) return FlowRate(0);
  // The catalog refuses a model whose reference drive is not positive.
  const std::int64_t ref_drive =
      host::interpolate(spec.vapour_pressure, spec.reference_temperature_mc) -
      spec.reference_ambient_pa - spec.reference_intrathecal_pa;
  const std::int64_t mu_ref = host::interpolate(spec.viscosity, spec.reference_temperature_mc);
  // Below 2^127 for any figures the catalog admits (nL/day < 2^37, Pa < 2^34, nPa·s < 2^27).
  const Int128 num = static_cast<Int128>(spec.nominal_flow.count()) * drive * mu_ref;
  const Int128 den = static_cast<Int128>(ref_drive) * mu;
  return FlowRate(static_cast<std::int64_t>(num / den));
}

}  // namespace

GasConditions reference_conditions(const host::GasPumpSpec& spec) {
  return GasConditions{spec.reference_temperature_mc, spec.reference_ambient_pa,
                       spec.reference_intrathecal_pa};
}

std::int64_t bellows_pressure_pa(const host::GasPumpSpec& spec, Volume in_reservoir) {
  const std::int64_t span = spec.reservoir_capacity.count() - spec.residual_volume.count();
  if (span <= 0 || spec.bellows_swing_pa == 0) return 0;
  const std::int64_t above =
      std::clamp(in_reservoir.count() - spec.residual_volume.count(), std::int64_t{0}, span);
  // -swing at 0, +swing at span: swing x (2 above - span) / span.
  return static_cast<std::int64_t>(
      floor_div(static_cast<Int128>(spec.bellows_swing_pa) * (2 * above - span), span));
}

std::int64_t drive_pressure_pa(const host::GasPumpSpec& spec, const GasConditions& c,
                               Volume in_reservoir) {
  return host::interpolate(spec.vapour_pressure, c.temperature_mc) +
         bellows_pressure_pa(spec, in_reservoir) - c.ambient_pa - c.intrathecal_pa;
}

FlowRate gas_flow(const host::GasPumpSpec& spec, const GasConditions& c, Volume in_reservoir) {
  if (in_reservoir <= spec.residual_volume) return FlowRate(0);
  return flow_from(spec, drive_pressure_pa(spec, c, in_reservoir),
                   host::interpolate(spec.viscosity, c.temperature_mc));
}

GasPump::GasPump(const host::GasPumpSpec& spec, Volume fill, const GasConditions& conditions)
    : spec_(&spec), reservoir_(fill) {
  set_conditions(conditions);
}

void GasPump::set_conditions(const GasConditions& c) {
  conditions_ = c;
  drive_without_bellows_pa_ =
      host::interpolate(spec_->vapour_pressure, c.temperature_mc) - c.ambient_pa - c.intrathecal_pa;
  viscosity_ = host::interpolate(spec_->viscosity, c.temperature_mc);
}

FlowRate GasPump::flow() const {
  if (reservoir_ <= spec_->residual_volume) return FlowRate(0);
  return flow_from(*spec_, drive_without_bellows_pa_ + bellows_pressure_pa(*spec_, reservoir_),
                   viscosity_);
}

Volume GasPump::advance(Duration dt) {
  if (dt.count() <= 0) return Volume(0);
  const FlowRate f = flow();
  if (f.count() == 0) return Volume(0);
  // nL/day x ms = nL x ms/day: whole nanolitres out, the rest carried.
  const Int128 total = static_cast<Int128>(f.count()) * dt.count() + carry_nl_ms_;
  std::int64_t out = static_cast<std::int64_t>(total / kMillisPerDay);
  carry_nl_ms_ = static_cast<std::int64_t>(total % kMillisPerDay);
  const std::int64_t available = reservoir_.count() - spec_->residual_volume.count();
  if (out >= available) {
    out = std::max<std::int64_t>(available, 0);
    carry_nl_ms_ = 0;  // the bellows has collapsed: nothing more is pushed
  }
  reservoir_ = reservoir_ - Volume(out);
  return Volume(out);
}

Volume GasPump::refill(Volume volume) {
  const Volume withdrawn = reservoir_;
  reservoir_ = volume;
  return withdrawn;
}

}  // namespace itdd::sim

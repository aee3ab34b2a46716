// The physics of a fixed-rate gas-driven pump (docs/gas-pump.md): a propellant sealed round a
// bellows boils at body temperature and presses the drug through a restrictor. The flow is the
// drive pressure over the restrictor's resistance:
//
//   drive = p_vap(T) + p_bellows(V) - p_ambient - p_intrathecal
//   flow  = nominal x (drive / drive_ref) x (mu(T_ref) / mu(T))
//
// p_vap the propellant's vapour pressure at the pump's temperature T, p_bellows the bellows'
// spring at the reservoir's volume V, p_ambient the pressure around the body (the body's tissue
// and its spinal fluid follow it), p_intrathecal the spinal fluid's pressure above it at the
// catheter tip, mu the drug solution's viscosity (the restrictor is a laminar capillary: its
// resistance is proportional to mu). drive_ref is the drive at the model's reference
// conditions, where the flow is the label's. Everything is an exact integer (m°C, Pa, nPa·s,
// nL/day, nL, ms); the curves come from data/pump-models.json (host::GasPumpSpec) and each
// result rounds once, down (toward delivering less).
#pragma once

#include <cstdint>

#include "itdd/core/units.h"
#include "itdd/host/gas_pump_spec.h"

namespace itdd::sim {

// What the pump sits in.
struct GasConditions {
  std::int64_t temperature_mc = 37'000;  // the pump's temperature, milli-degrees Celsius
  std::int64_t ambient_pa = 101'325;     // absolute pressure around the body
  std::int64_t intrathecal_pa = 0;       // the spinal fluid's pressure above ambient at the tip
  bool operator==(const GasConditions&) const = default;
};

// The model's reference conditions: its label's flow holds there (with the bellows half out).
GasConditions reference_conditions(const host::GasPumpSpec& spec);

// The bellows' spring, Pa: +swing with a full reservoir, -swing at the residual volume, linear
// between (rounded toward negative infinity); the same beyond either end.
std::int64_t bellows_pressure_pa(const host::GasPumpSpec& spec, Volume in_reservoir);
// The pressure across the restrictor, Pa (negative: the propellant cannot push).
std::int64_t drive_pressure_pa(const host::GasPumpSpec& spec, const GasConditions& c,
                               Volume in_reservoir);
// The flow, nL/day, rounded down: 0 when the drive is not positive or the reservoir is down to
// its residual volume (the bellows has collapsed).
FlowRate gas_flow(const host::GasPumpSpec& spec, const GasConditions& c, Volume in_reservoir);

// One pump's reservoir over time: its flow held between calls to advance() and integrated
// exactly (the remainder below a nanolitre carried, as the implant's stroke scheduler carries
// its own), so what left plus what is in the reservoir is always what was filled.
class GasPump {
 public:
  GasPump(const host::GasPumpSpec& spec, Volume fill, const GasConditions& conditions);

  void set_conditions(const GasConditions& c);
  const GasConditions& conditions() const { return conditions_; }
  // The flow now (at the reservoir's current volume): gas_flow(), with what depends only on the
  // conditions worked out once at set_conditions (a year is a million steps).
  FlowRate flow() const;
  // Runs for `dt` at the flow at its start; returns what left the reservoir. Never takes the
  // reservoir below its residual volume. Call it with short steps (the simulator takes 30 s):
  // the flow changes with the volume only through the bellows' small spring.
  Volume advance(Duration dt);
  // Empties the reservoir (what was in it is returned: the clinician's withdrawal) and fills it
  // with `volume`.
  Volume refill(Volume volume);

  Volume reservoir() const { return reservoir_; }
  // Below a nanolitre, carried to the next advance: nL x ms of flow not yet delivered.
  std::int64_t carried_nl_ms() const { return carry_nl_ms_; }
  const host::GasPumpSpec& spec() const { return *spec_; }

 private:
  const host::GasPumpSpec* spec_;
  Volume reservoir_;
  GasConditions conditions_;
  std::int64_t carry_nl_ms_ = 0;
  // For the conditions: vapour pressure less ambient and intrathecal pressure (Pa), viscosity.
  std::int64_t drive_without_bellows_pa_ = 0;
  std::int64_t viscosity_ = 1;
};

}  // namespace itdd::sim

// Fixed-rate gas-driven pumps as data (data/pump-models.json, models of kind "gas-fixed-rate";
// docs/gas-pump.md): a propellant warmed by the body presses on a bellows round the reservoir
// and a restrictor sets the flow. No battery, no electronics, no alarms, nothing to program:
// the dose changes only with the concentration put in at a refill. The figures here are what
// the simulator's physics (sim/gas_pump) needs; the curves are tables of exact integers the
// physics interpolates between, so no floating point decides a flow.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "itdd/core/units.h"

namespace itdd::host {

// One point of a curve: y at x, both exact integers in the units the curve names.
struct CurvePoint {
  std::int64_t x = 0;
  std::int64_t y = 0;
};

// y at x on a curve whose x rise strictly from point to point: linear between two points,
// rounded toward negative infinity; flat before the first point and after the last. An empty
// curve gives 0.
std::int64_t interpolate(const std::vector<CurvePoint>& curve, std::int64_t x);

// Temperatures are milli-degrees Celsius, pressures pascals (absolute unless named relative),
// viscosities nanopascal-seconds.
struct GasPumpSpec {
  std::string name;
  std::string description;
  // The MR conditions the model's labelling gives, for people (the implant ID card).
  std::string mr_conditions;
  Volume reservoir_capacity{};
  // What stays in the reservoir when the bellows is fully collapsed: the flow stops there.
  Volume residual_volume{};
  // The refill margin a clinic plans with (the pump has no alarm).
  Volume low_reservoir_default{};
  // The label's flow, at the reference conditions below with the bellows half extended.
  FlowRate nominal_flow{};
  std::int32_t flow_tolerance_permille = 0;  // the label's ± on the nominal flow
  std::int64_t reference_temperature_mc = 37'000;
  std::int64_t reference_ambient_pa = 101'325;
  std::int64_t reference_intrathecal_pa = 0;  // above ambient, at the catheter tip
  // The bellows' spring: +swing at a full reservoir, -swing at the residual volume, linear.
  std::int64_t bellows_swing_pa = 0;
  // The propellant's vapour pressure (x: m°C, y: Pa absolute), rising; its first and last
  // temperatures bound the temperatures a scenario may give.
  std::vector<CurvePoint> vapour_pressure;
  // The drug solution's viscosity (x: m°C, y: nPa·s), falling; over the same temperatures.
  std::vector<CurvePoint> viscosity;
  // The catheters the model is implanted with, as for a programmable model: lengths in mm.
  std::int64_t min_catheter_length_mm = 0;
  std::int64_t max_catheter_length_mm = 0;
  Volume min_catheter_volume{};
  Volume max_catheter_volume{};
  // Field -> "source: ..." or "unconfirmed: ...", in file order.
  std::vector<std::pair<std::string, std::string>> provenance;

  // The range of temperatures the curves cover (milli-degrees Celsius).
  std::int64_t min_temperature_mc() const { return vapour_pressure.front().x; }
  std::int64_t max_temperature_mc() const { return vapour_pressure.back().x; }
};

// The world around a gas pump (data/pump-models.json, "environment"): how the ambient pressure
// follows altitude and depth.
struct Environment {
  // Pressure (Pa) against altitude (m), the standard atmosphere; altitudes rise.
  std::vector<CurvePoint> standard_atmosphere;
  std::int64_t seawater_pa_per_m = 0;  // hydrostatic pressure per metre of depth
  std::vector<std::pair<std::string, std::string>> provenance;

  std::int64_t max_altitude_m() const { return standard_atmosphere.back().x; }
  // The ambient pressure at an altitude (m, within the table) or a depth (cm), pascals; rounded
  // down.
  std::int64_t pressure_at_altitude_pa(std::int64_t altitude_m) const {
    return interpolate(standard_atmosphere, altitude_m);
  }
  std::int64_t pressure_at_depth_pa(std::int64_t depth_cm) const {
    return interpolate(standard_atmosphere, 0) + depth_cm * seawater_pa_per_m / 100;
  }
};

}  // namespace itdd::host

// Runs a gas-pump scenario (itdd/scenario/gas_scenario.h): the pump's physics (gas_pump.h) in
// the scenario's body and world, its output through the catheter (the same SimCatheter as a
// programmable pump's, so what reaches the patient after a concentration change lags by the
// line's volume). Time moves in steps of 30 s (the IEC 60601-2-24 trumpet curve's sample) and
// at every event's start and end; the flow is held over each step at its value at the step's
// start and integrated exactly (GasPump). A year is about a million steps.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "itdd/core/units.h"
#include "itdd/scenario/gas_scenario.h"
#include "itdd/sim/gas_pump.h"
#include "itdd/sim/virtual_patient.h"

namespace itdd::sim {

struct GasRunOptions {
  Duration step = seconds(30);  // must divide an hour
  // Keep the volume each step pushed out of the pump (GasRunResult::step_volume_nl): the flow
  // samples of a trumpet curve.
  bool record_steps = false;
  // The virtual patient to model (sim/patient), or none; its reference is the nominal flow
  // times the concentration in the reservoir.
  const PatientSetup* patient = nullptr;
};

// What left the catheter tip during one hour of elapsed time.
struct GasHour {
  std::int64_t volume_nl = 0;
  std::int64_t drug_fg = 0;  // femtograms, every drug
};

// A change of the pump's conditions (the start or end of a fever, a flight, ...) and its flow.
struct GasConditionRecord {
  Duration at{};  // elapsed
  std::string source;
  GasConditions conditions;
  FlowRate flow{};  // at the reservoir's volume then
};

struct GasDrugTotal {
  std::string name;
  DoseUnit unit = DoseUnit::kMilligram;
  std::int64_t tip_drug_fg = 0;
  std::int64_t catheter_drug_fg_at_end = 0;
};

// One fill and how it went: what the clinic would plan from the nominal flow, and what the
// simulated pump did.
struct GasFillRecord {
  Duration at{};
  std::string source;  // "initial_fill_ml" or "events[3]"
  Volume volume{};
  scenario::Solution solution;
  // At a refill: what was withdrawn, and what the nominal flow would have left (none at first).
  std::optional<Volume> withdrawn;
  std::optional<Volume> expected_left;
  // At the nominal flow: when the reservoir reaches the model's low-reservoir volume and its
  // residual volume (the flow stops). Elapsed; none when after the scenario's end.
  std::optional<Duration> projected_low;
  std::optional<Duration> projected_empty;
  // What the simulated pump did (none: not within this fill).
  std::optional<Duration> actual_low;
  std::optional<Duration> actual_empty;
};

struct GasReservoirSample {
  Duration at{};
  Volume actual{};
};

struct GasRunResult {
  Duration duration{};
  Duration step{};
  std::vector<GasHour> hourly;
  std::vector<GasDrugTotal> drugs;  // scenario::drugs_given's order
  // Each hour's drug per drug: [hour * drugs.size() + drug].
  std::vector<std::int64_t> hourly_drug_fg;
  std::vector<GasReservoirSample> daily_reservoir;  // day 0, 1, ... and the end
  std::vector<GasFillRecord> fills;
  std::vector<GasConditionRecord> conditions;  // the first at 0, then each change
  std::vector<std::int64_t> step_volume_nl;    // per step, when GasRunOptions::record_steps

  Volume moved{};                // out of the pump (= out of the tip, the line being full)
  std::int64_t tip_drug_fg = 0;  // every drug
  FlowRate min_flow{};           // over the run, while the reservoir was above its residual
  FlowRate max_flow{};
  Duration time_empty{};  // with the reservoir at its residual volume: no flow
  Volume final_reservoir{};
  Concentration final_concentration{};
  std::int64_t catheter_drug_fg_at_end = 0;
  std::int64_t steps = 0;
  std::optional<PatientReport> patient;  // when GasRunOptions::patient
};

GasRunResult run_gas_scenario(const scenario::GasScenario& scenario,
                              const GasRunOptions& options = {});

}  // namespace itdd::sim

// Runs a scenario: the implant's TherapyEngine, unchanged, on simulated hardware. A
// discrete-event loop jumps the SimClock straight to the earliest of the engine's next wake-up,
// the next scenario event and the next hour boundary (where totals are binned); there is no
// fixed tick. Per stroke it costs one engine wake-up and one SimMechanism::stroke(); everything
// recorded is aggregated per hour into vectors sized before the run.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "itdd/alarms/alarm_events.h"
#include "itdd/core/time.h"
#include "itdd/engine/events.h"
#include "itdd/engine/therapy_engine.h"
#include "itdd/programmer/refill_check.h"
#include "itdd/scenario/scenario.h"
#include "itdd/sim/virtual_patient.h"
#include "itdd/therapy/patient_bolus_limiter.h"

namespace itdd::sim {

struct RunOptions {
  // Called every `progress_every` of simulated time with the elapsed and total durations.
  std::function<void(Duration elapsed, Duration total)> on_progress;
  Duration progress_every = days(30);
  // Called after each instant the loop handles with the elapsed time and the volume the
  // mechanism has moved so far (a trumpet curve's flow samples, sim/trumpet).
  std::function<void(Duration elapsed, Volume moved)> on_moved;
  // The virtual patient to model (sim/patient: resolve_patient of the scenario's "patient"
  // block, one drug per scenario drug), or none.
  const PatientSetup* patient = nullptr;
};

// What left the catheter tip during one hour of elapsed time.
struct HourBin {
  std::int64_t volume_nl = 0;
  std::int64_t drug_fg = 0;  // femtograms (nL x ng/mL); 1 ng = 1e6 fg; every drug
};

// One of the scenario's drugs (scenario::drugs_given: its position is its sim::DrugIndex) and
// how much of it reached the patient.
struct DrugTotal {
  std::string name;
  DoseUnit unit = DoseUnit::kMilligram;      // the unit it first appears in
  std::int64_t tip_drug_fg = 0;              // what left the catheter tip, femtograms
  std::int64_t catheter_drug_fg_at_end = 0;  // what is still in the line at the end
};

struct BolusRequestRecord {
  ImplantTime at{};
  std::string source;  // the scenario event
  bool granted = false;
  therapy::BolusRefusal reason = therapy::BolusRefusal::kNone;
  ImplantTime next_allowed = ImplantTime::never();  // when the next request would be granted
};

struct ReservoirSample {
  ImplantTime at{};
  Volume implant_estimate{};  // the implant's account
  Volume actual{};            // what the simulated reservoir really holds
};

// One fill of the reservoir (the initial fill, then each refill) and how it went.
struct FillRecord {
  ImplantTime at{};
  std::string source;  // "initial_fill_ml" or "events[3]"
  Volume volume{};
  scenario::Solution solution;
  Volume low_threshold{};
  engine::BridgePlan bridge;
  Volume pocket_fill{};          // of `volume`, what went into the tissue pocket (scenario fault)
  engine::Projection projected;  // right after the fill (and prescription)
  ImplantTime implant_low_alarm = ImplantTime::never();  // the engine's low-reservoir event
  ImplantTime implant_empty = ImplantTime::never();      // the engine stopped: reservoir empty
  ImplantTime actual_low = ImplantTime::never();         // the real reservoir reached the threshold
  ImplantTime actual_dry = ImplantTime::never();         // a stroke first came up short
  // The programmer's refill check at this refill (none for the initial fill): the simulated
  // clinician withdraws everything really left and compares it with the implant's estimate.
  std::optional<programmer::RefillCheck> refill_check;
};

// A scenario command and whether the engine accepted it.
struct CommandRecord {
  ImplantTime at{};
  std::string source;
  std::string type;
  bool ok = true;
  std::string error;             // the engine's field and message when refused
  engine::Projection projected;  // after the command (when accepted)
};

// One power-up of the implant after a power cut or a brown-out.
// A set_clock: from `at` on, the wall clock reads the scenario's start + elapsed + shift_ms.
struct ClockChange {
  ImplantTime at{};
  std::int64_t shift_ms = 0;
};

struct BootRecord {
  ImplantTime at{};
  bool brown_out = false;  // the cell could not hold the electronics up
  bool resumed = false;
  bool settings_corrupt = false;
  Duration gap{};
  Volume recorded_delivered{};
  Volume assumed_delivered{};
  bool end_of_service = false;  // the implant found its cell at end of service: therapy stopped
};

struct SimulationResult {
  Duration duration{};
  std::vector<HourBin> hourly;   // one per hour of elapsed time (last may be partial)
  std::vector<DrugTotal> drugs;  // every drug the scenario gives, the first fill's first
  // Each hour's drug per drug: [hour * drugs.size() + drug]; an hour's add up to its drug_fg.
  std::vector<std::int64_t> hourly_drug_fg;
  std::vector<ReservoirSample> daily_reservoir;  // at elapsed day 0, 1, ... and at the end
  std::vector<BolusRequestRecord> bolus_requests;
  std::vector<FillRecord> fills;
  std::vector<CommandRecord> commands;
  std::vector<ClockChange> clock_changes;        // every set_clock applied, in order
  std::vector<engine::TherapyEvent> events;      // everything the engine reported
  std::vector<alarms::AlarmEvent> alarm_events;  // every raise, clear, silence, ...
  std::vector<BootRecord> boots;                 // power-ups after power cuts
  std::int64_t tones_played = 0;
  std::int64_t storage_write_failures = 0;
  std::int64_t uncommanded_strokes = 0;  // made by a runaway motor

  std::int64_t strokes = 0;
  Volume programmed{};         // the scheduler's integral of the program
  Volume implant_delivered{};  // nominal volume of completed strokes (the implant's count)
  Volume missed{};
  Volume moved{};                // what the mechanism really moved (= what left the tip)
  Volume short_by{};             // what strokes failed to move because the reservoir was dry
  std::int64_t tip_drug_fg = 0;  // every drug (the sum of drugs[].tip_drug_fg)

  Volume final_implant_estimate{};
  Volume final_actual{};
  Concentration final_concentration{};
  Volume catheter_dead_volume{};             // pump dead volume + catheter
  std::int64_t catheter_drug_fg_at_end = 0;  // every drug

  std::int64_t battery_capacity_uj = 0;
  std::int64_t battery_used_uj = 0;
  std::int64_t battery_stroke_uj = 0;
  std::int64_t battery_sleep_uj = 0;
  std::int64_t battery_processor_uj = 0;  // its wake-ups (measured on the emulated board)
  std::int64_t battery_radio_uj = 0;      // programmer and patient device sessions
  std::int64_t battery_tone_uj = 0;
  double battery_remaining_percent = 0;
  std::int64_t brown_outs = 0;  // the cell sagged below the cutoff and the implant reset

  // The implant's own view of its battery at the end (battery_monitor_valid false: the implant
  // refused its battery configuration and has no estimate).
  bool battery_monitor_valid = false;
  power::Assessment battery_assessment{};
  power::State battery_state{};

  // The drug in the spinal fluid, when the run modelled a patient (RunOptions::patient).
  std::optional<PatientReport> patient;

  std::int64_t loop_iterations = 0;
  // Times the implant asked to be woken again at the instant it had just been woken at without
  // making a stroke (it is woken each time; without end, the run stops with a logic_error).
  std::int64_t engine_idle_wakeups = 0;
};

// Runs the whole scenario. The scenario has been validated by the parser; a command the engine
// still refuses at run time (a clinician bolus while another runs, not enough drug left) is
// recorded in `commands` and the run goes on, as it would in the clinic.
SimulationResult run_scenario(const scenario::Scenario& scenario, const RunOptions& options = {});

}  // namespace itdd::sim

// A simulation scenario (JSON, see docs/scenario-format.md) as C++ values. The reader is the
// edge where decimal clinical numbers (mL, mg, mcg, minutes) become the implant's integer base
// units (nL, ng, ms): exactly, from the text the file holds, by the programmer's own rule
// (host/text: a decimal finer than its base unit is refused, never rounded), so a scenario's
// "dose_per_day": 0.1 is the same prescription as the programmer's --dose 0.1. Every problem is a
// host::Refusal naming the field's path, and a scenario that is read is one the engine will
// accept command by command (the prescriptions have passed itdd::therapy::validate with the drug
// in the reservoir at the time).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "itdd/core/time.h"
#include "itdd/core/units.h"
#include "itdd/host/checked.h"
#include "itdd/host/pump_catalog.h"
#include "itdd/sim/patient_params.h"
#include "itdd/sim/sim_mechanism.h"
#include "itdd/therapy/prescription.h"

namespace itdd::scenario {

// Pump models come from host/pump_catalog, the reader the programmer side uses too.
using host::PumpCatalog;
using host::PumpModelSpec;

// A drug solution: what is (or goes) in the reservoir.
struct Solution {
  std::string drug_name;
  DoseUnit unit = DoseUnit::kMilligram;
  Concentration concentration{};  // ng per mL
  therapy::Drug drug() const { return therapy::make_drug(drug_name.c_str(), unit); }
};

struct PumpSetup {
  PumpModelSpec spec;              // from the catalog, by name
  sim::StrokeVolumeParams stroke;  // mean (default: the model's nominal), spread, seed
};

struct RefillEvent {
  Volume volume{};  // what is in the reservoir after the refill
  Solution solution;
  bool bridge = true;      // bridge bolus on a concentration change (the engine's default)
  Volume low_threshold{};  // always set: the refill's own, else the scenario's
  // A pocket fill: this much of `volume` went into the tissue pocket, not the reservoir (the
  // implant is told `volume` all the same).
  Volume pocket_fill{};
};

// Held by pointer: a Prescription is about 5 kB (a week of flex steps) and a scenario may
// hold hundreds of thousands of (small) events.
struct PrescriptionEvent {
  std::shared_ptr<const therapy::Prescription> prescription;  // drug and concentration: those
                                                              // in the reservoir at the time
};

struct ClinicianBolusEvent {
  DrugAmount dose{};
  Duration duration{};
};

struct PatientBolusEvent {};

struct SetClockEvent {
  bool absolute = false;  // true: set to `to`; false: move by `shift`
  Duration shift{};
  WallTime to{};
};

// Faults injected into the simulated body or the implant (docs/scenario-format.md#faults).
// A fault with a duration is read as two events: its start and its end.
enum class FaultKind : std::uint8_t {
  kMotorStallStart,  // the rotor cannot turn (an MRI scan, a worn gear)
  kMotorStallEnd,
  kOcclusionStart,  // drive effort per stroke rises to `percent` of normal (a kinked catheter)
  kOcclusionEnd,
  kStrokeDrift,  // the real stroke volume becomes `percent` of nominal (e.g. 115)
  kPowerCut,     // the implant loses power; it boots again at kPowerRestore
  kPowerRestore,
  kRamBitFlip,    // flips `bit` of byte `byte` of the live prescription or scheduler state
  kClockLoss,     // the real-time clock reports it lost time
  kRunawayStart,  // the motor driver strokes by itself, `per_hour` strokes an hour
  kRunawayEnd,
  kSchedulerFault,  // the scheduler's cached flow is multiplied by `factor`
  kFaultyCell,      // the cell loses `percent` of its capacity and/or its internal resistance
                    // rises by `resistance_ohm_per_day`
};

enum class RamTarget : std::uint8_t { kPrescription, kScheduler };

struct FaultEvent {
  FaultKind kind = FaultKind::kMotorStallStart;
  std::int64_t percent = 100;
  std::int64_t per_hour = 0;
  std::int64_t factor = 1;
  RamTarget target = RamTarget::kPrescription;
  std::int64_t byte = 0;
  std::int64_t bit = 0;
  std::int64_t resistance_ohm_per_day = 0;
};

const char* name(FaultKind kind);

using EventAction = std::variant<RefillEvent, PrescriptionEvent, ClinicianBolusEvent,
                                 PatientBolusEvent, SetClockEvent, FaultEvent>;

struct ScenarioEvent {
  Duration at{};       // elapsed since the start of the simulation
  std::string source;  // where it came from: "events[3]", "events[4] #7" for a series
  EventAction action;
};

// Limit on events after expanding patient_bolus_series (a bolus every hour for 20 years is
// 175,320): keeps a hostile or mistaken file from exhausting memory.
inline constexpr std::size_t kMaxScenarioEvents = 200'000;

struct Scenario {
  std::string name;
  PumpSetup pump;
  Volume catheter_volume{};                // catheter only; the pump's dead volume is in the model
  bool catheter_starts_with_drug = false;  // false: saline/CSF (0 ng/mL) until primed
  Solution initial_solution;
  Volume initial_fill{};
  Volume low_reservoir{};  // alarm threshold given to the implant at each refill
  bool prime = false;      // start_priming with the catheter volume after the fill
  WallTime start{};        // local wall clock at elapsed 0
  Duration duration{};
  therapy::Prescription prescription;  // programmed right after the initial fill
  std::vector<ScenarioEvent> events;   // in time order (stable for equal times)
  // The virtual patient's own figures ("patient"), over the population's
  // (data/csf-pharmacokinetics.json); none: the run models no patient.
  std::optional<sim::PatientOverrides> patient;
};

// The scenario, or the refusal of its first problem: the field's JSON path and what is wrong
// ("prescription.steps[3].start: must be HH:MM (00:00 to 23:59)"); invalid JSON and a number
// beyond what any reader holds have an empty field and say "line L, column C: ...". Nothing is
// thrown.
host::Checked<Scenario> parse_scenario_text(std::string_view text, const PumpCatalog& catalog);
// The same for a file; one that cannot be opened is refused with an empty field ("cannot open
// the file").
host::Checked<Scenario> load_scenario_file(const std::filesystem::path& file,
                                           const PumpCatalog& catalog);

// One of the different drugs a scenario gives: a drug is its name (a refill that only writes
// its concentration in another unit keeps the drug); `unit` is the one it first appears in,
// the unit of its totals in the summary.
struct DrugGiven {
  std::string name;
  DoseUnit unit = DoseUnit::kMilligram;
};
// The scenario's drugs in order of first appearance, the first fill's first: the position is
// the sim::DrugIndex the run gives it. At most sim::kMaxDrugs (the reader refuses more).
std::vector<DrugGiven> drugs_given(const Scenario& scenario);
// The position of `name` in `drugs` (drugs.size() when it is not there).
std::size_t drug_position(const std::vector<DrugGiven>& drugs, const std::string& name);

// Name of an event's type as written in scenario files ("refill", "clinician_bolus", ...).
const char* type_name(const EventAction& action);
// "mg" or "mcg".
const char* unit_name(DoseUnit unit);

}  // namespace itdd::scenario

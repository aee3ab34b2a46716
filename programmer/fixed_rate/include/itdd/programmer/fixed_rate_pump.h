// The fixed-rate gas-driven pump at the clinic: its own kind of device, beside the programmable
// one (one protocol per device class). It has no electronics, so nothing here talks to an
// implant: the clinic records it with its model's figures and its first fill, changes its dose
// only by the concentration put in at a refill, and plans each refill from the flow it may run
// at (docs/gas-pump.md, "The clinic"). Every face (the command line, the web server) parses,
// calls this and shows the outcome; the calculators are programmer/dosing's
// (fixed_rate_dosing.h) and the records the clinic database's (fixed_rate_records.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "itdd/core/units.h"
#include "itdd/host/checked.h"
#include "itdd/host/gas_pump_spec.h"
#include "itdd/host/pump_catalog.h"
#include "itdd/host/wall_time.h"
#include "itdd/programmer/clinic_db.h"
#include "itdd/programmer/drug_library.h"
#include "itdd/programmer/fixed_rate_dosing.h"

namespace itdd::programmer {

// What the clinic plans with, from the model's data.
FixedRateFigures figures_of(const host::GasPumpSpec& model);
FixedRateFigures figures_of(const FixedRatePumpRecord& record);
CatheterRange catheter_range_of(const host::GasPumpSpec& model);

// "fixed-rate (gas-driven), not programmable": how every face labels the kind.
inline constexpr const char* kFixedRateLabel = "fixed-rate (gas-driven), not programmable";

// ---- what a programmable-only command meets ----

// Refused (field "pump"), for a pump the clinic database records as fixed-rate: `command` (as
// the person typed it, "itdd programmer program") is for a programmable pump; the message names
// the pump, its kind and what to do instead. Ok for a programmable pump.
host::Checked<void> require_programmable(ClinicDb& db, const PumpRecord& pump,
                                         std::string_view command);
// The same without a database record: a model name the catalog knows as fixed-rate (field
// "pump_model"), e.g. `itdd implant serve --pump-model gas-fixed-30`: there is no implant.
host::Checked<void> require_programmable_model(const host::PumpCatalog& catalog,
                                               std::string_view model, std::string_view command);

// ---- recording one, and refilling it ----

struct FixedRateFill {
  std::string clinician;
  std::string drug;  // a drug of the library
  Concentration concentration{};
  Volume volume{};     // in the reservoir after the fill
  Volume withdrawn{};  // what was withdrawn first (a refill; 0 for the first fill)
  std::int64_t at_utc_ms = 0;
};

struct FixedRateFilled {
  std::int64_t pump_id = 0;
  FixedRateRefillRecord record;  // as stored
  FixedRateRefillPlan plan;
  DoseRate daily_dose{};           // at the nominal flow
  DoseRate daily_dose_at_worst{};  // at the +tolerance flow
  std::vector<std::string> notes;  // the library's soft findings, the tolerance
  // A refill only: what the last fill should have left at the nominal flow, for comparison
  // with what was withdrawn (a fixed-rate pump has no estimate of its own).
  std::optional<Volume> expected_left;
};

// Records a pump of a fixed-rate model with its first fill. Refused: the drug not in the library
// ("drug"), a concentration above the highest the library lists or whose dose at the nominal
// flow is above the hard maximum ("concentration"), and whatever the database refuses (its
// field). `pump.reservoir_capacity` is the model's, set here.
host::Checked<FixedRateFilled> add_fixed_rate_pump(ClinicDb& db, const DrugLibrary& library,
                                                   const host::GasPumpSpec& model, PumpRecord pump,
                                                   const FixedRateFill& first_fill);

// A refill, possibly with a new concentration. Refused as add_fixed_rate_pump, and a pump that
// is not fixed-rate ("pump": refill it in a programming session).
host::Checked<FixedRateFilled> refill_fixed_rate_pump(ClinicDb& db, const DrugLibrary& library,
                                                      std::string_view serial,
                                                      const FixedRateFill& fill);

// ---- the dose calculator, for a recorded pump or a model ----

struct FixedRateDoseQuestion {
  std::string pump_serial;  // a recorded fixed-rate pump, or
  std::string model;        // a fixed-rate model of the catalog
  std::string drug;
  DoseRate wanted{};
};
struct FixedRateDoseAnswer {
  std::string pump_label;  // "pump GAS-1 (gas-fixed-30)" or "model gas-fixed-30"
  FixedRateFigures figures;
  const DrugSpec* drug = nullptr;
  FixedRateConcentration result;
};
host::Checked<FixedRateDoseAnswer> fixed_rate_dose(ClinicDb* db, const host::PumpCatalog* catalog,
                                                   const DrugLibrary& library,
                                                   const FixedRateDoseQuestion& question);

// ---- how it stands (the pump list, the dashboard) ----

struct FixedRateStatus {
  PumpRecord pump;
  FixedRatePumpRecord figures;
  std::optional<FixedRateRefillRecord> last_fill;
  DoseRate daily_dose{};           // concentration x nominal flow (0 without a fill)
  DoseRate daily_dose_at_worst{};  // at +tolerance
  // What is left now at the +tolerance flow (toward less left), never below 0.
  Volume left_at_worst{};
};
FixedRateStatus fixed_rate_status(const FixedRatePumpSnapshot& snapshot, std::int64_t now_utc_ms);

}  // namespace itdd::programmer

// What the scenario reader's parts share (internal to itdd_scenario): the prescription reader
// and the events reader, both run inside host::read_json (every refusal unwinds to it).
#pragma once

#include <string>

#include "fields.h"
#include "itdd/scenario/scenario.h"

namespace itdd::scenario::detail {

// Where a prescription's parts came from, to name them in therapy::validate's errors.
struct RxPaths {
  std::string base;                // "prescription" or "events[4].prescription"
  std::string drug_path;           // where the drug name came from
  std::string concentration_path;  // where the concentration came from
};

// A prescription object, with the drug and concentration in the reservoir, checked by the
// implant's own therapy::validate.
therapy::Prescription read_prescription(const JsonValue& j, const RxPaths& paths,
                                        const Solution& solution, const PumpModelSpec& pump);
// therapy::validate's error field as a path into the file.
std::string validate_error_path(const Error& e, const RxPaths& paths,
                                const therapy::Prescription& rx);

// The drug's name (a-z, 0-9, '-', '_'; 1 to 23 characters), its unit, its concentration.
std::string read_drug_name(const JsonObject& r, std::string_view key);
DoseUnit read_unit(const JsonObject& r, std::string_view key);
Concentration read_concentration(const JsonObject& r, std::string_view key, DoseUnit unit);
// A volume in mL as nL, above 0 (or from 0 when `allow_zero`) and at most `max`.
Volume read_ml(const JsonObject& r, std::string_view key, bool allow_zero, Volume max,
               std::string_view max_note = "");
// An amount in the drug's unit as ng (a dose per day when `per_day`), above 0 (or from 0 when
// `allow_zero`), at most a million of the unit (far above what any pump runs: its own limits are
// the implant's, checked by therapy::validate).
DrugAmount read_drug_amount(const JsonObject& r, std::string_view key, DoseUnit unit,
                            bool allow_zero, bool per_day);

// "start" and "duration_days" of a scenario's top level.
void read_timing(const JsonObject& top, WallTime& start, Duration& duration);
// "catheter" and "drug" of a scenario's top level (the catheter's volume and what it holds).
void read_catheter_of(const JsonObject& top, Volume& volume, bool& starts_with_drug);
Solution read_first_drug(const JsonObject& top);
// A programmable pump's scenario (parse_scenario_text's reading, for parse_any_scenario_text).
Scenario read_scenario_for_any(const JsonValue& root, const PumpCatalog& catalog);

// An event's "at": elapsed time since the start, before the simulation's end `duration`.
Duration read_event_at(const JsonObject& event, Duration duration);

// The events, in time order (stable for equal times), played forward against the pump from the
// first fill and prescription.
void read_events(const JsonObject& top, Scenario& s);

}  // namespace itdd::scenario::detail

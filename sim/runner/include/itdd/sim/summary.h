// What a run tells a person and a program: a text summary with units beside every number,
// a JSON document (keys listed in docs/scenario-format.md), and an hourly CSV.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "itdd/scenario/scenario.h"
#include "itdd/sim/runner.h"

namespace itdd::sim {

// Per local day, from local midnight to local midnight of the wall clock the summary follows
// (the scenario's start, moved by each set_clock): each hourly bin counts in the day its start
// falls in, so a day with the clock put forward an hour holds 23 bins, one put back 25. In
// order of first appearance; the first and last days may be partial.
struct DayTotal {
  std::int64_t local_day = 0;  // days since 1970-01-01 local
  std::int64_t volume_nl = 0;
  std::int64_t drug_fg = 0;                   // every drug
  std::vector<std::int64_t> drug_fg_by_drug;  // per drug of SimulationResult::drugs
};
std::vector<DayTotal> daily_totals(const scenario::Scenario& scenario,
                                   const SimulationResult& result);

// One alarm from its raise to its clear (never if still active at the end).
struct AlarmPeriod {
  alarms::AlarmKind kind = alarms::AlarmKind::kNone;
  ImplantTime raised{};
  ImplantTime cleared = ImplantTime::never();
};
std::vector<AlarmPeriod> alarm_periods(const SimulationResult& result);

std::string format_text_summary(const scenario::Scenario& scenario, const SimulationResult& result);
nlohmann::json summary_json(const scenario::Scenario& scenario, const SimulationResult& result);
// "hour_start,volume_nl,drug_ng" then one line per hour; hour_start is local wall time. After a
// drug change, one column per drug instead of drug_ng: "hour_start,volume_nl,morphine_ng,...".
void write_hourly_csv(std::ostream& out, const scenario::Scenario& scenario,
                      const SimulationResult& result);

}  // namespace itdd::sim

// What a gas-pump run tells a person and a program (docs/scenario-format.md, "Gas-driven
// pumps"): a text summary with units beside every number, a JSON document, and the hourly CSV
// in the same columns as a programmable pump's.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "itdd/scenario/gas_scenario.h"
#include "itdd/sim/gas_runner.h"

namespace itdd::sim {

std::string format_gas_text_summary(const scenario::GasScenario& scenario,
                                    const GasRunResult& result);
nlohmann::json gas_summary_json(const scenario::GasScenario& scenario, const GasRunResult& result);
// "hour_start,volume_nl,drug_ng" (one drug) or one column per drug, as write_hourly_csv.
void write_gas_hourly_csv(std::ostream& out, const scenario::GasScenario& scenario,
                          const GasRunResult& result);

}  // namespace itdd::sim

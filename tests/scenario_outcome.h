// A scenario document run on the simulator, with the summary a user would see: shared by the
// system tests that check runs (scenario_examples_test, scenario_drug_change_test).
#pragma once

#include <nlohmann/json.hpp>

#include "itdd/sim/runner.h"
#include "itdd/sim/summary.h"
#include "scenario_test_support.h"

namespace itdd::sim::test_runs {

struct Outcome {
  scenario::Scenario scenario;
  SimulationResult result;
  nlohmann::json summary;
};

inline Outcome run(const nlohmann::json& doc) {
  Outcome o{itdd::testing::parse(doc), {}, {}};
  o.result = run_scenario(o.scenario);
  o.summary = summary_json(o.scenario, o.result);
  return o;
}

}  // namespace itdd::sim::test_runs

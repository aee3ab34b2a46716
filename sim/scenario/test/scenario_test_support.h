// Shared by the scenario tests: the real pump-model file, example files from the source tree,
// and reading a (possibly edited) JSON document as the scenario reader reads a file.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "itdd/host/checked.h"
#include "itdd/host/pump_catalog.h"
#include "itdd/scenario/scenario.h"

namespace itdd::testing {

const host::PumpCatalog& pump_catalog();
// A JSON file under the source tree, e.g. "examples/morphine-continuous.json".
nlohmann::json load_source_json(const std::string& relative_path);
// The scenario `doc` describes, read from its JSON text (nlohmann-json writes each double as its
// shortest decimal, which is what a test's literal says).
host::Checked<scenario::Scenario> read(const nlohmann::json& doc);
// The same, for a scenario that must be valid: a refusal throws, failing the test with its text.
scenario::Scenario parse(const nlohmann::json& doc);

}  // namespace itdd::testing

// Shared by the scenario tests: the real pump-model file, example files from the source tree,
// and parsing a (possibly edited) JSON document.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "itdd/scenario/pump_catalog.h"
#include "itdd/scenario/scenario.h"

namespace itdd::testing {

const scenario::PumpCatalog& pump_catalog();
// A JSON file under the source tree, e.g. "examples/morphine-continuous.json".
nlohmann::json load_source_json(const std::string& relative_path);
scenario::Scenario parse(const nlohmann::json& doc);

}  // namespace itdd::testing

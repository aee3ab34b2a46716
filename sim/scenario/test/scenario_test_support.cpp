#include "scenario_test_support.h"

#include <fstream>
#include <stdexcept>

namespace itdd::testing {

const scenario::PumpCatalog& pump_catalog() {
  static const scenario::PumpCatalog catalog =
      scenario::PumpCatalog::load(std::string(ITDD_SOURCE_DIR) + "/data/pump-models.json");
  return catalog;
}

nlohmann::json load_source_json(const std::string& relative_path) {
  std::ifstream in(std::string(ITDD_SOURCE_DIR) + "/" + relative_path);
  if (!in) throw std::runtime_error("cannot open " + relative_path);
  return nlohmann::json::parse(in);
}

scenario::Scenario parse(const nlohmann::json& doc) {
  return scenario::parse_scenario(doc, pump_catalog());
}

}  // namespace itdd::testing

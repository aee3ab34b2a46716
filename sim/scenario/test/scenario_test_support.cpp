#include "scenario_test_support.h"

#include <fstream>
#include <stdexcept>

namespace itdd::testing {

const host::PumpCatalog& pump_catalog() {
  static const host::PumpCatalog catalog = [] {
    host::Checked<host::PumpCatalog> c =
        host::PumpCatalog::load(std::string(ITDD_SOURCE_DIR) + "/data/pump-models.json");
    if (!c.ok()) throw std::runtime_error("data/pump-models.json: " + c.error().text());
    return std::move(c).value();
  }();
  return catalog;
}

nlohmann::json load_source_json(const std::string& relative_path) {
  std::ifstream in(std::string(ITDD_SOURCE_DIR) + "/" + relative_path);
  if (!in) throw std::runtime_error("cannot open " + relative_path);
  return nlohmann::json::parse(in);
}

host::Checked<scenario::Scenario> read(const nlohmann::json& doc) {
  return scenario::parse_scenario_text(doc.dump(), pump_catalog());
}

scenario::Scenario parse(const nlohmann::json& doc) {
  host::Checked<scenario::Scenario> s = read(doc);
  if (!s.ok()) throw std::runtime_error("the scenario was refused: " + s.error().text());
  return std::move(s).value();
}

}  // namespace itdd::testing

// The real pump models and CSF population of the source tree, and the test campaigns.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include "itdd/host/pump_catalog.h"
#include "itdd/sim/patient_params.h"

namespace itdd::sim::fleet::test {

inline const host::PumpCatalog& models() {
  static const host::PumpCatalog c =
      host::PumpCatalog::load(std::string(ITDD_SOURCE_DIR) + "/data/pump-models.json").value();
  return c;
}

inline const CsfCatalog& csf() {
  static const CsfCatalog c =
      CsfCatalog::load(std::string(ITDD_SOURCE_DIR) + "/data/csf-pharmacokinetics.json").value();
  return c;
}

inline std::string read_text(const std::string& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string test_data(const std::string& name) {
  return read_text(std::string(ITDD_SOURCE_DIR) + "/sim/fleet/test/data/" + name);
}

}  // namespace itdd::sim::fleet::test

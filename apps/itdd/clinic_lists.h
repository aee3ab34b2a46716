// `itdd clinic pump list` and `itdd clinic session list` (clinic_lists.cpp): where each pump
// stands, and the session numbers `itdd clinic report --session N` asks for.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "commands.h"
#include "itdd/programmer/clinic_db.h"

namespace itdd::cli {

// A pump as `clinic pump show|list` and `clinic report` print it (one shape for all three).
nlohmann::json pump_json(const programmer::PumpRecord& p, const std::string& patient_mrn);

// With the battery's replacement planning (the drug library and the pump model file: --library,
// --pump-models, else their defaults).
int run_pump_list(const ClinicArgs& a, const std::string& default_pump_models);
int run_session_list(const ClinicArgs& a);

}  // namespace itdd::cli

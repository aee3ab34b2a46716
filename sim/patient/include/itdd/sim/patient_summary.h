// The virtual patient's part of a run's summaries (summary.h): the text section, the JSON
// object "virtual_patient" and the CSV's concentration columns. Every figure is a model output
// and each face says so.
#pragma once

#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "itdd/core/time.h"
#include "itdd/sim/virtual_patient.h"

namespace itdd::sim {

// `time_of`: an instant as the summary's local wall time ("never" for never); `unit_of`: each
// drug's unit ("mg" or "mcg"), by drug index.
std::vector<std::string> patient_text(const PatientReport& r,
                                      const std::function<std::string(ImplantTime)>& time_of,
                                      const std::vector<std::string>& unit_of);
nlohmann::json patient_json(const PatientReport& r,
                            const std::function<nlohmann::json(ImplantTime)>& time_of,
                            const std::vector<std::string>& unit_of);
// ",morphine_lumbar_ng_per_ml,morphine_cisternal_ng_per_ml" for each drug, and an hour's values.
std::string patient_csv_header(const PatientReport& r);
std::string patient_csv_row(const PatientReport& r, std::size_t hour);

}  // namespace itdd::sim

// The JSON answers of docs/web-api.md, from the library's records. Quantities are exact base
// integers with their unit in the field name; dates are the clinic's local dates.
#pragma once

#include <nlohmann/json.hpp>

#include "itdd/host/wall_time.h"
#include "itdd/programmer/clinic_overview.h"
#include "itdd/programmer/patient_view.h"

namespace itdd::web {

using Json = nlohmann::ordered_json;

Json overview_row_json(const programmer::OverviewRow& row, int rank, const host::TimeZone& zone);
Json patient_json(const programmer::PatientRecord& p, const host::TimeZone& zone);
// A pump on the patient page: the overview row's facts plus the pump's own.
Json patient_pump_json(const programmer::OverviewRow& row, const host::TimeZone& zone);
Json session_row_json(const programmer::SessionReport& s);
Json change_json(const programmer::ChangeRecord& c);
Json trial_json(const programmer::TrialRecord& t);
Json due_row_json(const programmer::DueRow& r, const programmer::DrugLibrary& library);
Json series_json(const programmer::PumpSeries& s, const programmer::PumpRecord& pump,
                 const programmer::OverviewRow* row);
Json audit_json(const programmer::AuditEntry& a);

}  // namespace itdd::web

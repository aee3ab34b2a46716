// An interrogation (the host's ImplantStatus, implant_status.h) as the clinic reads it. Its
// quantities are in base units (nL, ng/mL, ms); here they become mL, mg/mL or mcg/mL (the drug's
// unit), dates, percent and years, rounded once for display, each with its unit. The JSON form
// names the unit in each key (remaining_ml, longevity_years) or beside the value ("unit"), keeps
// the exact base integers too (remaining_nl), gives dates as "YYYY-MM-DD HH:MM" (the implant's
// local time) or null when there is none, and the prescription token as a hex string (a JSON number
// cannot hold 64 bits).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "itdd/core/result.h"
#include "itdd/programmer/implant_status.h"
#include "itdd/protocol/messages.h"

namespace itdd::programmer {

// "2025-03-01 14:05" from local wall ms (ms since 1970-01-01 00:00 local).
std::string format_wall(std::int64_t wall_ms);

std::string format_status(const ImplantStatus& status);
nlohmann::json status_json(const ImplantStatus& status);
// used_in_24h, max_per_24h, left_in_24h, allowed_now, refusal ("lockout"... or null),
// next_allowed ("YYYY-MM-DD HH:MM" or null) and next_allowed_wall_ms.
nlohmann::json patient_bolus_usage_json(const PatientBolusStatus& usage);

// An error for people: "field[index][sub_index]: message", or the message alone.
std::string error_text(const Error& e);

// Names of wire values, as the report shows them ("low-reservoir", "clinician", ...).
const char* alarm_name(itdd_AlarmKind kind);
const char* role_name(itdd_Role role);
// "lockout", "daily-limit", "not-enabled", "therapy-stopped", "other-bolus-running",
// "reservoir-low" ("none" for none).
const char* bolus_refusal_name(itdd_BolusRefusal refusal);

}  // namespace itdd::programmer

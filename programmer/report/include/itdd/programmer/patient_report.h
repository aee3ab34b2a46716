// What the patient's device (the patient therapy manager, `itdd ptm`) shows: plain words, not
// the clinic's detail. From an interrogation: whether therapy is running, whether the reservoir
// is low, the boluses used and left in the rolling 24 hours and when the next is allowed, the
// active alarms and what to do about them. From a bolus request: granted (the dose with its
// unit, boluses left) or why not and when to try again.
//
// Times are the implant's local wall time: "at 14:05" today, "tomorrow at 09:10", otherwise
// "on 2026-03-02 at 09:10".
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "itdd/programmer/implant_status.h"
#include "itdd/protocol/messages.h"

namespace itdd::programmer {

// "at 14:05", "tomorrow at 09:10" or "on 2026-03-02 at 09:10", relative to `now_wall_ms`.
std::string when_text(std::int64_t wall_ms, std::int64_t now_wall_ms);

// What an alarm means to the patient and what to do: "The pump's reservoir is low. Call your
// clinic to arrange a refill."
std::string patient_alarm_text(itdd_AlarmKind kind, itdd_AlarmClass alarm_class);

// Why a bolus cannot be had, for the patient: "too soon after your last bolus: the next is
// allowed at 14:05". `max_per_24h` names the daily limit.
std::string bolus_refusal_text(itdd_BolusRefusal refusal, bool has_next_allowed,
                               std::int64_t next_allowed_wall_ms, std::int64_t now_wall_ms,
                               std::uint32_t max_per_24h);

std::string format_patient_status(const ImplantStatus& status);
// {"therapy_running", "activity", "reservoir_low", "boluses": {"enabled", "dose", "dose_ng",
//  "used_in_24h", "max_per_24h", "left_in_24h", "allowed_now", "refusal", "reason",
//  "next_allowed", "next_allowed_wall_ms"}, "alarms": [{"kind", "class", "silenced",
//  "text"}], "clock": {"wall", "wall_ms"}}
nlohmann::json patient_status_json(const ImplantStatus& status);

// The patient bolus's dose in the prescription's unit ("0.500 mg"); "" when none.
std::string patient_bolus_dose_text(const ImplantStatus& status);

}  // namespace itdd::programmer

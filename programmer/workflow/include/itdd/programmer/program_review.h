// Reviewing a change of program before it reaches the implant, and checking afterwards that it
// arrived. Real programmers show the old and new settings side by side on a final screen that
// must be reviewed before the pump is changed (docs/intrathecal-facts.md, "Therapy modes"); here
// the same rows serve the terminal and JSON. Every number carries its unit; doses are shown in the
// drug's own unit (mg or mcg) and the rate the pump will run at beside them.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "itdd/core/result.h"
#include "itdd/core/units.h"
#include "itdd/programmer/implant_status.h"
#include "itdd/protocol/messages.h"
#include "itdd/therapy/prescription.h"

namespace itdd::programmer {

struct ReviewRow {
  std::string item;    // "Concentration", "Mon 08:00-12:00", ...
  std::string before;  // "-" when there was nothing
  std::string after;
  bool changed = false;
};

struct ProgramReview {
  std::vector<ReviewRow> rows;
  bool any_change() const;
};

// When the next refill is due by the clinic's record (a refill interval or the drug's stability
// in the pump, whichever came first when it was filled), to set beside how long the volume lasts.
struct RefillDue {
  std::int64_t days = 0;  // whole days from now (negative: overdue)
  std::string rule;       // what set the date, for people ("drug stability: ...")
};

// `before`: the implant's current prescription (nullopt: none programmed). `remaining`: what is
// in the reservoir now, for how long it lasts under each program at its heaviest (the drug
// library's max_daily_dose: the heaviest 24 h with every allowed patient bolus taken). `due`:
// the next refill by the clinic's record, when one is kept: the "Reservoir lasts" row then says
// both and which comes first (the one that decides when to refill).
ProgramReview review_program(const std::optional<therapy::Prescription>& before,
                             const therapy::Prescription& after, Volume remaining,
                             const std::optional<RefillDue>& due = std::nullopt);
// Two columns under a header, a '*' beside each row that changes.
std::string format_review(const ProgramReview& review);
nlohmann::json review_json(const ProgramReview& review);

// A prescription as exact base integers, kept with its clinic record (the "program" member of
// PrescriptionRecord::prescription_json) so exports can give its steps without parsing the
// review's text: {"mode": "continuous"|"flex"|"stopped", "unit": "mg"|"mcg",
// "concentration_ng_per_ml", "continuous_ng_per_day", "flex": {"per_weekday", "days": [[
// {"start_minute", "ng_per_day"}...]...]} (one day, or seven from Monday), "patient_bolus":
// {"dose_ng", "duration_ms", "max_per_24h", "lockout_ms"} or null}.
nlohmann::json program_record_json(const therapy::Prescription& rx);

// After a program: the implant's own account (an interrogation) must hold exactly the
// prescription sent, under the token the implant answered with. Refuses with the field that
// differs ("prescription_token", "drug", "flex.days.steps", ...).
Status verify_readback(const therapy::Prescription& sent, std::uint64_t programmed_token,
                       const ImplantStatus& after);

}  // namespace itdd::programmer

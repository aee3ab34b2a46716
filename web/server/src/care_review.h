// What the dashboard shows a clinician before and after a priming or a clinician bolus: what
// the implant does now beside what it will do (the rows of the program review's shape:
// item, before, after, changed), and what the implant said and does after the command (the
// read-back). Every quantity with its unit, written by programmer/units_text; nothing is
// decided here (the plans come from programmer/use_cases).
#pragma once

#include <optional>

#include "api_json.h"
#include "itdd/programmer/implant_status.h"
#include "itdd/programmer/use_cases/device_care.h"

namespace itdd::web {

// [{"item", "before", "after", "changed"}]: activity, program, priming volume (pump dead volume
// and catheter), rate and time, the catheter volume recorded, the reservoir before and after.
Json prime_review_rows(const programmer::ImplantStatus& now, const programmer::PrimePlan& plan);

// Drug and concentration, activity, program, the bolus (dose over time), its volume, the
// clinician boluses of the last 24 hours with this one, the reservoir before and after.
Json bolus_review_rows(const programmer::ImplantStatus& now, const programmer::BolusReview& b);

// [{"label", "text"}]: what the implant answered (volume or dose, when it ends on its clock)
// and, from an interrogation after the command, its activity and reservoir.
Json prime_read_back(const programmer::PrimeOutcome& done,
                     const std::optional<programmer::ImplantStatus>& after);
Json bolus_read_back(const programmer::BolusOutcome& done, const programmer::BolusReview& b,
                     const std::optional<programmer::ImplantStatus>& after);

}  // namespace itdd::web

// A clinician bolus reviewed before it is sent, from an interrogation just taken: the
// reservoir's drug and concentration, the volume the dose takes, the program in force, the
// clinician boluses the implant's event log shows in the last 24 hours, and the drug library's
// check of it all (dose_check.h's check_bolus: hard blocks, soft needs a reason). The review in
// words ends with the verdict, naming the limit and its source; the implant then checks the
// bolus against its own limits. Host code: the log is read through the caller's page reader.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "itdd/core/result.h"
#include "itdd/core/units.h"
#include "itdd/programmer/dose_check.h"
#include "itdd/programmer/implant_log.h"
#include "itdd/programmer/implant_status.h"
#include "itdd/protocol/messages.h"

namespace itdd::programmer {

struct BolusReview {
  therapy::Drug drug{};  // in the reservoir
  Concentration concentration{};
  DrugAmount dose{};
  Duration duration{};
  Volume volume{};  // the dose at the concentration, rounded down
  EarlierBoluses earlier;
  Concentration assumed_concentration{};  // for an earlier bolus the log no longer names
  DoseCheck check;
};

// Refuses, naming the field: "reservoir" (it holds no drug), "unit" (the dose is typed in another
// unit than the drug's), or the reader's error (the log could not be read).
Result<BolusReview> review_bolus(const ImplantStatus& status, const DrugLibrary& library,
                                 DrugAmount dose, DoseUnit unit, Duration duration,
                                 const LogPageReader& read);

// "clinician bolus: 1 mg of morphine over 30 min", the volume, a note when an earlier bolus was
// counted at an assumed concentration, the drug library's check and verdict, and the override
// reason (or that none was given) when one is needed.
std::string format_bolus_review(const BolusReview& review, const std::string& override_reason);
// {"drug", "dose" {value, unit}, "dose_ng", "duration_ms", "volume_nl", "volume_ml",
//  "dose_check"}.
nlohmann::ordered_json bolus_review_json(const BolusReview& review);

}  // namespace itdd::programmer

// Screening (trial) boluses before a pump is implanted, and the starting infusion after an
// effective one, both following the drug's rules in the library (baclofen: 50, 75, then 100 mcg
// at least 24 h apart, no pump if 100 mcg fails; start at twice the effective dose per day, or
// that dose itself if its effect lasted over 8 h). A drug without such rules gets "no rule in the
// library": the programmer never invents one. The clinic database records the boluses; this
// only reads them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "itdd/core/time.h"
#include "itdd/core/units.h"
#include "itdd/host/checked.h"
#include "itdd/programmer/drug_library.h"
#include "itdd/programmer/units_text.h"

namespace itdd::programmer {

enum class ResponseScale : std::uint8_t {
  kPain,      // numeric pain score 0-10
  kAshworth,  // (modified) Ashworth spasticity score 0-4
};
const char* response_scale_name(ResponseScale scale);  // "pain", "ashworth"

struct ScreeningResponse {
  ResponseScale scale = ResponseScale::kPain;
  int before = 0;
  int after = 0;
};

// One screening bolus as recorded. `effective` is the clinician's judgement; the scores are
// kept beside it and checked for range, never used to overrule it.
struct ScreeningBolus {
  DrugAmount dose{};
  std::optional<WallTime> given_at;
  bool effective = false;
  std::optional<Duration> effect_duration;
  std::optional<ScreeningResponse> response;
};

enum class ScreeningOutcome : std::uint8_t {
  kNextDose,   // give `dose`, not before `earliest`
  kFailed,     // the last step failed: stop, no pump
  kEffective,  // done: `dose` was effective
  kNoRule,     // the library has no screening rule for the drug
};

struct ScreeningStep {
  ScreeningOutcome outcome = ScreeningOutcome::kNoRule;
  DrugAmount dose{};
  std::optional<WallTime> earliest;  // kNextDose when the last bolus's time is known
  std::string explanation;           // a sentence with units
  std::string source;                // "source: ..." of the rule
};

// Refuses a history that does not follow the rule, naming the entry ("history[1].dose": the
// second step is 75 mcg; "history[1].given_at": too soon after the first; a bolus after an
// effective one; more boluses than steps; a score out of its range).
host::Checked<ScreeningStep> next_screening_step(const DrugSpec& drug,
                                                 const std::vector<ScreeningBolus>& history);

struct StartingDose {
  std::optional<DoseRate> dose_per_day;  // nullopt: no rule in the library
  std::string rule;                      // how it was found, with units
  std::string source;
};

// The suggested starting infusion after an effective screening bolus. Refuses (field
// "history") while the screening is not done or when it failed, and when the effective bolus
// has no recorded effect duration (field "history[i].effect_duration": the rule depends on it).
host::Checked<StartingDose> suggested_starting_dose(const DrugSpec& drug,
                                                    const std::vector<ScreeningBolus>& history);

}  // namespace itdd::programmer

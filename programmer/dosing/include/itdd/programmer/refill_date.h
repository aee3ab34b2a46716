// When the next refill is due: the earliest of the predicted low-reservoir date less a safety
// margin (clinics refill 3-5 days before the alarm date; the library holds the margin), the
// end of the solution's stability in the pump (or of the first fill's, when the label has a
// shorter one), and the drug's maximum refill interval. The rule that decided is named, so the
// refill calendar can say why.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "itdd/core/time.h"
#include "itdd/core/units.h"
#include "itdd/host/wall_time.h"
#include "itdd/programmer/drug_library.h"

namespace itdd::programmer {

enum class RefillRule : std::uint8_t {
  kLowReservoir,        // the predicted low-reservoir date less the safety margin
  kStability,           // fill + stability days
  kFirstFillStability,  // fill + first-fill stability days
  kMaxInterval,         // fill + the maximum refill interval
};
const char* refill_rule_name(RefillRule rule);  // "low-reservoir", "stability", ...

struct RefillDate {
  WallTime due;
  RefillRule decided_by = RefillRule::kLowReservoir;
  std::string reason;  // "due DATE: why", a sentence with the dates and days
  std::string why;     // the same without its "due DATE: " (what the clinic database keeps)
};

// `low_reservoir_at`: nullopt when no low-reservoir date is predicted (a stopped pump).
// `first_fill_stability_days`: set only when this fill is the drug's first in the pump. On a tie
// the rule listed first in RefillRule is named.
RefillDate next_refill_date(std::optional<WallTime> low_reservoir_at, Duration safety_margin,
                            WallTime filled_at, std::int64_t stability_days,
                            std::optional<std::int64_t> first_fill_stability_days,
                            std::int64_t max_refill_interval_days);

// The next refill in the clinic's time. The implant keeps its own wall clock; the clinic its
// time zone. So: the implant's projected low-reservoir time is moved onto the clinic's clock by
// how far the implant's clock is from the instant now (`implant_wall_now` against
// `now_utc_ms`), every date said is the clinic's local one, days are counted as calendar days
// there (14 days after a fill at 10:00 is 10:00 fourteen days later, even across a
// daylight-saving change: 13 days and 23 hours in spring), and the due time's instant is never
// later than its local time says (host::TimeZone::instant_computed).
struct ClinicRefillDate {
  RefillDate local;             // in the clinic's local wall time
  std::int64_t due_utc_ms = 0;  // the instant the clinic database keeps
  std::optional<std::int64_t> low_reservoir_utc_ms;
};
ClinicRefillDate next_refill_in_clinic(const host::TimeZone& zone, std::int64_t now_utc_ms,
                                       WallTime implant_wall_now,
                                       std::optional<WallTime> implant_low_reservoir_at,
                                       Duration safety_margin, std::int64_t stability_days,
                                       std::optional<std::int64_t> first_fill_stability_days,
                                       std::int64_t max_refill_interval_days);

enum class Dilution : std::uint8_t { kDilutedOrUnknown, kUndiluted };

// A drug's figures for next_refill_date, from the library, with their sources.
struct RefillRules {
  Duration safety_margin{};
  std::int64_t stability_days = 0;
  std::optional<std::int64_t> first_fill_stability_days;
  std::int64_t max_refill_interval_days = 0;
  std::vector<std::string> sources;  // "stability: source: ...", one per figure used
};
RefillRules refill_rules(const DrugLibrary& library, const DrugSpec& drug, bool first_fill,
                         Dilution dilution);

}  // namespace itdd::programmer

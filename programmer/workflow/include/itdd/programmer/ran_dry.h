// A refill of a pump whose reservoir ran dry. The withdrawn volume cannot show it (nothing is
// left and nothing is expected: "as expected"), so the refill says it from the implant: that
// the pump ran empty and since when (the event log's reservoir-empty record; the interrogation
// says delivery is stopped), what that means for the drug (its withdrawal risk in the drug
// library's words, and for an opioid the loss of tolerance), and what the clinic does before the
// refill restarts the program in force (a lower program first, priming or not, the bridge),
// each with its source. Host code, no I/O.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "itdd/core/time.h"
#include "itdd/core/units.h"
#include "itdd/programmer/drug_library.h"
#include "itdd/programmer/implant_log.h"
#include "itdd/programmer/implant_status.h"
#include "itdd/protocol/messages.h"

namespace itdd::programmer {

// Whether the interrogation shows a pump that ran dry: its activity is "reservoir empty", or
// the reservoir-empty alarm is active (also while halted). Then the programmer reads the log
// for the reservoir-empty record (implant_log.h).
bool reservoir_ran_dry(const ImplantStatus& status);

struct RanDryAdvice {
  std::string what;    // a sentence for the clinician, units beside every number
  std::string source;  // "source: ...", "unconfirmed: ..." or a note in docs/
};

struct RanDry {
  std::string drug;               // wire name of the drug that ran out
  std::string display_name;       // the library's, or the wire name when not in it
  bool delivery_stopped = false;  // the interrogation says so
  bool halted = false;            // stopped by a safety check as well
  std::optional<WallTime> since;  // the reservoir-empty record, on the implant's clock
  bool since_or_earlier = false;  // the log no longer reaches back to the last refill
  std::optional<std::uint32_t> log_seq;
  std::optional<Duration> dry_for;  // from `since` to the interrogation
  std::optional<WithdrawalRisk> withdrawal_risk;
  bool opioid = false;
  std::optional<DoseUnit> unit;
  DoseRate program_dose{};   // the program in force (restarted by the refill), 0 if stopped
  Volume line_volume{};      // the pump's dead volume and the catheter's, by the implant
  Volume catheter_volume{};  // 0: not known (never primed)
  DrugAmount line_drug{};    // what the line holds by the implant's account
  Duration priming_time{};   // a priming bolus of the line at the pump's priming rate
  std::optional<Duration> line_time_at_program;  // the line pushed through at the program's rate
  std::vector<RanDryAdvice> advice;
};

// What to tell the clinic, or nullopt when the pump did not run dry. `empty_record`: the
// reservoir-empty record from the log (reservoir_empty_record), when found.
std::optional<RanDry> ran_dry(const ImplantStatus& before,
                              const std::optional<EmptyRecord>& empty_record,
                              const DrugLibrary& library);

// "THE RESERVOIR RAN DRY: ..." and the advice, one item a paragraph with its source.
std::string format_ran_dry(const RanDry& dry);
// {"drug", "delivery_stopped", "since" (or null), "since_wall_ms", "since_or_earlier",
//  "log_seq", "dry_for_ms",
//  "withdrawal_risk", "opioid", "program_dose_ng_per_day", "line_volume_nl", "line_drug_ng",
//  "priming_duration_ms", "advice": [{"what", "source"}]}
nlohmann::ordered_json ran_dry_json(const RanDry& dry);

}  // namespace itdd::programmer

// What a command came to, as a script sees it: five outcome classes, each with its own exit
// status and name. This is the one place that defines them; `itdd` returns them and prints the
// name in every --json object ("outcome"), and the README and `itdd --help` list them.
//
//   0  ok                    done: applied (a change), or the answer given (a read)
//   1  refused               not done, nothing changed: the implant refused, the clinician
//                            answered no, or the implant could not be reached before anything
//                            was sent
//   2  invalid input         not done, nothing changed, nothing sent: bad arguments or files,
//                            or a dose the drug library blocks (an input to change)
//   3  uncertain             a therapy command was sent, its reply was lost, and the implant
//                            could not say whether it applied it (no answer again within the
//                            retry window, or its journal answered "unknown"): interrogate
//                            before doing anything else
//   4  applied, not recorded the implant applied the change but the clinic database did not
//                            record it: record it by hand
#pragma once

#include <cstdint>
#include <optional>

#include "itdd/programmer/client.h"

namespace itdd::programmer {

enum class Outcome : std::uint8_t {
  kOk = 0,
  kRefused = 1,
  kInvalidInput = 2,
  kUncertain = 3,
  kAppliedNotRecorded = 4,
};

// The process exit status of an outcome.
constexpr int exit_status(Outcome o) { return static_cast<int>(o); }
// The outcome an exit status stands for; nothing for a status that is none of them.
std::optional<Outcome> outcome_of_exit_status(int status);
// "ok", "refused", "invalid_input", "uncertain", "applied_not_recorded" (the --json "outcome").
const char* outcome_name(Outcome o);
// A therapy command's delivery as an outcome: applied ok, not applied refused, uncertain
// uncertain.
Outcome outcome_of(Delivery d);

}  // namespace itdd::programmer

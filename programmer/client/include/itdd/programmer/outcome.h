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
//
// A host::Refusal (the host's one error type, host/text's checked.h) becomes an outcome by its
// kind, in outcome_of below: the one mapping from an error to an exit status.
#pragma once

#include <cstdint>
#include <optional>

#include "itdd/host/checked.h"
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
constexpr int exit_status(Outcome o) {
  return static_cast<int>(o);
}
// The outcome an exit status stands for; nothing for a status that is none of them.
std::optional<Outcome> outcome_of_exit_status(int status);
// "ok", "refused", "invalid_input", "uncertain", "applied_not_recorded" (the --json "outcome").
const char* outcome_name(Outcome o);
// A therapy command's delivery as an outcome: applied ok, not applied refused, uncertain
// uncertain.
Outcome outcome_of(Delivery d);
// A refusal's outcome: invalid input (2) when the caller has something to change (an input, a
// mismatch with the pump, an unknown or duplicate record, a database to initialise or a newer
// itdd to use); refused (1) when the state or the system stands in the way (refused, full,
// damaged, I/O, unavailable), nothing changed; uncertain (3) and applied but not recorded (4)
// for the kinds of those names, which only a use case that sent a command returns.
Outcome outcome_of(const host::Refusal& r);

}  // namespace itdd::programmer

// Programming a prescription, in two steps with the clinician's confirmation between them.
//
// prepare_program: the implant interrogated; the drug and concentration named checked against
//   its reservoir; the drug library's check (the first of three: programmer, implant, safety
//   monitor), with the last dose increase the clinic database knows; the old and new programs
//   side by side with how long the reservoir lasts and the next refill the clinic recorded.
//   Nothing is sent. The plan says whether the library accepts it (hard limits block, soft
//   ones need an override reason) and whether it changes anything.
// commit_program: sends the plan under the prescription token the review was made against (a
//   program changed since by anyone is refused by the implant as stale: prepare again), reads
//   the implant's account back (it must be exactly what was sent), and records the session.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "itdd/programmer/drug_library.h"
#include "itdd/programmer/prescription_entry.h"
#include "itdd/programmer/program_review.h"
#include "itdd/programmer/use_cases/session.h"

namespace itdd::programmer {

struct ProgramInput {
  PrescriptionEntry entry;      // as the clinician typed it (drug, concentration, doses)
  std::string override_reason;  // why a soft limit is exceeded; empty: none given
};

struct ProgramPlan {
  therapy::Prescription rx;
  std::optional<therapy::Prescription> current;  // the implant's program, when it has one
  ProgramReview review;
  DoseCheck check;
  std::string override_reason;
  // The drug library's verdict with the reason given: ok, or why it cannot be sent (a hard
  // limit, or a soft one without a reason): the face shows the review and this.
  Status accepted = Status::Ok();
  std::uint64_t implant_token = 0;  // the token of the program the review compared with
  bool any_change() const { return review.any_change(); }
};

// Everything typed is checked before the implant is contacted: a face builds `input.entry`
// (prescription_entry.h) and this checks it against the implant. A refusal: the prescription is
// malformed (invalid input, no field), the reservoir is not filled or holds another drug or
// concentration (invalid input, field "drug" or "concentration", the message saying what the
// reservoir holds), or the implant could not be interrogated (refused).
host::Checked<ProgramPlan> prepare_program(UseCaseSession& s, const DrugLibrary& library,
                                           const ProgramInput& input);

struct ProgramOutcome {
  Sent sent;  // applied, not applied (the implant's refusal) or uncertain (interrogate)
  // After it was applied: the read-back could not be had (applied, not recorded) or does not
  // match (uncertain): only an interrogation says what the implant holds.
  std::optional<host::Refusal> after;
  std::uint64_t token = 0;  // the implant's token for the new program (read back)
  bool verified = false;
  Recorded recorded;
};

// Sends an accepted plan that changes something (else a refusal, invalid input), reads it back and
// records it.
host::Checked<ProgramOutcome> commit_program(UseCaseSession& s, const ProgramPlan& plan);

// "stopped", "continuous" or "flexible".
const char* basal_mode_name(therapy::BasalMode mode);

}  // namespace itdd::programmer

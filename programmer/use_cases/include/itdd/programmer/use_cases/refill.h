// A refill, in two steps with the clinician's confirmation between them.
//
// prepare_refill: the implant interrogated; for a pump that ran dry, since when (its event log)
//   and what it means; the withdrawn volume against the implant's estimate (a discrepancy needs
//   an acknowledgement with a reason), the new volume against the capacity, the kind of refill
//   (first fill, same drug, concentration change needing a bridge decision, another drug), the
//   drug library's figures for the next refill date. Nothing is sent.
// commit_refill: sends it, reads the implant back (the new reservoir, the projected low date),
//   dates the next refill (the earliest of the low-reservoir date less the safety margin, the
//   drug's stability and the maximum interval: in the clinic's time when its zone is known),
//   and records the session (the refill, and the dry spell it ended).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "itdd/programmer/drug_library.h"
#include "itdd/programmer/implant_clock.h"
#include "itdd/programmer/refill_date.h"
#include "itdd/programmer/refill_plan.h"
#include "itdd/programmer/use_cases/session.h"

namespace itdd::programmer {

struct RefillInput {
  RefillEntry entry;  // the drug, concentration and volume filled; withdrawn; alarm; bridge
  bool undiluted = false;
};

struct RefillPreparation {
  DrugSpec drug;  // the library's entry for the drug filled
  RefillInput input;
  Volume capacity{};
  RefillPlan plan;
  RefillRules rules;
  Volume low_alarm{};  // 0: the pump model's default
  // Said before anything else (e.g. the event log could not be read: since when the pump ran
  // dry is not known).
  std::vector<std::string> warnings;
};

// The concentration must be one the library lists for the drug (a vial that does not exist is
// a misread label): a refusal (invalid input, field "concentration") when not. A face calls it
// before the implant is contacted; prepare_refill checks it again.
std::optional<host::Refusal> check_refill_concentration(const DrugSpec& drug, Concentration c);

// A refusal: the concentration is not one the library lists (invalid input, field
// "concentration"), the implant could not be interrogated or did not say its capacity
// (refused), the entry does not fit (invalid input, the field refill_plan.h names; for
// "acknowledge", `detail` says the discrepancy and what it may mean for the patient).
host::Checked<RefillPreparation> prepare_refill(UseCaseSession& s, const DrugLibrary& library,
                                                const DrugSpec& drug, const RefillInput& input);

struct RefillOutcome {
  Sent sent;
  std::optional<host::Refusal> after;  // applied, but the implant could not be read afterwards
  ReservoirStatus reservoir;  // read back (low_at: the projected low, on the implant's clock)
  std::optional<ClinicRefillDate> in_clinic;  // when the clinic's zone is known
  RefillDate next;  // in the clinic's time when known, else on the implant's clock
  std::optional<itdd_BridgePlan> bridge;   // started by the implant
  std::optional<ImplantClockCheck> clock;  // the implant's clock against the clinic's, read back
  std::int64_t implant_minus_host_ms = 0;  // the implant's clock less the host's, read back
  Recorded recorded;
};
host::Checked<RefillOutcome> commit_refill(UseCaseSession& s, const RefillPreparation& prepared);

}  // namespace itdd::programmer

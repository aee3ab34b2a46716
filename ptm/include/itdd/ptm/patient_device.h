// The patient's device (the patient therapy manager): what it decides before and after it asks
// the implant for something. The implant decides and enforces every limit and the roles; this
// device refuses to start with a key paired for another role (so a patient is never handed a
// clinician's device by mistake), and turns the implant's answer to a bolus request into one of
// a few outcomes in the patient's words. `itdd ptm` (apps/itdd/ptm.cpp) parses, calls and
// prints; a second face would call the same functions.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "itdd/hal/crypto.h"
#include "itdd/host/checked.h"
#include "itdd/programmer/client.h"
#include "itdd/programmer/implant_status.h"
#include "itdd/protocol/messages.h"

namespace itdd::ptm {

// Nothing when the implant file (written at pairing) says this device is the patient's, or says
// no role (a bare key); otherwise why not, the file as the field: "this device was paired as a
// clinician device, not a patient's: ...", or the file's own problem.
std::optional<host::Refusal> check_patient_pairing(const std::filesystem::path& implant_file);

// What a patient bolus request came to.
enum class BolusAnswer : std::uint8_t {
  kGranted,        // the implant gave it (its decision, or, its answer lost, its word it did)
  kRefused,        // the implant's bolus rules said no: `reason`, `next_allowed`
  kNotAuthorised,  // this device may not ask for boluses
  kNotGiven,       // not given: the implant refused the request (`result.response`) or the
                   // request failed (`result.detail`), or its answer was lost and it says none
  kUncertain,      // nobody can know whether it was given: ask for the status before again
};

struct BolusOutcome {
  BolusAnswer answer = BolusAnswer::kUncertain;
  programmer::CommandResult result;  // the delivery, for a machine-readable record
  std::uint64_t command_id = 0;
  // The implant confirmed the bolus (or that it gave none) through a later query: its answer
  // with the decision was lost.
  bool answer_lost = false;
  std::string dose;               // "0.500 mg" (granted; "" when the prescription says none)
  std::uint32_t left_in_24h = 0;  // boluses left in the rolling 24 hours (with a decision)
  std::string refusal_name;       // kRefused: "lockout", "daily_limit", ...
  std::string reason;             // kRefused: why, for the patient
  std::optional<std::string> next_allowed;  // kRefused: when the next is allowed, if the pump says
};

// What the implant's answer to a patient bolus request (command id `command_id`) means, given the
// status read just before (the prescription's dose, the daily limit, the pump's clock).
BolusOutcome judge_bolus(const programmer::CommandResult& result, std::uint64_t command_id,
                         const programmer::ImplantStatus& status);

// Asks the implant for the prescribed bolus in an open session (a fresh command id, retried and
// asked about by the client if the reply is lost) and judges the answer.
BolusOutcome request_bolus(programmer::Client& client, hal::Crypto& crypto,
                           const programmer::ImplantStatus& status);

}  // namespace itdd::ptm

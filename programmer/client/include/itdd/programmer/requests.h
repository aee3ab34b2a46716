// The requests a programmer or patient device sends, built from the implant's own types (units,
// drugs, prescriptions): one place that knows which oneof tag and which fields each takes, for
// the command line, the tests and the benchmarks alike. Therapy requests take the command id
// the caller will ask about if the reply is lost (Client::command).
#pragma once

#include <cstdint>
#include <string_view>

#include "itdd/core/result.h"
#include "itdd/core/units.h"
#include "itdd/link/types.h"
#include "itdd/protocol/messages.h"
#include "itdd/therapy/prescription.h"

namespace itdd::programmer {

protocol::Request interrogate_request();
protocol::Request close_session_request();
protocol::Request query_command_request(std::uint64_t command_id);
protocol::Request patient_bolus_request(std::uint64_t command_id);
protocol::Request clinician_bolus_request(std::uint64_t command_id, DrugAmount dose,
                                          Duration duration);
// Refused (field "drug.name"/"drug.unit") if the drug cannot go on the wire.
Result<protocol::Request> refill_request(std::uint64_t command_id, const therapy::Drug& drug,
                                         Concentration concentration, Volume volume);
// Refused if the prescription cannot go on the wire (prescription_to_wire's fields).
Result<protocol::Request> program_request(std::uint64_t command_id, std::uint64_t replaces_token,
                                          const therapy::Prescription& rx);
// "clinician", "patient" or "service" (link::name's words); kNone for anything else.
link::Role role_from_name(std::string_view word);

// `window` 0: the implant's longest (5 minutes).
protocol::Request open_pairing_request(link::Role role, Duration window);

}  // namespace itdd::programmer

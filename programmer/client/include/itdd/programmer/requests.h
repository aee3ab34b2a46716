// The requests a programmer or patient device sends, built from the implant's own types (units,
// drugs, prescriptions): one place that knows which oneof tag and which fields each takes, for
// the command line, the tests and the benchmarks alike. Therapy requests take the command id
// the caller will ask about if the reply is lost (Client::command).
#pragma once

#include <cstdint>
#include <string_view>

#include "itdd/core/result.h"
#include "itdd/core/time.h"
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
// What a refill sets beside the new solution (zero: the implant's defaults).
struct RefillSettings {
  Volume low_reservoir_threshold{};  // the low-reservoir alarm volume
  bool bridge = false;               // on a concentration change of the same drug
  Duration refill_due_in{};          // "refill overdue" after this
  Duration drug_stable_for{};        // "drug past its stability date" after this
};
// Refused (field "drug.name"/"drug.unit") if the drug cannot go on the wire.
Result<protocol::Request> refill_request(std::uint64_t command_id, const therapy::Drug& drug,
                                         Concentration concentration, Volume volume,
                                         const RefillSettings& settings = {});
// Refused if the prescription cannot go on the wire (prescription_to_wire's fields), or (never, for
// a prescription the implant's types hold) if it is longer than an implant reads ("request").
Result<protocol::Request> program_request(std::uint64_t command_id, std::uint64_t replaces_token,
                                          const therapy::Prescription& rx);
// Pump dead volume and catheter filled at the pump's priming rate (a therapy command).
protocol::Request prime_request(std::uint64_t command_id, Volume catheter_volume);
// Refused (field "kind") for kNone.
Result<protocol::Request> silence_alarm_request(itdd_AlarmKind kind, Duration duration);
protocol::Request alarm_test_request();
// `wall`: local wall time now (ms since 1970-01-01 00:00 local).
protocol::Request set_clock_request(WallTime wall);
// Records with seq >= from_seq; `max_count` 0: a whole page.
protocol::Request read_event_log_request(std::uint32_t from_seq, std::uint32_t max_count = 0);
// `count` hours from `from_hour` (implant ms / 3,600,000); 0: a whole page.
protocol::Request read_delivery_history_request(std::int64_t from_hour, std::uint32_t count = 0);
// "clinician", "patient" or "service" (link::name's words); kNone for anything else.
link::Role role_from_name(std::string_view word);

// `window` 0: the implant's longest (5 minutes).
protocol::Request open_pairing_request(link::Role role, Duration window);
// The implant's paired devices (roles, keys, when paired and last seen).
protocol::Request list_paired_devices_request();
// Removes the device with this public key from the implant's peer table.
protocol::Request revoke_paired_device_request(const link::PublicKey& device);

}  // namespace itdd::programmer

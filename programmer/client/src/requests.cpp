#include "itdd/programmer/requests.h"

#include <algorithm>

#include "itdd/protocol/prescription_wire.h"

namespace itdd::programmer {
namespace {

protocol::Request tagged(pb_size_t tag) {
  protocol::Request r{};
  r.which_payload = tag;
  return r;
}

}  // namespace

protocol::Request interrogate_request() {
  return tagged(itdd_Request_interrogate_tag);
}

protocol::Request close_session_request() {
  return tagged(itdd_Request_close_session_tag);
}

protocol::Request query_command_request(std::uint64_t command_id) {
  protocol::Request r = tagged(itdd_Request_query_command_status_tag);
  r.payload.query_command_status.command_id = command_id;
  return r;
}

protocol::Request patient_bolus_request(std::uint64_t command_id) {
  protocol::Request r = tagged(itdd_Request_patient_bolus_tag);
  r.payload.patient_bolus.command_id = command_id;
  return r;
}

protocol::Request clinician_bolus_request(std::uint64_t command_id, DrugAmount dose,
                                          Duration duration) {
  protocol::Request r = tagged(itdd_Request_clinician_bolus_tag);
  r.payload.clinician_bolus.command_id = command_id;
  r.payload.clinician_bolus.dose_ng = dose.count();
  r.payload.clinician_bolus.duration_ms = duration.count();
  return r;
}

Result<protocol::Request> refill_request(std::uint64_t command_id, const therapy::Drug& drug,
                                         Concentration concentration, Volume volume,
                                         const RefillSettings& settings) {
  protocol::Request r = tagged(itdd_Request_refill_tag);
  itdd_Refill& f = r.payload.refill;
  f.command_id = command_id;
  f.volume_nl = volume.count();
  f.has_drug = true;
  if (Status s = protocol::drug_to_wire(drug, f.drug); !s) return s.error();
  f.concentration_ng_per_ml = concentration.count();
  f.low_reservoir_threshold_nl = settings.low_reservoir_threshold.count();
  f.bridge = settings.bridge;
  f.refill_due_in_ms = settings.refill_due_in.count();
  f.drug_stable_for_ms = settings.drug_stable_for.count();
  return r;
}

Result<protocol::Request> program_request(std::uint64_t command_id, std::uint64_t replaces_token,
                                          const therapy::Prescription& rx) {
  protocol::Request r = tagged(itdd_Request_program_tag);
  itdd_ProgramPrescription& p = r.payload.program;
  p.command_id = command_id;
  p.replaces_token = replaces_token;
  p.has_prescription = true;
  if (Status s = protocol::prescription_to_wire(rx, p.prescription); !s) return s.error();
  // Cannot fail for a prescription in the implant's form (protocol/implant_bounds.h; tested):
  // checked so that it never is sent if it did.
  if (Status s = protocol::fits_an_implant(r); !s) return s.error();
  return r;
}

protocol::Request prime_request(std::uint64_t command_id, Volume catheter_volume) {
  protocol::Request r = tagged(itdd_Request_prime_catheter_tag);
  r.payload.prime_catheter.command_id = command_id;
  r.payload.prime_catheter.catheter_volume_nl = catheter_volume.count();
  return r;
}

Result<protocol::Request> silence_alarm_request(itdd_AlarmKind kind, Duration duration) {
  if (kind == itdd_AlarmKind_ALARM_KIND_NONE) {
    return make_error(ErrorCode::kInvalidArgument, "kind", "names no alarm");
  }
  protocol::Request r = tagged(itdd_Request_silence_alarm_tag);
  r.payload.silence_alarm.kind = kind;
  r.payload.silence_alarm.duration_ms = duration.count();
  return r;
}

protocol::Request alarm_test_request() {
  return tagged(itdd_Request_alarm_test_tag);
}

protocol::Request set_clock_request(WallTime wall) {
  protocol::Request r = tagged(itdd_Request_set_clock_tag);
  r.payload.set_clock.wall_ms = wall.ms();
  return r;
}

protocol::Request read_event_log_request(std::uint32_t from_seq, std::uint32_t max_count) {
  protocol::Request r = tagged(itdd_Request_read_event_log_tag);
  r.payload.read_event_log.from_seq = from_seq;
  r.payload.read_event_log.max_count = max_count;
  return r;
}

protocol::Request read_delivery_history_request(std::int64_t from_hour, std::uint32_t count) {
  protocol::Request r = tagged(itdd_Request_read_delivery_history_tag);
  r.payload.read_delivery_history.from_hour = from_hour;
  r.payload.read_delivery_history.count = count;
  return r;
}

link::Role role_from_name(std::string_view word) {
  for (const link::Role role :
       {link::Role::kClinician, link::Role::kPatient, link::Role::kService}) {
    if (word == link::name(role)) return role;
  }
  return link::Role::kNone;
}

protocol::Request open_pairing_request(link::Role role, Duration window) {
  protocol::Request r = tagged(itdd_Request_open_pairing_window_tag);
  switch (role) {
    case link::Role::kClinician:
      r.payload.open_pairing_window.role = itdd_Role_ROLE_CLINICIAN;
      break;
    case link::Role::kPatient:
      r.payload.open_pairing_window.role = itdd_Role_ROLE_PATIENT;
      break;
    case link::Role::kService:
      r.payload.open_pairing_window.role = itdd_Role_ROLE_SERVICE;
      break;
    case link::Role::kNone:
      r.payload.open_pairing_window.role = itdd_Role_ROLE_UNSPECIFIED;
      break;
  }
  r.payload.open_pairing_window.window_ms = window.count();
  return r;
}

protocol::Request list_paired_devices_request() {
  return tagged(itdd_Request_list_paired_devices_tag);
}

protocol::Request revoke_paired_device_request(const link::PublicKey& device) {
  protocol::Request r = tagged(itdd_Request_revoke_paired_device_tag);
  static_assert(sizeof(r.payload.revoke_paired_device.device_id.bytes) == link::kKeySize);
  r.payload.revoke_paired_device.device_id.size = static_cast<pb_size_t>(device.size());
  std::copy(device.begin(), device.end(), r.payload.revoke_paired_device.device_id.bytes);
  return r;
}

}  // namespace itdd::programmer

#include "itdd/ptm/patient_device.h"

#include <fmt/format.h>

#include "itdd/programmer/key_files.h"
#include "itdd/programmer/patient_report.h"
#include "itdd/programmer/requests.h"
#include "itdd/programmer/status_report.h"

namespace itdd::ptm {

std::optional<host::Refusal> check_patient_pairing(const std::filesystem::path& implant_file) {
  const Result<link::Role> role = programmer::read_paired_role(implant_file);
  if (!role.ok()) return host::Refusal{implant_file.string(), programmer::error_text(role.error())};
  if (role.value() != link::Role::kNone && role.value() != link::Role::kPatient) {
    return host::Refusal{
        implant_file.string(),
        fmt::format("this device was paired as a {} device, not a patient's: the patient therapy "
                    "manager needs a key paired for the patient (use `itdd programmer` for the "
                    "clinic's work)",
                    link::name(role.value()))};
  }
  return std::nullopt;
}

BolusOutcome judge_bolus(const programmer::CommandResult& result, std::uint64_t command_id,
                         const programmer::ImplantStatus& status) {
  BolusOutcome out;
  out.result = result;
  out.command_id = command_id;
  if (result.delivery == programmer::Delivery::kUncertain) {
    out.answer = BolusAnswer::kUncertain;
    return out;
  }
  const std::optional<protocol::Response>& response = result.response;
  if (result.delivery == programmer::Delivery::kNotApplied &&
      (!response || response->result != itdd_ResultCode_RESULT_OK)) {
    out.answer = response && response->result == itdd_ResultCode_RESULT_NOT_AUTHORISED
                     ? BolusAnswer::kNotAuthorised
                     : BolusAnswer::kNotGiven;
    return out;
  }
  out.dose = programmer::patient_bolus_dose_text(status);
  if (!response || response->which_payload != itdd_Response_patient_bolus_tag) {
    // The answer was lost; the implant says whether it gave the bolus, not why.
    out.answer_lost = true;
    out.answer = result.delivery == programmer::Delivery::kApplied ? BolusAnswer::kGranted
                                                                   : BolusAnswer::kNotGiven;
    return out;
  }
  const itdd_PatientBolusDecision& d = response->payload.patient_bolus;
  out.left_in_24h = d.left_in_24h;
  if (d.granted) {
    out.answer = BolusAnswer::kGranted;
    return out;
  }
  out.answer = BolusAnswer::kRefused;
  out.refusal_name = programmer::bolus_refusal_name(d.refusal);
  out.reason = programmer::bolus_refusal_text(
      d.refusal, d.has_next_allowed_wall_ms, d.next_allowed_wall_ms, status.wall.ms(),
      status.patient_bolus ? static_cast<std::uint32_t>(status.patient_bolus->max_per_24h) : 0U);
  if (d.has_next_allowed_wall_ms)
    out.next_allowed = programmer::format_wall(d.next_allowed_wall_ms);
  return out;
}

BolusOutcome request_bolus(programmer::Client& client, hal::Crypto& crypto,
                           const programmer::ImplantStatus& status) {
  // The prescription says the dose; the implant decides.
  const std::uint64_t id = programmer::new_command_id(crypto);
  return judge_bolus(client.command(programmer::patient_bolus_request(id), id), id, status);
}

}  // namespace itdd::ptm

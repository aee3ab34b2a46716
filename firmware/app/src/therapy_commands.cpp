#include "command_handlers.h"
#include "itdd/protocol/implant_messages.h"

// The therapy-changing commands: each carries a command id, journalled per device with the change
// it makes (command_journal.h), so a repeat is answered with what happened and never run again.
namespace itdd::app::detail {
namespace {

constexpr Duration kMaxAlarmDate = days(366);  // refill-due and stability dates: a year at most

// A repeated command id from this device: its recorded outcome, and the command is not run again.
bool answer_repeat(const Implant& implant, CommandSource source, std::uint64_t id,
                   protocol::ImplantResponse& out) {
  const CommandOutcome outcome = implant.command_outcome(source, id);
  if (outcome == CommandOutcome::kUnknown) return false;
  ok(out, itdd_implant_Response_command_status_tag);
  out.payload.command_status.command_id = id;
  out.payload.command_status.state = state_to_wire(outcome);
  return true;
}

bool check_command_id(std::uint64_t id, protocol::ImplantResponse& out) {
  if (id != 0) return true;
  refuse(out, itdd_implant_ResultCode_RESULT_INVALID, "command_id",
         "a therapy command needs a command id");
  return false;
}

// The id is valid and new for this device: the command may run.
bool fresh(const Implant& implant, CommandSource source, std::uint64_t id,
           protocol::ImplantResponse& out) {
  return check_command_id(id, out) && !answer_repeat(implant, source, id, out);
}

}  // namespace

void program(Implant& implant, CommandSource source, const itdd_implant_ProgramPrescription& req,
             const protocol::RefusedStep& refused_step, therapy::Prescription& rx,
             std::uint32_t request_id, ImplantTime now, protocol::ImplantResponse& out) {
  // Everything read from the request first, and the prescription converted in place (its days
  // and steps are in `rx` already; the conversion has no effect but its result), so the checks
  // below keep their order: the command id, the token, a prescription given, a valid one.
  // `req` and `rx` may lie where the answer is written: the answer is begun once the implant
  // has taken the prescription or it was refused.
  const std::uint64_t command_id = req.command_id;
  const std::uint64_t replaces_token = req.replaces_token;
  const bool has_prescription = req.has_prescription;
  const Status converted = has_prescription
                               ? protocol::validated_prescription_from_wire(
                                     req.prescription, refused_step, implant.engine().pump(), rx)
                               : Status::Ok();
  if (command_id == 0 || implant.command_outcome(source, command_id) != CommandOutcome::kUnknown) {
    begin_answer(out, request_id);
    (void)fresh(implant, source, command_id,
                out);  // the missing id refused, or the repeat answered
    return;
  }
  if (replaces_token != implant.prescription_token()) {
    begin_answer(out, request_id);
    refuse(out, itdd_implant_ResultCode_RESULT_STALE_TOKEN, "replaces_token",
           "the implant's prescription has changed since it was read: interrogate again");
    return;
  }
  if (!has_prescription) {
    begin_answer(out, request_id);
    refuse(out, itdd_implant_ResultCode_RESULT_INVALID, "prescription", "no prescription given");
    return;
  }
  if (!converted) {
    begin_answer(out, request_id);
    refuse(out, itdd_implant_ResultCode_RESULT_INVALID, converted.error());
    return;
  }
  implant.begin_command(source, command_id);
  const Status s = implant.program(rx, now);
  implant.end_command();
  begin_answer(out, request_id);
  if (!s) {
    refuse(out, s.error());
    return;
  }
  ok(out, itdd_implant_Response_programmed_tag);
  out.payload.programmed.prescription_token = implant.prescription_token();
}

void refill(Implant& implant, CommandSource source, const itdd_implant_Refill& req, ImplantTime now,
            protocol::ImplantResponse& out) {
  if (!fresh(implant, source, req.command_id, out)) return;
  RefillOrder order;
  if (!req.has_drug) {
    refuse(out, itdd_implant_ResultCode_RESULT_INVALID, "drug", "the refill names no drug");
    return;
  }
  if (Status s = protocol::drug_from_wire(req.drug, order.refill.drug); !s) {
    refuse(out, itdd_implant_ResultCode_RESULT_INVALID, s.error());
    return;
  }
  const auto in_range = [&](std::int64_t v, std::int64_t hi, const char* field) {
    if (v >= 0 && v <= hi) return true;
    refuse(out, itdd_implant_ResultCode_RESULT_INVALID, field, "out of range");
    return false;
  };
  const std::int64_t capacity = implant.engine().pump().reservoir_capacity.count();
  if (!in_range(req.low_reservoir_threshold_nl, capacity, "low_reservoir_threshold_nl") ||
      !in_range(req.refill_due_in_ms, kMaxAlarmDate.count(), "refill_due_in_ms") ||
      !in_range(req.drug_stable_for_ms, kMaxAlarmDate.count(), "drug_stable_for_ms")) {
    return;
  }
  order.refill.volume = Volume(req.volume_nl);
  order.refill.concentration = Concentration(req.concentration_ng_per_ml);
  order.refill.low_reservoir_threshold = Volume(req.low_reservoir_threshold_nl);
  order.refill.bridge = req.bridge;
  if (req.refill_due_in_ms > 0) order.refill_due_in = Duration(req.refill_due_in_ms);
  if (req.drug_stable_for_ms > 0) order.drug_stable_for = Duration(req.drug_stable_for_ms);
  implant.begin_command(source, req.command_id);
  const Result<engine::BridgePlan> r = implant.refill(order, now);
  implant.end_command();
  if (!r.ok()) {
    refuse(out, r.error());
    return;
  }
  ok(out, itdd_implant_Response_refilled_tag);
  itdd_implant_BridgePlan& b = out.payload.refilled.bridge;
  out.payload.refilled.has_bridge = true;
  b.started = r->started;
  b.volume_nl = r->volume.count();
  b.flow_nl_per_day = r->flow.count();
  b.duration_ms = r->duration.count();
  b.old_concentration_ng_per_ml = r->old_concentration.count();
  b.new_concentration_ng_per_ml = r->new_concentration.count();
}

void clinician_bolus(Implant& implant, CommandSource source, const itdd_implant_ClinicianBolus& req,
                     ImplantTime now, protocol::ImplantResponse& out) {
  if (!fresh(implant, source, req.command_id, out)) return;
  implant.begin_command(source, req.command_id);
  const Status s = implant.clinician_bolus(DrugAmount(req.dose_ng), Duration(req.duration_ms), now);
  implant.end_command();
  if (!s) {
    refuse(out, s.error());
    return;
  }
  ok(out, itdd_implant_Response_bolus_started_tag);
  out.payload.bolus_started.dose_ng = req.dose_ng;
  out.payload.bolus_started.ends_at_wall_ms = wall_ms(implant, now + Duration(req.duration_ms));
}

void patient_bolus(Implant& implant, CommandSource source,
                   const itdd_implant_PatientBolusRequest& req, ImplantTime now,
                   protocol::ImplantResponse& out) {
  if (!fresh(implant, source, req.command_id, out)) return;
  implant.begin_command(source, req.command_id);
  const therapy::BolusDecision d = implant.patient_bolus(now);
  // A grant is journalled with the bolus itself; a refusal is not journalled at all: it changed
  // nothing, and a retry is simply asked again (a patient device cannot fill its own lane, let
  // alone anyone else's, with refused requests).
  implant.end_command(/*remember=*/false);
  ok(out, itdd_implant_Response_patient_bolus_tag);
  itdd_implant_PatientBolusDecision& p = out.payload.patient_bolus;
  p.granted = d.granted;
  p.refusal = refusal_to_wire(d.reason);
  p.has_next_allowed_wall_ms = !d.granted && !d.next_allowed.is_never();
  if (p.has_next_allowed_wall_ms) p.next_allowed_wall_ms = wall_ms(implant, d.next_allowed);
  p.left_in_24h = boluses_left(implant.engine(), now);
}

void prime(Implant& implant, CommandSource source, const itdd_implant_PrimeCatheter& req,
           ImplantTime now, protocol::ImplantResponse& out) {
  if (!fresh(implant, source, req.command_id, out)) return;
  implant.begin_command(source, req.command_id);
  const Status s = implant.prime(Volume(req.catheter_volume_nl), now);
  implant.end_command();
  if (!s) {
    refuse(out, s.error());
    return;
  }
  // What the engine started: the volume it fills and when the priming ends.
  const delivery::TimedDelivery& d = implant.engine().scheduler().override_delivery();
  ok(out, itdd_implant_Response_priming_tag);
  out.payload.priming.volume_nl = d.volume.count();
  out.payload.priming.ends_at_wall_ms = wall_ms(implant, d.end);
}

}  // namespace itdd::app::detail

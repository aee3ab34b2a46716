#include "itdd/programmer/use_cases/program.h"

#include <fmt/format.h>

#include <cstring>

#include "itdd/programmer/requests.h"
#include "itdd/programmer/units_text.h"
#include "itdd/protocol/prescription_wire.h"

namespace itdd::programmer {
namespace {

// The next refill by the clinic's record, beside how long the volume lasts (a drug's stability
// may call for the refill long before the reservoir runs low).
std::optional<RefillDue> recorded_refill_due(UseCaseSession& s) {
  if (!s.recording()) return std::nullopt;
  const auto refills = s.record->db->refills(s.record->pump.id);
  if (!refills.ok() || refills->empty()) return std::nullopt;
  const RefillRecord& last = refills->back();
  const std::int64_t left = last.next_refill_ms - s.now_utc_ms();
  return RefillDue{
      left >= 0 ? left / kMillisPerDay : -((-left + kMillisPerDay - 1) / kMillisPerDay),
      last.next_refill_rule};
}

}  // namespace

const char* basal_mode_name(therapy::BasalMode mode) {
  switch (mode) {
    case therapy::BasalMode::kStopped:
      return "stopped";
    case therapy::BasalMode::kContinuous:
      return "continuous";
    default:
      return "flexible";
  }
}

host::Checked<ProgramPlan> prepare_program(UseCaseSession& s, const DrugLibrary& library,
                                           const ProgramInput& input) {
  const Result<therapy::Prescription> built = build_prescription(input.entry);
  if (!built.ok())
    return host::Refusal{"", error_text(built.error()), host::RefusalKind::kInvalidArgument};
  ProgramPlan plan;
  plan.rx = built.value();
  plan.override_reason = input.override_reason;
  const host::Checked<ImplantStatus> before = interrogate(s);
  if (!before.ok()) return before.error();
  const ImplantStatus& st = before.value();
  plan.implant_token = st.prescription_token;

  const std::optional<therapy::Drug> held = st.drug_held();
  if (!held && plan.rx.mode != therapy::BasalMode::kStopped) {
    return host::Refusal{"",
                         "the reservoir has not been filled: refill (first fill) and prime first",
                         host::RefusalKind::kInvalidArgument};
  }
  if (held) {
    const Concentration in_reservoir = st.reservoir.concentration;
    const Status matches = check_against_reservoir(input.entry, *held, in_reservoir);
    if (!matches.ok()) {
      return host::Refusal{
          matches.error().field,
          fmt::format("{} (the reservoir holds {} {})", matches.error().message, held->name.data(),
                      format_concentration(in_reservoir, held->unit)),
          host::RefusalKind::kInvalidArgument};
    }
  }
  plan.current = st.prescription;

  // The drug library: the first of the three checks (programmer, implant, safety monitor).
  PreviousTherapy previous;
  const PreviousTherapy* previous_ptr = nullptr;
  if (plan.current && plan.current->mode != therapy::BasalMode::kStopped) {
    previous.prescription = *plan.current;
    if (s.recording()) {
      const auto last = s.record->db->last_dose_increase_at(s.record->pump.id);
      if (last.ok() && last.value()) {
        // Recorded on the clinic's clock; moved onto the implant's so the time since is the
        // time that really passed (a virtual implant running fast does not shorten it).
        previous.last_increase_at = WallTime(*last.value() + st.wall.ms() - s.now_utc_ms());
      }
    }
    previous_ptr = &previous;
  }
  plan.check = check_prescription(library, plan.rx, previous_ptr, st.wall);
  plan.review =
      review_program(plan.current, plan.rx, st.reservoir.remaining, recorded_refill_due(s));
  plan.accepted = accept(plan.check, input.override_reason.empty()
                                         ? std::nullopt
                                         : std::optional<std::string>(input.override_reason));
  return plan;
}

host::Checked<ProgramOutcome> commit_program(UseCaseSession& s, const ProgramPlan& plan) {
  if (!plan.accepted.ok()) {
    return host::Refusal{"override_reason", error_text(plan.accepted.error()),
                         host::RefusalKind::kInvalidArgument};
  }
  if (!plan.any_change()) {
    return host::Refusal{"", "the implant already runs this program",
                         host::RefusalKind::kInvalidArgument};
  }
  ProgramOutcome out;
  out.sent.command_id = new_command_id(s.crypto);
  const Result<protocol::Request> request =
      program_request(out.sent.command_id, plan.implant_token, plan.rx);
  if (!request.ok())
    return host::Refusal{"", error_text(request.error()), host::RefusalKind::kInvalidArgument};
  out.sent.result = s.client.command(request.value(), out.sent.command_id);
  if (!out.sent.applied()) return out;

  // Read back: the implant's own account must be exactly what was sent.
  const host::Checked<ImplantStatus> after = interrogate(s);
  if (!after.ok()) {
    // Applied, but neither checked nor recorded: nobody may take it for "nothing changed".
    out.after =
        host::Refusal{"",
                      after.error().message +
                          "; the program was applied but could not be read back (nor recorded "
                          "in the clinic database): interrogate the implant and check its "
                          "prescription",
                      host::RefusalKind::kNotRecorded};
    return out;
  }
  const CommandResult& r = out.sent.result;
  out.token = r.response && r.response->which_payload == itdd_Response_programmed_tag
                  ? r.response->payload.programmed.prescription_token
                  : after->prescription_token;
  if (const Status v = verify_readback(plan.rx, out.token, after.value()); !v.ok()) {
    // Something was applied, and it is not what was sent: only an interrogation says what.
    out.after =
        host::Refusal{"",
                      fmt::format("READ-BACK MISMATCH ({}): the implant does not hold what was "
                                  "sent; interrogate it and check its prescription now",
                                  error_text(v.error())),
                      host::RefusalKind::kUncertain};
    return out;
  }
  out.verified = true;
  out.recorded = record_session(s, "program", [&](std::int64_t session) -> std::string {
    PrescriptionRecord p;
    p.pump_id = s.record->pump.id;
    p.session_id = session;
    p.at_ms = s.now_utc_ms();
    p.token = out.token;
    p.drug = plan.rx.drug.name.data();
    p.concentration = plan.rx.concentration;
    p.mode = basal_mode_name(plan.rx.mode);
    p.max_daily_dose = max_daily_dose(plan.rx);
    p.prescription_json = nlohmann::json{{"review", review_json(plan.review)},
                                         {"program", program_record_json(plan.rx)}}
                              .dump();
    if (auto w = s.record->db->record_prescription(p); !w.ok()) return w.error().text();
    return record_overrides(s, session, plan.rx.drug.name.data(), plan.check, plan.override_reason);
  });
  return out;
}

}  // namespace itdd::programmer

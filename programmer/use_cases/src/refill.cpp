#include "itdd/programmer/use_cases/refill.h"

#include <fmt/format.h>

#include <algorithm>

#include "itdd/programmer/ran_dry.h"
#include "itdd/programmer/requests.h"
#include "itdd/programmer/units_text.h"

namespace itdd::programmer {
namespace {

// What a withdrawn volume off the implant's estimate may mean, before the refusal.
std::string discrepancy_text(const RefillCheck& c, Volume capacity) {
  return fmt::format(
      "REFILL DISCREPANCY: withdrawn {} but the implant expected {} (difference {}, more than "
      "the {} that matters for a {} reservoir): {}",
      format_volume_ml(c.withdrawn), format_volume_ml(c.expected), format_volume_ml(c.difference),
      format_volume_ml(c.threshold), format_volume_ml(capacity),
      c.finding == RefillFinding::kLessThanExpected
          ? "possible POCKET FILL at the last refill, over-infusion or a leak: check the patient "
            "for overdose"
          : "possible UNDER-INFUSION (occlusion, motor stall, pump stopped): check the patient "
            "for withdrawal");
}

}  // namespace

std::optional<host::Refusal> check_refill_concentration(const DrugSpec& drug, Concentration c) {
  if (drug.allows(c)) return std::nullopt;
  std::string allowed;
  for (const Concentration a : drug.concentrations.value) {
    allowed += (allowed.empty() ? "" : ", ") + format_concentration(a, drug.unit);
  }
  return host::Refusal{
      "concentration",
      fmt::format("{} is not supplied at {} (the drug library allows {}): check the vial",
                  drug.name, format_concentration(c, drug.unit), allowed),
      host::RefusalKind::kInvalidArgument};
}

host::Checked<RefillPreparation> prepare_refill(UseCaseSession& s, const DrugLibrary& library,
                                                const DrugSpec& drug, const RefillInput& input) {
  const RefillEntry& entry = input.entry;
  if (auto stop = check_refill_concentration(drug, entry.concentration)) return *stop;
  const host::Checked<ImplantStatus> before = interrogate(s);
  if (!before.ok()) return before.error();
  const ImplantStatus& st = before.value();
  RefillPreparation p;
  p.drug = drug;
  p.input = input;
  p.capacity = st.reservoir.capacity.count() > 0
                   ? st.reservoir.capacity
                   : (s.record != nullptr ? s.record->pump.reservoir_capacity : Volume(0));
  if (p.capacity.count() <= 0) {
    return host::Refusal{"", "the implant did not report its reservoir capacity: refill refused",
                         host::RefusalKind::kRefused};
  }
  // A pump that ran dry: since when (the event log), what it means, what to do first.
  std::optional<EmptyRecord> emptied;
  if (reservoir_ran_dry(st)) {
    const Result<std::optional<EmptyRecord>> found = reservoir_empty_record(log_reader(s.client));
    if (found.ok()) {
      emptied = found.value();
    } else {
      p.warnings.push_back(fmt::format(
          "the event log could not be read ({}): since when the pump ran dry is not known",
          error_text(found.error())));
    }
  }
  const std::optional<RanDry> dry = ran_dry(st, emptied, library);
  const Result<RefillPlan> plan = plan_refill(st, p.capacity, entry, dry);
  if (!plan.ok()) {
    host::Refusal stop{plan.error().field, plan.error().message,
                       host::RefusalKind::kInvalidArgument};
    if (stop.field == "acknowledge" && entry.withdrawn) {
      const Result<RefillCheck> c =
          check_refill(st.reservoir.remaining, *entry.withdrawn, p.capacity);
      if (c.ok()) stop.detail = discrepancy_text(c.value(), p.capacity);
    }
    return stop;
  }
  p.plan = plan.value();
  // The solution goes in with the implant's current doses (same drug) or none (a new drug):
  // the library checks the concentration, and the doses that carry on at the new one.
  const bool first_fill =
      p.plan.kind == RefillKind::kFirstFill || p.plan.kind == RefillKind::kDrugChange;
  p.rules = refill_rules(library, drug, first_fill,
                         input.undiluted ? Dilution::kUndiluted : Dilution::kDilutedOrUnknown);
  p.low_alarm = entry.low_alarm.value_or(Volume(0));
  return p;
}

host::Checked<RefillOutcome> commit_refill(UseCaseSession& s, const RefillPreparation& p) {
  const RefillEntry& entry = p.input.entry;
  RefillSettings settings;
  settings.low_reservoir_threshold = p.low_alarm;
  settings.bridge = p.plan.bridge;
  const std::int64_t stable_days =
      p.rules.first_fill_stability_days.value_or(p.rules.stability_days);
  settings.drug_stable_for = days(stable_days);
  settings.refill_due_in = days(std::min(stable_days, p.rules.max_refill_interval_days));
  RefillOutcome out;
  out.sent.command_id = new_command_id(s.crypto);
  const Result<protocol::Request> request =
      refill_request(out.sent.command_id, entry.drug, entry.concentration, entry.volume, settings);
  if (!request.ok())
    return host::Refusal{"", error_text(request.error()), host::RefusalKind::kInvalidArgument};
  out.sent.result = s.client.command(request.value(), out.sent.command_id);
  if (!out.sent.applied()) return out;
  const host::Checked<ImplantStatus> after = interrogate(s);
  if (!after.ok()) {
    out.after =
        host::Refusal{"",
                      after.error().message +
                          "; the refill was applied but the implant could not be read "
                          "afterwards: interrogate it for the new reservoir and the projected "
                          "dates",
                      host::RefusalKind::kNotRecorded};
    return out;
  }
  out.reservoir = after->reservoir;
  // In the clinic's time when its zone is known (the dates the clinic database keeps and
  // `clinic due` shows); else on the implant's own clock, as the implant keeps it.
  const std::int64_t now_utc = s.now_utc_ms();
  const WallTime implant_now = after->wall;
  const RefillRules& rules = p.rules;
  if (s.zone != nullptr) {
    out.in_clinic = next_refill_in_clinic(
        *s.zone, now_utc, implant_now, out.reservoir.low_at, rules.safety_margin,
        rules.stability_days, rules.first_fill_stability_days, rules.max_refill_interval_days);
    // The refill's dates are the clinic's, the implant's alarms follow its own clock.
    out.clock = check_implant_clock(*s.zone, now_utc, implant_now);
  }
  out.next = out.in_clinic
                 ? out.in_clinic->local
                 : next_refill_date(out.reservoir.low_at, rules.safety_margin, implant_now,
                                    rules.stability_days, rules.first_fill_stability_days,
                                    rules.max_refill_interval_days);
  const CommandResult& r = out.sent.result;
  if (r.response && r.response->which_payload == itdd_Response_refilled_tag &&
      r.response->payload.refilled.bridge.started) {
    out.bridge = r.response->payload.refilled.bridge;
  }
  // Without a zone: the implant's dates onto the instant by the distance between its clock and
  // the host's.
  out.implant_minus_host_ms = after->wall.ms() - now_utc;
  out.recorded = record_session(s, "refill", [&](std::int64_t session) -> std::string {
    RefillRecord rec;
    rec.pump_id = s.record->pump.id;
    rec.session_id = session;
    rec.at_ms = s.now_utc_ms();
    if (p.plan.check) {
      rec.expected = p.plan.check->expected;
      rec.withdrawn = p.plan.check->withdrawn;
      rec.acknowledged = p.plan.check->needs_acknowledgement();
      rec.acknowledgement_reason = rec.acknowledged ? entry.acknowledgement : "";
    }
    rec.drug = p.drug.name;
    rec.concentration = entry.concentration;
    rec.volume = entry.volume;
    rec.low_reservoir_alarm = out.reservoir.low_threshold;
    rec.bridge_bolus = out.bridge.has_value();
    // The instant and the rule without a due date of its own: `clinic due` and `clinic report`
    // say the date from the instant, in the clinic's time, so they cannot disagree.
    rec.next_refill_ms =
        out.in_clinic ? out.in_clinic->due_utc_ms : out.next.due.ms() - out.implant_minus_host_ms;
    rec.next_refill_rule = out.next.why;
    if (out.in_clinic) {
      rec.low_reservoir_ms = out.in_clinic->low_reservoir_utc_ms;
    } else if (out.reservoir.low_at) {
      rec.low_reservoir_ms = out.reservoir.low_at->ms() - out.implant_minus_host_ms;
    }
    if (auto w = s.record->db->record_refill(rec); !w.ok()) return w.error().text();
    if (p.plan.ran_dry) {
      // The dry spell the refill ended, with what the clinician was told.
      ChangeRecord c;
      c.session_id = session;
      c.at_ms = s.now_utc_ms();
      c.kind = ChangeKind::kAlarm;
      c.what = p.plan.ran_dry->since
                   ? fmt::format(
                         "the reservoir had run dry on {}{} (the implant's clock); "
                         "refilled",
                         host::format_wall_time(*p.plan.ran_dry->since),
                         p.plan.ran_dry->since_or_earlier ? " or earlier" : "")
                   : std::string("the reservoir had run dry; refilled");
      c.detail_json = nlohmann::json(ran_dry_json(*p.plan.ran_dry)).dump();
      if (auto w = s.record->db->add_change(c); !w.ok()) return w.error().text();
    }
    return "";
  });
  return out;
}

}  // namespace itdd::programmer

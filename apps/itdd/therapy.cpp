// `itdd programmer program` and `itdd programmer refill`: the two commands that change what the
// implant delivers, with everything a clinic checks around them.
//
// program: the clinician names the drug and concentration (checked against the reservoir) and
//   enters doses in the drug's unit; the drug library checks the prescription (hard limits
//   block, soft limits need --override-reason); the old and new programs are shown side by side;
//   nothing is sent without a "yes" (or --yes); the implant's own account is read back and must
//   be exactly what was sent.
// refill: the withdrawn volume is compared with what the implant expects (a discrepancy needs
//   --acknowledge with a reason); the new drug, concentration and volume (never above capacity,
//   concentration from the library's list); the bridge bolus decided when the concentration
//   changes; the low-reservoir alarm set; the next refill date printed as the earliest of the
//   low-reservoir date less the safety margin, the drug's stability and the maximum interval.
//
// With a clinic database (--db or $ITDD_CLINIC_DB) each command is one recorded session: who
// (--clinician), when, what changed, the prescription or refill, any override and its reason.
#include <fmt/format.h>

#include <cstring>
#include <iostream>

#include "clinic_context.h"
#include "clinic_record.h"
#include "commands.h"
#include "itdd/host/decimal.h"
#include "itdd/host/wall_time.h"
#include "itdd/programmer/dose_check.h"
#include "itdd/programmer/implant_clock.h"
#include "itdd/programmer/key_files.h"
#include "itdd/programmer/prescription_entry.h"
#include "itdd/programmer/program_review.h"
#include "itdd/programmer/ran_dry.h"
#include "itdd/programmer/refill_date.h"
#include "itdd/programmer/refill_plan.h"
#include "itdd/programmer/requests.h"
#include "itdd/programmer/text_input.h"
#include "itdd/programmer/units_text.h"
#include "itdd/protocol/prescription_wire.h"
#include "link_session.h"

namespace itdd::cli {

struct TherapyCommands::State {
  LinkArgs link;
  bool json = false;
  bool yes = false;
  std::string library_file;
  RecordArgs record;
  // program
  std::string drug;
  std::string concentration;
  std::string dose;
  std::vector<std::string> steps;
  bool stop = false;
  std::string bolus_dose;
  std::string bolus_duration;
  std::string bolus_lockout;
  int bolus_max = 0;
  std::string override_reason;
  // refill
  std::string withdrawn;
  std::string volume;
  std::string low_alarm;
  std::string acknowledge;
  std::string bridge;  // "yes" or "no"
  bool undiluted = false;
  CLI::App* program = nullptr;
  CLI::App* refill = nullptr;
};

namespace {

using programmer::ClinicDb;
using programmer::DrugLibrary;
using programmer::DrugSpec;
using State = TherapyCommands::State;

// ---------------------------------------------------------------- shared

const char* unit_of(const DrugSpec& d) {
  return programmer::unit_name(d.unit);
}

std::optional<std::int64_t> decimal_flag(const char* flag, const std::string& text,
                                         std::int64_t scale, const char* unit) {
  const host::Checked<std::int64_t> v = host::parse_decimal(text, scale);
  if (!v.ok()) {
    // host/text's message names the value itself ("-1: must not be negative"): said once.
    bad_input(fmt::format("{} {} (a number in {})", flag, v.error().message, unit));
    return std::nullopt;
  }
  return v.value();
}

std::optional<therapy::Drug> drug_of(const itdd_Drug& wire) {
  therapy::Drug d{};
  if (!protocol::drug_from_wire(wire, d).ok()) return std::nullopt;
  return d;
}

nlohmann::json findings_json(const programmer::DoseCheck& check) {
  return programmer::dose_check_json(check);
}

void print_or_json(const State& s, const nlohmann::json& j, const std::string& text) {
  if (s.json) {
    std::cout << j.dump(2) << '\n';
  } else {
    std::cout << text;
  }
}

// ---------------------------------------------------------------- program

// The prescription the flags describe, checked for form (exit 2 on anything wrong).
int read_program_flags(const State& s, const DrugSpec& spec, programmer::PrescriptionEntry& e) {
  const std::int64_t ng = nanograms_per(spec.unit);
  e.drug = therapy::make_drug(spec.name.c_str(), spec.unit);
  const auto conc = decimal_flag("--concentration", s.concentration, ng,
                                 fmt::format("{}/mL", unit_of(spec)).c_str());
  if (!conc) return kExitInvalidInput;
  e.concentration = Concentration(*conc);
  const int modes = (s.stop ? 1 : 0) + (s.dose.empty() ? 0 : 1) + (s.steps.empty() ? 0 : 1);
  if (modes != 1) {
    return bad_input("give exactly one of --dose (continuous), --step (flexible) or --stop");
  }
  if (s.stop) {
    e.mode = programmer::EntryMode::kStop;
  } else if (!s.dose.empty()) {
    e.mode = programmer::EntryMode::kContinuous;
    const auto d = decimal_flag("--dose", s.dose, ng, fmt::format("{}/day", unit_of(spec)).c_str());
    if (!d) return kExitInvalidInput;
    e.dose = DoseRate(*d);
  } else {
    e.mode = programmer::EntryMode::kFlexible;
    for (const std::string& text : s.steps) {
      const Result<programmer::StepText> st = programmer::split_step(text);
      if (!st.ok()) return bad_input(fmt::format("--step {}: {}", text, st.error().message));
      const auto d = decimal_flag("--step", std::string(st->dose), ng,
                                  fmt::format("{}/day", unit_of(spec)).c_str());
      if (!d) return kExitInvalidInput;
      e.steps.push_back({st->day, st->start_minute, DoseRate(*d)});
    }
  }
  const bool any_bolus = !s.bolus_dose.empty() || !s.bolus_duration.empty() ||
                         !s.bolus_lockout.empty() || s.bolus_max != 0;
  if (any_bolus) {
    if (s.bolus_dose.empty() || s.bolus_duration.empty() || s.bolus_lockout.empty() ||
        s.bolus_max < 1 || s.bolus_max > 24) {
      return bad_input(
          "a patient bolus needs --bolus-dose, --bolus-duration, --bolus-lockout "
          "and --bolus-max (1 to 24 per 24 h)");
    }
    const auto d = decimal_flag("--bolus-dose", s.bolus_dose, ng, unit_of(spec));
    if (!d) return kExitInvalidInput;
    const Result<Duration> duration = programmer::parse_duration(s.bolus_duration);
    if (!duration.ok()) {
      return bad_input(
          fmt::format("--bolus-duration {}: {}", s.bolus_duration, duration.error().message));
    }
    const Result<Duration> lockout = programmer::parse_duration(s.bolus_lockout);
    if (!lockout.ok()) {
      return bad_input(
          fmt::format("--bolus-lockout {}: {}", s.bolus_lockout, lockout.error().message));
    }
    e.patient_bolus =
        therapy::PatientBolusSettings{true, DrugAmount(*d), duration.value(),
                                      static_cast<std::uint8_t>(s.bolus_max), lockout.value()};
  }
  return 0;
}

std::string review_text(const programmer::ProgramReview& review, const programmer::DoseCheck& check,
                        const std::string& reason) {
  std::string out = "Review the change before it is sent:\n" + programmer::format_review(review);
  out += programmer::format_dose_check(check);
  if (check.needs_override()) out += fmt::format("override reason: {}\n", reason);
  return out;
}

int run_program(const State& s) {
  // Everything typed is checked before the implant is contacted.
  const std::optional<DrugLibrary> library = load_drug_library(drug_library_path(s.library_file));
  if (!library) return kExitInvalidInput;
  const DrugSpec* spec = find_drug(*library, s.drug);
  if (spec == nullptr) return kExitInvalidInput;
  programmer::PrescriptionEntry entry;
  if (const int rc = read_program_flags(s, *spec, entry); rc != 0) return rc;
  const Result<therapy::Prescription> built = programmer::build_prescription(entry);
  if (!built.ok()) return bad_input(programmer::error_text(built.error()));
  const therapy::Prescription rx = built.value();
  ClinicRecord record;
  if (const int rc = record.open(s.record, s.link); rc != 0) return rc;

  return with_session(s.link, true, [&](programmer::Client& client, sim::SodiumCrypto& crypto) {
    const StatusOrExit before = interrogate(client, s.link);
    if (before.exit_code != 0) return before.exit_code;
    const itdd_ImplantStatus& st = before.status;
    const std::optional<therapy::Drug> held =
        st.has_reservoir && st.reservoir.filled ? drug_of(st.reservoir.drug) : std::nullopt;
    if (!held && rx.mode != therapy::BasalMode::kStopped) {
      return bad_input("the reservoir has not been filled: refill (first fill) and prime first");
    }
    if (held) {
      const Status matches = programmer::check_against_reservoir(
          entry, *held, Concentration(st.reservoir.concentration_ng_per_ml));
      if (!matches.ok()) {
        return bad_input(
            fmt::format("--{} {}: {} (the reservoir holds {} {})", matches.error().field,
                        std::strcmp(matches.error().field, "drug") == 0 ? s.drug : s.concentration,
                        matches.error().message, held->name.data(),
                        programmer::format_concentration(
                            Concentration(st.reservoir.concentration_ng_per_ml), held->unit)));
      }
    }
    std::optional<therapy::Prescription> current;
    if (st.has_prescription && st.prescription.mode != itdd_BasalMode_BASAL_MODE_UNSPECIFIED) {
      const Result<therapy::Prescription> c = protocol::prescription_from_wire(st.prescription);
      if (c.ok()) current = c.value();
    }

    // The drug library: the first of the three checks (programmer, implant, safety monitor).
    programmer::PreviousTherapy previous;
    const programmer::PreviousTherapy* previous_ptr = nullptr;
    if (current && current->mode != therapy::BasalMode::kStopped) {
      previous.prescription = *current;
      if (record.active()) {
        const auto last = record.db().last_dose_increase_at(record.pump().id);
        if (last.ok() && last.value()) {
          // Recorded on the clinic's clock; moved onto the implant's so the time since is the
          // time that really passed (a virtual implant running fast does not shorten it).
          previous.last_increase_at = WallTime(*last.value() + st.wall_ms - system_now_ms());
        }
      }
      previous_ptr = &previous;
    }
    const programmer::DoseCheck check =
        programmer::check_prescription(*library, rx, previous_ptr, WallTime(st.wall_ms));
    const std::optional<std::string> reason =
        s.override_reason.empty() ? std::nullopt : std::optional<std::string>(s.override_reason);
    // The next refill by the clinic's record, beside how long the volume lasts (a drug's
    // stability may call for the refill long before the reservoir runs low).
    std::optional<programmer::RefillDue> due;
    if (record.active()) {
      const auto refills = record.db().refills(record.pump().id);
      if (refills.ok() && !refills->empty()) {
        const programmer::RefillRecord& last = refills->back();
        const std::int64_t left = last.next_refill_ms - system_now_ms();
        due = programmer::RefillDue{
            left >= 0 ? left / kMillisPerDay : -((-left + kMillisPerDay - 1) / kMillisPerDay),
            last.next_refill_rule};
      }
    }
    const programmer::ProgramReview review =
        programmer::review_program(current, rx, Volume(st.reservoir.remaining_nl), due);
    nlohmann::json j = {{"command", "program"},
                        {"review", programmer::review_json(review)},
                        {"dose_check", findings_json(check)}};
    if (const Status ok = programmer::accept(check, reason); !ok.ok()) {
      if (s.json) {
        j["delivery"] = "not sent";
        j["error"] = programmer::error_text(ok.error());
        std::cout << j.dump(2) << '\n';
      } else {
        std::cout << review_text(review, check, s.override_reason);
      }
      if (check.blocked()) {
        return bad_input(fmt::format("the drug library blocks this program ({}): nothing was sent",
                                     programmer::error_text(ok.error())));
      }
      return bad_input(fmt::format("--override-reason: {}: nothing was sent", ok.error().message));
    }
    if (!review.any_change()) {
      j["clinic_session"] = nullptr;
      print_or_json(s, j, "the implant already runs this program: nothing to send\n");
      return 0;
    }
    if (!s.yes && !confirm(review_text(review, check, s.override_reason), s.json)) {
      return kExitFailure;
    }

    const std::uint64_t id = programmer::new_command_id(crypto);
    const Result<protocol::Request> request =
        programmer::program_request(id, st.prescription_token, rx);
    if (!request.ok()) return bad_input(programmer::error_text(request.error()));
    const programmer::CommandResult r = client.command(request.value(), id);
    if (const int rc = check_applied(r, "program", id, s.json); rc != 0) return rc;

    // Read back: the implant's own account must be exactly what was sent.
    const StatusOrExit after = interrogate(client, s.link);
    if (after.exit_code != 0) {
      // Applied, but neither checked nor recorded: a script must not take it for "nothing
      // changed".
      return applied_not_recorded(
          "the program was applied but could not be read back (nor recorded in the clinic "
          "database): interrogate the implant and check its prescription");
    }
    const std::uint64_t token =
        r.response && r.response->which_payload == itdd_Response_programmed_tag
            ? r.response->payload.programmed.prescription_token
            : after.status.prescription_token;
    if (const Status v = programmer::verify_readback(rx, token, after.status); !v.ok()) {
      // Something was applied, and it is not what was sent: only an interrogation says what.
      return uncertain(
          fmt::format("READ-BACK MISMATCH ({}): the implant does not hold what was "
                      "sent; interrogate it and check its prescription now",
                      programmer::error_text(v.error())));
    }
    add_delivery(j, r, id);
    j["verified"] = true;
    j["prescription_token"] = fmt::format("0x{:016x}", token);
    if (check.needs_override()) j["override_reason"] = s.override_reason;
    const std::string text = fmt::format(
        "{}program applied and read back: the implant holds exactly the new "
        "program (token 0x{:016x})\n",
        s.yes ? review_text(review, check, s.override_reason) : "", token);

    const DoseRate max_daily = programmer::max_daily_dose(rx);
    return record.finish("program", j, text, s.json, [&](std::int64_t session) -> std::string {
      programmer::PrescriptionRecord p;
      p.pump_id = record.pump().id;
      p.session_id = session;
      p.at_ms = system_now_ms();
      p.token = token;
      p.drug = rx.drug.name.data();
      p.concentration = rx.concentration;
      p.mode = rx.mode == therapy::BasalMode::kStopped      ? "stopped"
               : rx.mode == therapy::BasalMode::kContinuous ? "continuous"
                                                            : "flexible";
      p.max_daily_dose = max_daily;
      nlohmann::json wire_json = programmer::review_json(review);
      p.prescription_json = nlohmann::json{{"review", wire_json}}.dump();
      if (auto w = record.db().record_prescription(p); !w.ok()) {
        return programmer::db_error_text(w.error());
      }
      return record.record_overrides(session, rx.drug.name.data(), check, s.override_reason);
    });
  });
}

// ---------------------------------------------------------------- refill

int run_refill(const State& s) {
  const std::optional<DrugLibrary> library = load_drug_library(drug_library_path(s.library_file));
  if (!library) return kExitInvalidInput;
  const DrugSpec* spec = find_drug(*library, s.drug);
  if (spec == nullptr) return kExitInvalidInput;
  programmer::RefillEntry entry;
  entry.drug = therapy::make_drug(spec->name.c_str(), spec->unit);
  const auto conc = decimal_flag("--concentration", s.concentration, nanograms_per(spec->unit),
                                 fmt::format("{}/mL", unit_of(*spec)).c_str());
  if (!conc) return kExitInvalidInput;
  entry.concentration = Concentration(*conc);
  if (!spec->allows(entry.concentration)) {
    std::string allowed;
    for (const Concentration c : spec->concentrations.value) {
      allowed += (allowed.empty() ? "" : ", ") + programmer::format_concentration(c, spec->unit);
    }
    return bad_input(
        fmt::format("--concentration {}: {} is not supplied at {} {}/mL (the drug "
                    "library allows {}): check the vial",
                    s.concentration, spec->name, s.concentration, unit_of(*spec), allowed));
  }
  const Result<Volume> volume = programmer::parse_volume_ml(s.volume);
  if (!volume.ok())
    return bad_input(fmt::format("--volume-ml {}: {}", s.volume, volume.error().message));
  entry.volume = volume.value();
  if (!s.withdrawn.empty()) {
    const Result<Volume> w = programmer::parse_volume_ml_or_zero(s.withdrawn);
    if (!w.ok())
      return bad_input(fmt::format("--withdrawn-ml {}: {}", s.withdrawn, w.error().message));
    entry.withdrawn = w.value();
  }
  if (!s.low_alarm.empty()) {
    const Result<Volume> l = programmer::parse_volume_ml(s.low_alarm);
    if (!l.ok())
      return bad_input(fmt::format("--low-alarm-ml {}: {}", s.low_alarm, l.error().message));
    entry.low_alarm = l.value();
  }
  if (!s.bridge.empty()) {
    if (s.bridge != "yes" && s.bridge != "no") return bad_input("--bridge: yes or no");
    entry.bridge = s.bridge == "yes";
  }
  entry.acknowledgement = s.acknowledge;
  // The clinic's time zone dates the next refill (the clinic database's, when one is kept).
  const ClinicZone zone = clinic_time_zone(s.link.time_zone, s.link.clinic_db);
  if (zone.exit_code != 0) return zone.exit_code;
  ClinicRecord record;
  if (const int rc = record.open(s.record, s.link); rc != 0) return rc;

  return with_session(s.link, true, [&](programmer::Client& client, sim::SodiumCrypto& crypto) {
    const StatusOrExit before = interrogate(client, s.link);
    if (before.exit_code != 0) return before.exit_code;
    const itdd_ImplantStatus& st = before.status;
    const Volume capacity = st.reservoir.capacity_nl > 0 ? Volume(st.reservoir.capacity_nl)
                                                         : record.pump().reservoir_capacity;
    if (capacity.count() <= 0) {
      return failure("the implant did not report its reservoir capacity: refill refused");
    }
    // A pump that ran dry: since when (the event log), what it means, what to do first.
    std::optional<programmer::EmptyRecord> emptied;
    if (programmer::reservoir_ran_dry(st)) {
      const Result<std::optional<programmer::EmptyRecord>> found =
          programmer::reservoir_empty_record(log_reader(client));
      if (found.ok()) {
        emptied = found.value();
      } else {
        std::cerr << fmt::format(
            "warning: the event log could not be read ({}): since when the pump ran dry is not "
            "known\n",
            programmer::error_text(found.error()));
      }
    }
    const std::optional<programmer::RanDry> dry = programmer::ran_dry(st, emptied, *library);
    const Result<programmer::RefillPlan> plan = programmer::plan_refill(st, capacity, entry, dry);
    if (!plan.ok()) {
      const std::string field = plan.error().field;
      const std::string flag = field == "withdrawn"     ? "--withdrawn-ml"
                               : field == "volume"      ? "--volume-ml"
                               : field == "low_alarm"   ? "--low-alarm-ml"
                               : field == "bridge"      ? "--bridge"
                               : field == "acknowledge" ? "--acknowledge"
                                                        : "--" + field;
      if (field == "acknowledge") {
        const programmer::RefillCheck c =
            programmer::check_refill(Volume(st.reservoir.remaining_nl), *entry.withdrawn, capacity)
                .value();
        std::cerr << fmt::format(
            "REFILL DISCREPANCY: withdrawn {} but the implant expected {} (difference {}, more "
            "than the {} that matters for a {} reservoir): {}\n",
            programmer::format_volume_ml(c.withdrawn), programmer::format_volume_ml(c.expected),
            programmer::format_volume_ml(c.difference), programmer::format_volume_ml(c.threshold),
            programmer::format_volume_ml(capacity),
            c.finding == programmer::RefillFinding::kLessThanExpected
                ? "possible POCKET FILL at the last refill, over-infusion or a leak: check the "
                  "patient for overdose"
                : "possible UNDER-INFUSION (occlusion, motor stall, pump stopped): check the "
                  "patient for withdrawal");
      }
      return bad_input(fmt::format("{}: {}: nothing was sent", flag, plan.error().message));
    }
    // The solution goes in with the implant's current doses (same drug) or none (a new drug):
    // the library checks the concentration, and the doses that carry on at the new one.
    const bool first_fill = plan->kind == programmer::RefillKind::kFirstFill ||
                            plan->kind == programmer::RefillKind::kDrugChange;
    const programmer::RefillRules rules = programmer::refill_rules(
        *library, *spec, first_fill,
        s.undiluted ? programmer::Dilution::kUndiluted : programmer::Dilution::kDilutedOrUnknown);
    Volume low = entry.low_alarm.value_or(Volume(0));

    std::string preview = plan->ran_dry ? programmer::format_ran_dry(*plan->ran_dry) + "\n" : "";
    preview +=
        fmt::format("Refill ({}): {} of {} at {}, low-reservoir alarm at {}\n",
                    describe(plan->kind), programmer::format_volume_ml(entry.volume), spec->name,
                    programmer::format_concentration(entry.concentration, spec->unit),
                    low.count() > 0 ? programmer::format_volume_ml(low) : "the pump's default");
    if (plan->check) preview += programmer::withdrawal_text(*plan) + "\n";
    for (const std::string& n : plan->notes) preview += "note: " + n + "\n";
    if (!s.yes && !confirm(preview, s.json)) return kExitFailure;

    programmer::RefillSettings settings;
    settings.low_reservoir_threshold = low;
    settings.bridge = plan->bridge;
    const std::int64_t stable_days = rules.first_fill_stability_days.value_or(rules.stability_days);
    settings.drug_stable_for = days(stable_days);
    settings.refill_due_in = days(std::min(stable_days, rules.max_refill_interval_days));
    const std::uint64_t id = programmer::new_command_id(crypto);
    const Result<protocol::Request> request =
        programmer::refill_request(id, entry.drug, entry.concentration, entry.volume, settings);
    if (!request.ok()) return bad_input(programmer::error_text(request.error()));
    const programmer::CommandResult r = client.command(request.value(), id);
    if (const int rc = check_applied(r, "refill", id, s.json); rc != 0) return rc;
    const StatusOrExit after = interrogate(client, s.link);
    if (after.exit_code != 0) {
      return applied_not_recorded(
          "the refill was applied but the implant could not be read afterwards: "
          "interrogate it for the new reservoir and the projected dates");
    }
    const itdd_Reservoir& res = after.status.reservoir;
    const std::optional<WallTime> low_at =
        res.has_low_at_wall_ms ? std::optional<WallTime>(WallTime(res.low_at_wall_ms))
                               : std::nullopt;
    // In the clinic's time when its zone is known (the dates the clinic database keeps and
    // `clinic due` shows); else on the implant's own clock, as the implant keeps it.
    const std::int64_t now_utc = system_now_ms();
    std::optional<programmer::ClinicRefillDate> in_clinic;
    if (zone.zone) {
      in_clinic = programmer::next_refill_in_clinic(
          *zone.zone, now_utc, WallTime(after.status.wall_ms), low_at, rules.safety_margin,
          rules.stability_days, rules.first_fill_stability_days, rules.max_refill_interval_days);
    }
    const programmer::RefillDate next =
        in_clinic
            ? in_clinic->local
            : programmer::next_refill_date(
                  low_at, rules.safety_margin, WallTime(after.status.wall_ms), rules.stability_days,
                  rules.first_fill_stability_days, rules.max_refill_interval_days);

    nlohmann::json j = {
        {"command", "refill"},
        {"delivery", "applied"},
        {"command_id", id},
        {"kind", describe(plan->kind)},
        {"volume_ml",
         static_cast<double>(entry.volume.count()) / static_cast<double>(kNanolitresPerMillilitre)},
        {"volume_nl", entry.volume.count()},
        {"drug", spec->name},
        {"concentration_ng_per_ml", entry.concentration.count()},
        {"low_reservoir_alarm_nl", res.low_threshold_nl},
        {"notes", plan->notes},
        {"next_refill", host::format_wall_time(next.due)},
        {"next_refill_wall_ms", next.due.ms()},
        {"next_refill_rule", programmer::refill_rule_name(next.decided_by)},
        {"next_refill_reason", next.reason},
        {"next_refill_time_zone",
         zone.zone ? nlohmann::json(zone.zone->name()) : nlohmann::json("the implant's clock")},
        {"sources", rules.sources},
        {"ran_dry", plan->ran_dry ? nlohmann::json(programmer::ran_dry_json(*plan->ran_dry))
                                  : nlohmann::json(nullptr)}};
    add_delivery(j, r, id);
    if (plan->check) {
      j["withdrawn_nl"] = plan->check->withdrawn.count();
      j["expected_nl"] = plan->check->expected.count();
      j["difference_nl"] = plan->check->difference.count();
      j["finding"] = programmer::describe(plan->check->finding);
      if (plan->check->needs_acknowledgement()) j["acknowledgement"] = s.acknowledge;
    }
    std::string text = s.yes ? preview : "";
    text += r.reply_lost() ? fmt::format("refill applied ({})\n", r.detail) : "refill applied\n";
    std::string bridge_text;
    if (r.response && r.response->which_payload == itdd_Response_refilled_tag &&
        r.response->payload.refilled.bridge.started) {
      const itdd_BridgePlan& b = r.response->payload.refilled.bridge;
      j["bridge"] = {{"started", true},
                     {"volume_nl", b.volume_nl},
                     {"flow_nl_per_day", b.flow_nl_per_day},
                     {"duration_ms", b.duration_ms}};
      bridge_text = fmt::format("bridge bolus {} at {} over {}",
                                programmer::format_volume_ml(Volume(b.volume_nl)),
                                programmer::format_flow_ml_per_day(FlowRate(b.flow_nl_per_day)),
                                programmer::format_duration(Duration(b.duration_ms)));
      text += bridge_text + "\n";
    } else {
      j["bridge"] = {{"started", false}};
    }
    const std::string low_text = !low_at ? std::string("never")
                                 : in_clinic && in_clinic->low_reservoir_utc_ms
                                     ? zone.zone->minute_at(*in_clinic->low_reservoir_utc_ms)
                                     : host::format_wall_time(*low_at) + " (the implant's clock)";
    text += fmt::format("low-reservoir alarm at {}; projected low {}\n",
                        programmer::format_volume_ml(Volume(res.low_threshold_nl)), low_text);
    text += fmt::format("next refill: {}{} ({})\n", host::format_wall_time(next.due),
                        zone.zone ? " " + zone.zone->name() : std::string(" (the implant's clock)"),
                        next.why);
    if (zone.zone) {
      // The refill's dates are the clinic's, the implant's alarms follow its own clock (the
      // session said any difference when it opened: link_session.h).
      const programmer::ImplantClockCheck clock =
          programmer::check_implant_clock(*zone.zone, now_utc, WallTime(after.status.wall_ms));
      j["clock_warning"] = clock.differs ? nlohmann::json(clock.message) : nlohmann::json(nullptr);
    }
    // Without a zone (no clinic database): the implant's dates onto the instant by the distance
    // between its clock and this computer's (never stored: no database).
    const std::int64_t offset = after.status.wall_ms - now_utc;
    return record.finish("refill", j, text, s.json, [&](std::int64_t session) -> std::string {
      programmer::RefillRecord rec;
      rec.pump_id = record.pump().id;
      rec.session_id = session;
      rec.at_ms = system_now_ms();
      if (plan->check) {
        rec.expected = plan->check->expected;
        rec.withdrawn = plan->check->withdrawn;
        rec.acknowledged = plan->check->needs_acknowledgement();
        rec.acknowledgement_reason = plan->check->needs_acknowledgement() ? s.acknowledge : "";
      }
      rec.drug = spec->name;
      rec.concentration = entry.concentration;
      rec.volume = entry.volume;
      rec.low_reservoir_alarm = Volume(res.low_threshold_nl);
      rec.bridge_bolus = !bridge_text.empty();
      // The instant and the rule without a due date of its own: `clinic due` and `clinic report`
      // say the date from the instant, in the clinic's time, so they cannot disagree.
      rec.next_refill_ms = in_clinic ? in_clinic->due_utc_ms : next.due.ms() - offset;
      rec.next_refill_rule = next.why;
      if (in_clinic) {
        rec.low_reservoir_ms = in_clinic->low_reservoir_utc_ms;
      } else if (low_at) {
        rec.low_reservoir_ms = low_at->ms() - offset;
      }
      if (auto w = record.db().record_refill(rec); !w.ok()) {
        return programmer::db_error_text(w.error());
      }
      if (plan->ran_dry) {
        // The dry spell the refill ended, with what the clinician was told.
        programmer::ChangeRecord c;
        c.session_id = session;
        c.at_ms = system_now_ms();
        c.kind = programmer::ChangeKind::kAlarm;
        c.what = plan->ran_dry->since
                     ? fmt::format(
                           "the reservoir had run dry on {}{} (the implant's clock); "
                           "refilled",
                           host::format_wall_time(*plan->ran_dry->since),
                           plan->ran_dry->since_or_earlier ? " or earlier" : "")
                     : std::string("the reservoir had run dry; refilled");
        c.detail_json = nlohmann::json(programmer::ran_dry_json(*plan->ran_dry)).dump();
        if (auto w = record.db().add_change(c); !w.ok()) {
          return programmer::db_error_text(w.error());
        }
      }
      return "";
    });
  });
}

void add_clinic_options(CLI::App* cmd, State& s) {
  add_clinic_clock_options(cmd, s.link);
  cmd->add_option("--library", s.library_file,
                  "Drug library (default: $ITDD_DRUG_LIBRARY, else the source tree's "
                  "data/drug-library.json)");
  add_record_options(cmd, s.record, s.link);
  cmd->add_flag("--yes", s.yes, "Do not ask for confirmation (scripts)");
  cmd->add_flag("--json", s.json, "Print JSON instead of text");
}

}  // namespace

TherapyCommands::TherapyCommands(CLI::App& programmer) : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.program = programmer.add_subcommand(
      "program",
      "Program a prescription: doses in the drug's unit, checked against the drug library, old "
      "and new side by side, confirmed, read back");
  add_link_options(s.program, s.link, true);
  add_clinic_options(s.program, s);
  s.program->add_option("--drug", s.drug, "The drug in the reservoir (as in the drug library)")
      ->required();
  s.program
      ->add_option("--concentration", s.concentration,
                   "Its concentration, in the drug's unit per mL (checked against the reservoir)")
      ->required();
  s.program->add_option("--dose", s.dose, "Continuous: the daily dose in the drug's unit");
  s.program->add_option("--step", s.steps,
                        "Flexible: [DAY@]HH:MM=DOSE, the daily dose rate from that time "
                        "(repeatable; DAY mon..sun for a program per weekday)");
  s.program->add_flag("--stop", s.stop, "Stop the basal program");
  s.program->add_option("--bolus-dose", s.bolus_dose,
                        "Patient bolus: the dose of one bolus, in the drug's unit");
  s.program->add_option("--bolus-duration", s.bolus_duration,
                        "Patient bolus: delivered over (e.g. 10m)");
  s.program->add_option("--bolus-lockout", s.bolus_lockout,
                        "Patient bolus: from one to the next allowed (e.g. 3h)");
  s.program->add_option("--bolus-max", s.bolus_max, "Patient bolus: at most this many per 24 h");
  s.program->add_option("--override-reason", s.override_reason,
                        "Why a soft limit of the drug library is exceeded (recorded)");

  s.refill = programmer.add_subcommand(
      "refill",
      "Refill: the withdrawn volume checked against the implant's, the new solution, the bridge "
      "bolus, the low-reservoir alarm and the next refill date");
  add_link_options(s.refill, s.link, true);
  add_clinic_options(s.refill, s);
  s.refill->add_option("--withdrawn-ml", s.withdrawn,
                       "What was withdrawn from the reservoir, in mL (not at a first fill)");
  s.refill->add_option("--drug", s.drug, "The drug filled (as in the drug library)")->required();
  s.refill
      ->add_option("--concentration", s.concentration, "Its concentration, in the drug's unit/mL")
      ->required();
  s.refill->add_option("--volume-ml", s.volume, "The volume filled, in mL")->required();
  s.refill->add_option("--low-alarm-ml", s.low_alarm,
                       "Low-reservoir alarm volume in mL (default: the pump model's)");
  s.refill->add_option("--bridge", s.bridge,
                       "yes or no: run the bridge bolus when the concentration changes");
  s.refill->add_option("--acknowledge", s.acknowledge,
                       "Why a withdrawn volume off the expected one is accepted (recorded)");
  s.refill->add_flag("--undiluted", s.undiluted,
                     "The solution is undiluted (longer stability for some drugs)");
}

TherapyCommands::~TherapyCommands() = default;

std::optional<int> TherapyCommands::run() const {
  if (state_->program->parsed()) return run_program(*state_);
  if (state_->refill->parsed()) return run_refill(*state_);
  return std::nullopt;
}

}  // namespace itdd::cli

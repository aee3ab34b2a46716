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
#include "clinic_fixed_rate.h"
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
#include "itdd/programmer/use_cases/program.h"
#include "itdd/programmer/use_cases/refill.h"
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
  // A fixed-rate pump first: its kind, not a vial or a dose, is what is wrong.
  if (const int rc = refuse_if_fixed_rate(s.record.pump_serial, s.link.clinic_db, s.record.command);
      rc != 0) {
    return rc;
  }
  // Everything typed is checked before the implant is contacted.
  const std::optional<DrugLibrary> library = load_drug_library(drug_library_path(s.library_file));
  if (!library) return kExitInvalidInput;
  const DrugSpec* spec = find_drug(*library, s.drug);
  if (spec == nullptr) return kExitInvalidInput;
  programmer::ProgramInput input;
  if (const int rc = read_program_flags(s, *spec, input.entry); rc != 0) return rc;
  const Result<therapy::Prescription> built = programmer::build_prescription(input.entry);
  if (!built.ok()) return bad_input(programmer::error_text(built.error()));
  input.override_reason = s.override_reason;
  ClinicRecord record;
  if (const int rc = record.open(s.record, s.link); rc != 0) return rc;

  return with_session(
      s.link, true,
      [&](programmer::Client& client, host::SodiumCrypto& crypto, const SessionOpening& opening) {
        programmer::UseCaseSession session = record.session(client, crypto, s.link, opening);
        const host::Checked<programmer::ProgramPlan> plan =
            programmer::prepare_program(session, *library, input);
        if (!plan.ok()) {
          const host::Refusal& stop = plan.error();
          if (stop.field == "drug" || stop.field == "concentration") {
            return bad_input(fmt::format("--{} {}: {}", stop.field,
                                         stop.field == "drug" ? s.drug : s.concentration,
                                         stop.message));
          }
          return said(stop);
        }
        const programmer::ProgramReview& review = plan->review;
        const programmer::DoseCheck& check = plan->check;
        nlohmann::json j = {{"command", "program"},
                            {"review", programmer::review_json(review)},
                            {"dose_check", findings_json(check)}};
        if (const Status& ok = plan->accepted; !ok.ok()) {
          if (s.json) {
            j["delivery"] = "not sent";
            j["error"] = programmer::error_text(ok.error());
            std::cout << j.dump(2) << '\n';
          } else {
            std::cout << review_text(review, check, s.override_reason);
          }
          return drug_library_refusal(check.blocked(), ok.error(), "program");
        }
        if (!plan->any_change()) {
          j["clinic_session"] = nullptr;
          print_or_json(s, j, "the implant already runs this program: nothing to send\n");
          return 0;
        }
        if (!s.yes && !confirm(review_text(review, check, s.override_reason), s.json)) {
          return kExitFailure;
        }

        const host::Checked<programmer::ProgramOutcome> done =
            programmer::commit_program(session, plan.value());
        if (!done.ok()) return said(done.error());
        const programmer::Sent& sent = done->sent;
        if (const int rc = check_applied(sent.result, "program", sent.command_id, s.json);
            rc != 0) {
          return rc;
        }
        if (done->after) return said(*done->after);
        add_delivery(j, sent.result, sent.command_id);
        j["verified"] = true;
        j["prescription_token"] = fmt::format("0x{:016x}", done->token);
        if (check.needs_override()) j["override_reason"] = s.override_reason;
        const std::string text = fmt::format(
            "{}program applied and read back: the implant holds exactly the new "
            "program (token 0x{:016x})\n",
            s.yes ? review_text(review, check, s.override_reason) : "", done->token);
        return record.show(j, text, s.json, done->recorded);
      });
}

// ---------------------------------------------------------------- refill

int run_refill(const State& s) {
  // A fixed-rate pump first: its kind, not a vial or a dose, is what is wrong.
  if (const int rc = refuse_if_fixed_rate(s.record.pump_serial, s.link.clinic_db, s.record.command);
      rc != 0) {
    return rc;
  }
  const std::optional<DrugLibrary> library = load_drug_library(drug_library_path(s.library_file));
  if (!library) return kExitInvalidInput;
  const DrugSpec* spec = find_drug(*library, s.drug);
  if (spec == nullptr) return kExitInvalidInput;
  programmer::RefillInput input;
  programmer::RefillEntry& entry = input.entry;
  input.undiluted = s.undiluted;
  entry.drug = therapy::make_drug(spec->name.c_str(), spec->unit);
  const auto conc = decimal_flag("--concentration", s.concentration, nanograms_per(spec->unit),
                                 fmt::format("{}/mL", unit_of(*spec)).c_str());
  if (!conc) return kExitInvalidInput;
  entry.concentration = Concentration(*conc);
  if (const auto stop = programmer::check_refill_concentration(*spec, entry.concentration)) {
    return bad_input(fmt::format("--concentration {}: {}", s.concentration, stop->message));
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

  return with_session(
      s.link, true,
      [&](programmer::Client& client, host::SodiumCrypto& crypto, const SessionOpening& opening) {
        programmer::UseCaseSession session = record.session(client, crypto, s.link, opening);
        const host::Checked<programmer::RefillPreparation> prepared =
            programmer::prepare_refill(session, *library, *spec, input);
        if (prepared.ok()) {
          for (const std::string& w : prepared->warnings) std::cerr << "warning: " << w << '\n';
        }
        if (!prepared.ok()) {
          const host::Refusal& stop = prepared.error();
          if (stop.field.empty()) return said(stop);
          const std::string flag = stop.field == "withdrawn"     ? "--withdrawn-ml"
                                   : stop.field == "volume"      ? "--volume-ml"
                                   : stop.field == "low_alarm"   ? "--low-alarm-ml"
                                   : stop.field == "bridge"      ? "--bridge"
                                   : stop.field == "acknowledge" ? "--acknowledge"
                                                                 : "--" + stop.field;
          if (!stop.detail.empty()) std::cerr << stop.detail << '\n';
          return bad_input(fmt::format("{}: {}: nothing was sent", flag, stop.message));
        }
        const programmer::RefillPlan& plan = prepared->plan;
        const programmer::RefillRules& rules = prepared->rules;
        const Volume low = prepared->low_alarm;

        std::string preview = plan.ran_dry ? programmer::format_ran_dry(*plan.ran_dry) + "\n" : "";
        preview +=
            fmt::format("Refill ({}): {} of {} at {}, low-reservoir alarm at {}\n",
                        describe(plan.kind), programmer::format_volume_ml(entry.volume), spec->name,
                        programmer::format_concentration(entry.concentration, spec->unit),
                        low.count() > 0 ? programmer::format_volume_ml(low) : "the pump's default");
        if (plan.check) preview += programmer::withdrawal_text(plan) + "\n";
        for (const std::string& n : plan.notes) preview += "note: " + n + "\n";
        if (!s.yes && !confirm(preview, s.json)) return kExitFailure;

        const host::Checked<programmer::RefillOutcome> done =
            programmer::commit_refill(session, prepared.value());
        if (!done.ok()) return said(done.error());
        const programmer::Sent& sent = done->sent;
        if (const int rc = check_applied(sent.result, "refill", sent.command_id, s.json); rc != 0) {
          return rc;
        }
        if (done->after) return said(*done->after);
        const programmer::ReservoirStatus& res = done->reservoir;
        const programmer::RefillDate& next = done->next;
        const host::TimeZone* clinic = session.zone;
        nlohmann::json j = {
            {"command", "refill"},
            {"delivery", "applied"},
            {"command_id", sent.command_id},
            {"kind", describe(plan.kind)},
            {"volume_ml", static_cast<double>(entry.volume.count()) /
                              static_cast<double>(kNanolitresPerMillilitre)},
            {"volume_nl", entry.volume.count()},
            {"drug", spec->name},
            {"concentration_ng_per_ml", entry.concentration.count()},
            {"low_reservoir_alarm_nl", res.low_threshold.count()},
            {"notes", plan.notes},
            {"next_refill", host::format_wall_time(next.due)},
            {"next_refill_wall_ms", next.due.ms()},
            {"next_refill_rule", programmer::refill_rule_name(next.decided_by)},
            {"next_refill_reason", next.reason},
            {"next_refill_time_zone", clinic != nullptr ? nlohmann::json(clinic->name())
                                                        : nlohmann::json("the implant's clock")},
            {"sources", rules.sources},
            {"ran_dry", plan.ran_dry ? nlohmann::json(programmer::ran_dry_json(*plan.ran_dry))
                                     : nlohmann::json(nullptr)}};
        add_delivery(j, sent.result, sent.command_id);
        if (plan.check) {
          j["withdrawn_nl"] = plan.check->withdrawn.count();
          j["expected_nl"] = plan.check->expected.count();
          j["difference_nl"] = plan.check->difference.count();
          j["finding"] = programmer::describe(plan.check->finding);
          if (plan.check->needs_acknowledgement()) j["acknowledgement"] = s.acknowledge;
        }
        std::string text = s.yes ? preview : "";
        text += sent.result.reply_lost() ? fmt::format("refill applied ({})\n", sent.result.detail)
                                         : "refill applied\n";
        if (done->bridge) {
          const itdd_BridgePlan& b = *done->bridge;
          j["bridge"] = {{"started", true},
                         {"volume_nl", b.volume_nl},
                         {"flow_nl_per_day", b.flow_nl_per_day},
                         {"duration_ms", b.duration_ms}};
          text += fmt::format("bridge bolus {} at {} over {}\n",
                              programmer::format_volume_ml(Volume(b.volume_nl)),
                              programmer::format_flow_ml_per_day(FlowRate(b.flow_nl_per_day)),
                              programmer::format_duration(Duration(b.duration_ms)));
        } else {
          j["bridge"] = {{"started", false}};
        }
        const std::optional<programmer::ClinicRefillDate>& in_clinic = done->in_clinic;
        const std::string low_text =
            !res.low_at ? std::string("never")
            : in_clinic && in_clinic->low_reservoir_utc_ms
                ? clinic->minute_at(*in_clinic->low_reservoir_utc_ms)
                : host::format_wall_time(*res.low_at) + " (the implant's clock)";
        text += fmt::format("low-reservoir alarm at {}; projected low {}\n",
                            programmer::format_volume_ml(res.low_threshold), low_text);
        text += fmt::format(
            "next refill: {}{} ({})\n", host::format_wall_time(next.due),
            clinic != nullptr ? " " + clinic->name() : std::string(" (the implant's clock)"),
            next.why);
        if (done->clock) {
          j["clock_warning"] =
              done->clock->differs ? nlohmann::json(done->clock->message) : nlohmann::json(nullptr);
        }
        return record.show(j, text, s.json, done->recorded);
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

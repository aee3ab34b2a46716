#include "itdd/programmer/ran_dry.h"

#include <fmt/format.h>

#include <cctype>

#include "itdd/host/figures.h"
#include "itdd/host/wall_time.h"
#include "itdd/programmer/dose_check.h"
#include "itdd/programmer/text_input.h"
#include "itdd/programmer/units_text.h"
#include "itdd/protocol/prescription_wire.h"

namespace itdd::programmer {
namespace {

// Where the facts behind the advice are written down (docs/intrathecal-facts.md cites its own
// sources for each).
constexpr const char* kOpioidRestartSource =
    "docs/intrathecal-facts.md, Running dry and withdrawal: after a missed refill a patient may be "
    "back in an opioid-naive state, and the same concentration and dose may then cause delayed "
    "respiratory depression";
constexpr const char* kPrimingSource =
    "docs/intrathecal-facts.md: a priming bolus is for after implantation or a catheter revision "
    "(Therapy modes); the empty alarm is computed from the programmed rate, not measured, so a "
    "pump that over-infuses can run dry before its account says so (Alarms); the pump model's dead "
    "volume and priming rate as the implant reports them (data/pump-models.json)";

std::string dose_text(DoseRate d, const std::optional<DoseUnit>& unit) {
  return unit ? format_dose(d, *unit) : fmt::format("{} ng/day", d.count());
}
std::string amount_text(DrugAmount a, const std::optional<DoseUnit>& unit) {
  return unit ? format_amount(a, *unit) : fmt::format("{} ng", a.count());
}
// To the minute: the clinician needs days and hours, not milliseconds.
std::string duration_text(Duration d) {
  return format_duration(Duration(d.count() / kMillisPerMinute * kMillisPerMinute));
}

}  // namespace

bool reservoir_ran_dry(const ImplantStatus& status) {
  if (status.activity == itdd_Activity_ACTIVITY_RESERVOIR_EMPTY) return true;
  for (const AlarmStatus& a : status.alarms) {
    if (a.kind == itdd_AlarmKind_ALARM_KIND_RESERVOIR_EMPTY) return true;
  }
  return false;
}

std::optional<RanDry> ran_dry(const ImplantStatus& before,
                              const std::optional<EmptyRecord>& empty_record,
                              const DrugLibrary& library) {
  if (!reservoir_ran_dry(before) && !empty_record) return std::nullopt;
  RanDry d;
  const ReservoirStatus& r = before.reservoir;
  d.drug = r.drug ? r.drug->name.data() : "";
  d.display_name = d.drug;
  d.halted = before.activity == itdd_Activity_ACTIVITY_HALTED;
  d.delivery_stopped = before.activity == itdd_Activity_ACTIVITY_RESERVOIR_EMPTY || d.halted;
  if (empty_record) {
    // On the implant's clock at the time of reading (its wall offset now), as the log shows it.
    const std::int64_t offset = before.wall_offset_ms();
    d.since = WallTime(empty_record->record.at_implant_ms + offset);
    d.since_or_earlier = empty_record->or_earlier;
    d.log_seq = empty_record->record.seq;
    d.dry_for = Duration(before.implant_time.ms() - empty_record->record.at_implant_ms);
  }
  const DrugSpec* spec = library.find(d.drug);
  if (spec != nullptr) {
    d.display_name = spec->display_name;
    d.withdrawal_risk = spec->withdrawal_risk.value;
    d.opioid = spec->opioid;
    d.unit = spec->unit;
  }
  const Concentration concentration = r.concentration;
  std::optional<therapy::Prescription> rx;
  if (before.prescription && before.prescription->mode != therapy::BasalMode::kStopped) {
    rx = before.prescription;
  }
  if (rx) d.program_dose = max_daily_dose(*rx);
  d.catheter_volume = before.catheter_volume;
  d.line_volume = before.pump_dead_volume + d.catheter_volume;
  d.line_drug = drug_in(d.line_volume, concentration);
  const FlowRate priming_rate = before.priming_rate;
  if (priming_rate.count() > 0) d.priming_time = time_to_deliver(d.line_volume, priming_rate);
  const FlowRate program_flow =
      rx ? flow_for(basal_max_daily_dose(*rx), concentration) : FlowRate(0);
  if (program_flow.count() > 0)
    d.line_time_at_program = time_to_deliver(d.line_volume, program_flow);

  // What running dry means for this drug, in the library's words.
  if (spec != nullptr) {
    d.advice.push_back(
        {fmt::format("the withdrawal risk of {} is {}: examine the patient for withdrawal before "
                     "the refill, and watch after it",
                     spec->display_name, withdrawal_risk_name(spec->withdrawal_risk.value)),
         spec->withdrawal_risk.note.label()});
  } else {
    d.advice.push_back({fmt::format("{} is not in the drug library: its withdrawal risk is not "
                                    "known here; examine the patient before the refill",
                                    d.drug.empty() ? "the drug" : d.drug),
                        ""});
  }
  const std::string restarts =
      rx ? fmt::format(
               "the refill restarts the program in force, up to {} with every patient bolus",
               dose_text(d.program_dose, d.unit))
         : std::string("no program is in force: nothing restarts until one is programmed");
  if (d.opioid) {
    d.advice.push_back(
        {fmt::format(
             "{} is an opioid: {} the patient may have lost tolerance, and the same "
             "concentration and dose may then cause delayed respiratory depression. {}; "
             "to restart lower, program the lower dose before the refill (the implant "
             "takes a program while its reservoir is empty), and watch the patient's "
             "breathing after the restart",
             spec->display_name,
             d.dry_for ? "after " + duration_text(*d.dry_for) + " without it" : "without it",
             static_cast<char>(std::toupper(static_cast<unsigned char>(restarts[0]))) +
                 restarts.substr(1)),
         kOpioidRestartSource});
  } else {
    d.advice.push_back({restarts, ""});
  }
  if (spec != nullptr && spec->limits.start_max && rx &&
      d.program_dose > spec->limits.start_max->value) {
    const auto& start = *spec->limits.start_max;
    d.advice.push_back(
        {fmt::format("the drug library's highest dose to start or restart {} with is {} ({} "
                     "limit), and the program in force gives up to {}: program a restart dose "
                     "before the refill",
                     spec->display_name, dose_text(start.value, d.unit), level_name(start.level),
                     dose_text(d.program_dose, d.unit)),
         start.note.label()});
  }
  // Priming: by the implant's account the line is still full of the old solution.
  std::string line =
      fmt::format("the pump's dead volume {}", format_volume_ml(before.pump_dead_volume));
  line += d.catheter_volume.count() > 0
              ? fmt::format(" and the catheter's {} (set at the last priming)",
                            format_volume_ml(d.catheter_volume))
              : std::string(" (the catheter's volume is not known: no priming was recorded)");
  std::string priming = fmt::format(
      "no priming bolus: the implant stops at its computed empty, so by its account {} still "
      "hold {} at {}; a priming bolus would push that {}, {}, into the patient",
      line, d.display_name, d.unit ? format_concentration(concentration, *d.unit) : "?",
      format_volume_ml(d.line_volume), amount_text(d.line_drug, d.unit));
  if (d.priming_time.count() > 0) priming += " within " + duration_text(d.priming_time);
  priming +=
      ". If the pump over-infused, the reservoir may have run dry before its account said so and "
      "the line may hold no drug: then the new solution reaches the patient only after that volume "
      "has been pushed "
      "through";
  if (d.line_time_at_program) {
    priming +=
        fmt::format(", {} at the program's rate{}", duration_text(*d.line_time_at_program),
                    rx && rx->mode == therapy::BasalMode::kFlexible ? " (its heaviest 24 h)" : "");
  }
  d.advice.push_back({priming, kPrimingSource});
  return d;
}

std::string format_ran_dry(const RanDry& dry) {
  std::string out = "THE RESERVOIR RAN DRY: ";
  if (dry.since) {
    out += fmt::format(
        "no {} has been delivered since {}{} (the implant's clock; event log "
        "record {}), {}{} ago",
        dry.display_name, host::format_wall_time(*dry.since),
        dry.since_or_earlier ? " or earlier" : "", *dry.log_seq,
        dry.since_or_earlier ? "at least " : "", duration_text(*dry.dry_for));
  } else {
    out += fmt::format(
        "no {} is being delivered; since when is not known (the event log holds no record of it "
        "since the last refill)",
        dry.display_name);
  }
  out += !dry.delivery_stopped ? "\n"
         : dry.halted ? "; the implant reports delivery stopped (halted by a safety check)\n"
                      : "; the implant reports delivery stopped (reservoir empty)\n";
  out += "Before the refill:\n";
  for (const RanDryAdvice& a : dry.advice) {
    out += "- " + a.what + "\n";
    if (!a.source.empty()) out += "  " + a.source + "\n";
  }
  return out;
}

nlohmann::ordered_json ran_dry_json(const RanDry& dry) {
  nlohmann::ordered_json j;
  j["drug"] = dry.drug;
  j["delivery_stopped"] = dry.delivery_stopped;
  j["since"] = dry.since ? nlohmann::ordered_json(host::format_wall_time(*dry.since))
                         : nlohmann::ordered_json(nullptr);
  j["since_wall_ms"] =
      dry.since ? nlohmann::ordered_json(dry.since->ms()) : nlohmann::ordered_json(nullptr);
  j["since_or_earlier"] = dry.since_or_earlier;
  j["log_seq"] =
      dry.log_seq ? nlohmann::ordered_json(*dry.log_seq) : nlohmann::ordered_json(nullptr);
  j["dry_for_ms"] =
      dry.dry_for ? nlohmann::ordered_json(dry.dry_for->count()) : nlohmann::ordered_json(nullptr);
  j["withdrawal_risk"] = dry.withdrawal_risk
                             ? nlohmann::ordered_json(withdrawal_risk_name(*dry.withdrawal_risk))
                             : nlohmann::ordered_json(nullptr);
  j["opioid"] = dry.opioid;
  j["program_dose_ng_per_day"] = dry.program_dose.count();
  j["line_volume_nl"] = dry.line_volume.count();
  j["line_drug_ng"] = dry.line_drug.count();
  j["priming_duration_ms"] = dry.priming_time.count();
  j["prime"] = false;
  nlohmann::ordered_json advice = nlohmann::ordered_json::array();
  for (const RanDryAdvice& a : dry.advice)
    advice.push_back({{"what", a.what}, {"source", a.source}});
  j["advice"] = advice;
  return j;
}

}  // namespace itdd::programmer

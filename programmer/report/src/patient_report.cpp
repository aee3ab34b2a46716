#include "itdd/programmer/patient_report.h"

#include <fmt/format.h>

#include "itdd/programmer/status_report.h"
#include "report_text.h"

namespace itdd::programmer {
namespace {

using nlohmann::json;
using namespace detail;

bool running(itdd_Activity a) {
  return a == itdd_Activity_ACTIVITY_BASAL || a == itdd_Activity_ACTIVITY_PRIMING ||
         a == itdd_Activity_ACTIVITY_CLINICIAN_BOLUS || a == itdd_Activity_ACTIVITY_BRIDGE_BOLUS;
}

bool low_reservoir(const ImplantStatus& s) {
  for (const AlarmStatus& a : s.alarms) {
    if (a.kind == itdd_AlarmKind_ALARM_KIND_LOW_RESERVOIR ||
        a.kind == itdd_AlarmKind_ALARM_KIND_RESERVOIR_EMPTY) {
      return true;
    }
  }
  return false;
}

bool boluses_enabled(const ImplantStatus& s) {
  return s.prescription && s.prescription->patient_bolus.enabled;
}

// The usage the implant reported (none: nothing used, nothing allowed).
PatientBolusStatus usage_of(const ImplantStatus& s) {
  return s.patient_bolus.value_or(PatientBolusStatus{});
}

std::string refusal_text(const PatientBolusStatus& u, const ImplantStatus& s) {
  return bolus_refusal_text(u.refusal, u.next_allowed_at.has_value(),
                            u.next_allowed_at ? u.next_allowed_at->ms() : 0, s.wall.ms(),
                            static_cast<std::uint32_t>(u.max_per_24h));
}

const char* what_alarm_means(itdd_AlarmKind kind) {
  switch (kind) {
    case itdd_AlarmKind_ALARM_KIND_LOW_RESERVOIR:
      return "The pump's drug reservoir is low.";
    case itdd_AlarmKind_ALARM_KIND_RESERVOIR_EMPTY:
      return "The pump's drug reservoir is empty: it has stopped delivering.";
    case itdd_AlarmKind_ALARM_KIND_ELECTIVE_REPLACEMENT:
      return "The pump's battery is nearing its end: the pump will need replacing.";
    case itdd_AlarmKind_ALARM_KIND_END_OF_SERVICE:
      return "The pump's battery is exhausted: therapy has stopped.";
    case itdd_AlarmKind_ALARM_KIND_MOTOR_STALL:
      return "The pump's motor has stalled: the drug may not be flowing.";
    case itdd_AlarmKind_ALARM_KIND_OCCLUSION:
      return "The pump senses a blockage: the drug may not be flowing.";
    case itdd_AlarmKind_ALARM_KIND_CRITICAL_MEMORY_ERROR:
      return "The pump found an error in its memory and stopped therapy to be safe.";
    case itdd_AlarmKind_ALARM_KIND_NON_CRITICAL_MEMORY_ERROR:
      return "The pump found damaged records; therapy goes on.";
    case itdd_AlarmKind_ALARM_KIND_CLOCK_LOST:
      return "The pump's clock needs setting; therapy goes on.";
    case itdd_AlarmKind_ALARM_KIND_SAFETY_MONITOR_TRIP:
      return "The pump's safety check stopped delivery.";
    case itdd_AlarmKind_ALARM_KIND_LOW_BATTERY_RESET:
      return "The pump restarted because its battery ran low.";
    case itdd_AlarmKind_ALARM_KIND_PUMP_STOPPED:
      return "The pump has not delivered drug for some hours.";
    case itdd_AlarmKind_ALARM_KIND_REFILL_OVERDUE:
      return "The pump's refill is overdue.";
    case itdd_AlarmKind_ALARM_KIND_DRUG_EXPIRED:
      return "The drug in the pump is past its stability date.";
    default:
      return "The pump reports an alarm this device does not know.";
  }
}

}  // namespace

std::string when_text(std::int64_t wall_ms, std::int64_t now_wall_ms) {
  const std::int64_t day = floor_div(wall_ms, kMsPerDay);
  const std::int64_t today = floor_div(now_wall_ms, kMsPerDay);
  const std::string full = format_wall(wall_ms);  // "YYYY-MM-DD HH:MM"
  const std::string hhmm = full.substr(11);
  if (day == today) return "at " + hhmm;
  if (day == today + 1) return "tomorrow at " + hhmm;
  return fmt::format("on {} at {}", full.substr(0, 10), hhmm);
}

std::string patient_alarm_text(itdd_AlarmKind kind, itdd_AlarmClass alarm_class) {
  std::string text = what_alarm_means(kind);
  switch (kind) {
    case itdd_AlarmKind_ALARM_KIND_LOW_RESERVOIR:
    case itdd_AlarmKind_ALARM_KIND_REFILL_OVERDUE:
    case itdd_AlarmKind_ALARM_KIND_DRUG_EXPIRED:
      return text + " Call your clinic to arrange a refill.";
    default:
      break;
  }
  // A critical alarm: the drug is not flowing or will stop (docs/intrathecal-facts.md, Alarms).
  return text + (alarm_class == itdd_AlarmClass_ALARM_CLASS_CRITICAL ? " Contact your clinic now."
                                                                     : " Tell your clinic.");
}

std::string bolus_refusal_text(itdd_BolusRefusal refusal, bool has_next_allowed,
                               std::int64_t next_allowed_wall_ms, std::int64_t now_wall_ms,
                               std::uint32_t max_per_24h) {
  const std::string when =
      has_next_allowed ? when_text(next_allowed_wall_ms, now_wall_ms) : std::string();
  switch (refusal) {
    case itdd_BolusRefusal_BOLUS_REFUSAL_NOT_ENABLED:
      return "boluses are not part of your prescription";
    case itdd_BolusRefusal_BOLUS_REFUSAL_LOCKOUT:
      return has_next_allowed ? "too soon after your last bolus: the next is allowed " + when
                              : "too soon after your last bolus";
    case itdd_BolusRefusal_BOLUS_REFUSAL_DAILY_LIMIT: {
      std::string t = max_per_24h > 0 ? fmt::format(
                                            "you have had the {} boluses allowed in 24 "
                                            "hours",
                                            max_per_24h)
                                      : std::string(
                                            "you have had all the boluses allowed in 24 "
                                            "hours");
      return has_next_allowed ? t + ": the next is allowed " + when : t;
    }
    case itdd_BolusRefusal_BOLUS_REFUSAL_THERAPY_STOPPED:
      return "the pump's therapy is stopped: contact your clinic";
    case itdd_BolusRefusal_BOLUS_REFUSAL_OTHER_BOLUS_RUNNING:
      return has_next_allowed ? "another bolus is being given: try again " + when
                              : "another bolus is being given: try again later";
    case itdd_BolusRefusal_BOLUS_REFUSAL_RESERVOIR_LOW:
      return "not enough drug left in the pump for a bolus: contact your clinic";
    default:
      return "the pump did not allow a bolus";
  }
}

std::string patient_bolus_dose_text(const ImplantStatus& s) {
  if (!boluses_enabled(s)) return "";
  return amount(s.prescription->patient_bolus.dose.count(), amount_unit(s.prescription->drug.unit));
}

std::string format_patient_status(const ImplantStatus& s) {
  std::string out;
  const auto line = [&out](std::string_view label, const std::string& text) {
    out += fmt::format("{:<12}{}\n", label, text);
  };
  line("therapy", running(s.activity) ? fmt::format("running ({})", activity_name(s.activity))
                                      : fmt::format("NOT RUNNING ({}): contact your clinic",
                                                    activity_name(s.activity)));
  line("reservoir", low_reservoir(s) ? "LOW: call your clinic to arrange a refill" : "ok");
  if (!boluses_enabled(s)) {
    line("boluses", "not part of your prescription");
  } else {
    const PatientBolusStatus u = usage_of(s);
    line("boluses",
         fmt::format("{} each; {} of {} used in the last 24 hours, {} left",
                     patient_bolus_dose_text(s), u.used_in_24h, u.max_per_24h, u.left_in_24h));
    line("next bolus", u.allowed_now ? std::string("allowed now") : refusal_text(u, s));
  }
  if (s.alarms.empty()) {
    line("alarms", "none");
  } else {
    for (std::size_t i = 0; i < s.alarms.size(); ++i) {
      const AlarmStatus& a = s.alarms[i];
      line(i == 0 ? "alarms" : "",
           patient_alarm_text(a.kind, a.alarm_class) + (a.silenced ? " (silenced)" : ""));
    }
  }
  line("pump time", format_wall(s.wall.ms()) + (s.clock_valid ? "" : " (needs setting)"));
  return out;
}

nlohmann::json patient_status_json(const ImplantStatus& s) {
  json j;
  j["therapy_running"] = running(s.activity);
  j["activity"] = activity_name(s.activity);
  j["reservoir_low"] = low_reservoir(s);
  const PatientBolusStatus u = usage_of(s);
  if (boluses_enabled(s)) {
    const AmountUnit unit = amount_unit(s.prescription->drug.unit);
    const std::int64_t dose_ng = s.prescription->patient_bolus.dose.count();
    j["boluses"] = patient_bolus_usage_json(u);
    j["boluses"]["enabled"] = true;
    j["boluses"]["dose"] = {{"value", static_cast<double>(dose_ng) / unit.ng}, {"unit", unit.name}};
    j["boluses"]["dose_ng"] = dose_ng;
    j["boluses"]["reason"] = u.allowed_now ? json(nullptr) : json(refusal_text(u, s));
  } else {
    j["boluses"] = {{"enabled", false}};
  }
  json alarms = json::array();
  for (const AlarmStatus& a : s.alarms) {
    alarms.push_back({{"kind", alarm_name(a.kind)},
                      {"class", alarm_class_name(a.alarm_class)},
                      {"silenced", a.silenced},
                      {"text", patient_alarm_text(a.kind, a.alarm_class)}});
  }
  j["alarms"] = alarms;
  j["clock"] = {
      {"wall", format_wall(s.wall.ms())}, {"wall_ms", s.wall.ms()}, {"valid", s.clock_valid}};
  return j;
}

}  // namespace itdd::programmer

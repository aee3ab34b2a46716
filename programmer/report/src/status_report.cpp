#include "itdd/programmer/status_report.h"

#include <fmt/format.h>

#include <string_view>

#include "itdd/host/error_text.h"
#include "report_text.h"

namespace itdd::programmer {
namespace {

using nlohmann::json;
using namespace detail;

// Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = floor_div(z, 146097);
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
}

std::string implant_clock(std::int64_t ms) {
  const std::int64_t days = floor_div(ms, kMsPerDay);
  const std::int64_t rest = ms - days * kMsPerDay;
  return fmt::format("day {} {:02}:{:02}:{:02}.{:03}", days, rest / 3'600'000, rest / 60'000 % 60,
                     rest / 1000 % 60, rest % 1000);
}

const char* mode_name(therapy::BasalMode m) {
  switch (m) {
    case therapy::BasalMode::kStopped:
      return "stopped";
    case therapy::BasalMode::kContinuous:
      return "continuous";
    case therapy::BasalMode::kFlexible:
      return "flexible";
  }
  return "none";
}

// The days a flexible program names, as the wire carries them: up to the last one with steps.
std::size_t flex_days(const therapy::FlexProgram& flex) {
  std::size_t days = 0;
  for (std::size_t d = 0; d < flex.days.size(); ++d) {
    if (flex.days[d].step_count > 0) days = d + 1;
  }
  return days;
}

const char* battery_name(itdd_BatteryStatus s) {
  switch (s) {
    case itdd_BatteryStatus_BATTERY_STATUS_OK:
      return "ok";
    case itdd_BatteryStatus_BATTERY_STATUS_ELECTIVE_REPLACEMENT:
      return "elective replacement (ERI)";
    case itdd_BatteryStatus_BATTERY_STATUS_END_OF_SERVICE:
      return "end of service (EOS)";
    default:
      return "unknown";
  }
}

json date_or_null(const std::optional<WallTime>& t) {
  return t ? json(format_wall(t->ms())) : json(nullptr);
}

json prescription_json(const therapy::Prescription& rx) {
  const AmountUnit u = amount_unit(rx.drug.unit);
  json j;
  j["drug"] = rx.drug.name[0] != '\0' ? json(rx.drug.name.data()) : json(nullptr);
  j["mode"] = mode_name(rx.mode);
  j["concentration"] = {{"value", static_cast<double>(rx.concentration.count()) / u.ng},
                        {"unit", fmt::format("{}/mL", u.name)}};
  j["concentration_ng_per_ml"] = rx.concentration.count();
  if (rx.mode == therapy::BasalMode::kContinuous) {
    j["dose_per_day"] = {{"value", static_cast<double>(rx.continuous_dose.count()) / u.ng},
                         {"unit", fmt::format("{}/day", u.name)}};
    j["dose_ng_per_day"] = rx.continuous_dose.count();
  }
  if (rx.mode == therapy::BasalMode::kFlexible) {
    json days = json::array();
    for (std::size_t d = 0; d < flex_days(rx.flex); ++d) {
      json steps = json::array();
      const therapy::DayProgram& day = rx.flex.days[d];
      for (std::size_t i = 0; i < day.step_count; ++i) {
        const therapy::FlexStep& st = day.steps[i];
        steps.push_back(
            {{"start", fmt::format("{:02}:{:02}", st.start_minute() / 60, st.start_minute() % 60)},
             {"dose_per_day", static_cast<double>(st.dose_rate().count()) / u.ng},
             {"unit", fmt::format("{}/day", u.name)}});
      }
      days.push_back(steps);
    }
    j["flex"] = {{"per_weekday", rx.flex.per_weekday}, {"days", days}};
  }
  if (rx.patient_bolus.enabled) {
    const therapy::PatientBolusSettings& b = rx.patient_bolus;
    j["patient_bolus"] = {
        {"dose", {{"value", static_cast<double>(b.dose.count()) / u.ng}, {"unit", u.name}}},
        {"duration_ms", b.duration.count()},
        {"max_per_24h", b.max_per_24h},
        {"lockout_ms", b.lockout.count()}};
  } else {
    j["patient_bolus"] = nullptr;
  }
  return j;
}

}  // namespace

std::string format_wall(std::int64_t wall_ms) {
  const std::int64_t days = floor_div(wall_ms, kMsPerDay);
  const std::int64_t in_day = wall_ms - days * kMsPerDay;
  std::int64_t y = 0;
  unsigned m = 0;
  unsigned d = 0;
  civil_from_days(days, y, m, d);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}", y, m, d, in_day / 3'600'000,
                     in_day / 60'000 % 60);
}

const char* alarm_name(itdd_AlarmKind kind) {
  switch (kind) {
    case itdd_AlarmKind_ALARM_KIND_LOW_RESERVOIR:
      return "low-reservoir";
    case itdd_AlarmKind_ALARM_KIND_RESERVOIR_EMPTY:
      return "reservoir-empty";
    case itdd_AlarmKind_ALARM_KIND_ELECTIVE_REPLACEMENT:
      return "elective-replacement";
    case itdd_AlarmKind_ALARM_KIND_END_OF_SERVICE:
      return "end-of-service";
    case itdd_AlarmKind_ALARM_KIND_MOTOR_STALL:
      return "motor-stall";
    case itdd_AlarmKind_ALARM_KIND_OCCLUSION:
      return "occlusion";
    case itdd_AlarmKind_ALARM_KIND_CRITICAL_MEMORY_ERROR:
      return "critical-memory-error";
    case itdd_AlarmKind_ALARM_KIND_NON_CRITICAL_MEMORY_ERROR:
      return "non-critical-memory-error";
    case itdd_AlarmKind_ALARM_KIND_CLOCK_LOST:
      return "clock-lost";
    case itdd_AlarmKind_ALARM_KIND_SAFETY_MONITOR_TRIP:
      return "safety-monitor-trip";
    case itdd_AlarmKind_ALARM_KIND_LOW_BATTERY_RESET:
      return "low-battery-reset";
    case itdd_AlarmKind_ALARM_KIND_PUMP_STOPPED:
      return "pump-stopped";
    case itdd_AlarmKind_ALARM_KIND_REFILL_OVERDUE:
      return "refill-overdue";
    case itdd_AlarmKind_ALARM_KIND_DRUG_EXPIRED:
      return "drug-expired";
    default:
      return "unknown";
  }
}

const char* role_name(itdd_Role role) {
  switch (role) {
    case itdd_Role_ROLE_CLINICIAN:
      return "clinician";
    case itdd_Role_ROLE_PATIENT:
      return "patient";
    case itdd_Role_ROLE_SERVICE:
      return "service";
    default:
      return "none";
  }
}

std::string format_status(const ImplantStatus& s) {
  std::string out;
  const auto line = [&out](std::string_view label, const std::string& text) {
    out += fmt::format("{:<14}{}\n", label, text);
  };
  line("clock", fmt::format("wall {}{}; implant {}", format_wall(s.wall.ms()),
                            s.clock_valid ? "" : " (NOT VALID: set the clock)",
                            implant_clock(s.implant_time.ms())));
  line("activity", fmt::format("{}, current flow {:.3f} mL/day", activity_name(s.activity),
                               ml(s.current_flow.count())));
  line("token", fmt::format("0x{:016x}", s.prescription_token));

  if (!s.programmed()) {
    line("prescription", "none programmed");
  } else {
    const therapy::Prescription& rx = *s.prescription;
    const AmountUnit ru = amount_unit(rx.drug.unit);
    std::string p = fmt::format("{} at {}, {}", rx.drug.name.data(),
                                amount(rx.concentration.count(), ru, "/mL"), mode_name(rx.mode));
    if (rx.mode == therapy::BasalMode::kContinuous) {
      p += fmt::format(" {}", amount(rx.continuous_dose.count(), ru, "/day"));
    } else if (rx.mode == therapy::BasalMode::kFlexible) {
      const std::size_t days = flex_days(rx.flex);
      std::size_t steps = 0;
      for (std::size_t d = 0; d < days; ++d) steps += rx.flex.days[d].step_count;
      p += fmt::format(" ({} steps over {} day program{}, {})", steps, days, days == 1 ? "" : "s",
                       rx.flex.per_weekday ? "per weekday" : "every day");
    }
    line("prescription", p);
    if (rx.patient_bolus.enabled) {
      const therapy::PatientBolusSettings& b = rx.patient_bolus;
      line("patient bolus",
           fmt::format("{} over {}, at most {} per 24 h, lockout {}", amount(b.dose.count(), ru),
                       duration_text(b.duration.count()), b.max_per_24h,
                       duration_text(b.lockout.count())));
    }
  }

  const ReservoirStatus& r = s.reservoir;
  if (!r.filled) {
    line("reservoir", "not filled");
  } else {
    const AmountUnit u = amount_unit(r.drug);
    line("reservoir",
         fmt::format("{:.3f} mL of {} at {} (low-reservoir alarm at {:.3f} mL)",
                     ml(r.remaining.count()), r.drug ? r.drug->name.data() : "?",
                     amount(r.concentration.count(), u, "/mL"), ml(r.low_threshold.count())));
    line("projected",
         fmt::format("low {}, empty {}", r.low_at ? format_wall(r.low_at->ms()) : "never",
                     r.empty_at ? format_wall(r.empty_at->ms()) : "never"));
  }
  if (s.patient_bolus && s.patient_bolus->max_per_24h > 0) {
    const PatientBolusStatus& u = *s.patient_bolus;
    std::string t = fmt::format("{} of {} used in the last 24 h, {} left; ", u.used_in_24h,
                                u.max_per_24h, u.left_in_24h);
    if (u.allowed_now) {
      t += "next allowed now";
    } else {
      t += fmt::format("next {} ({})",
                       u.next_allowed_at ? "allowed " + format_wall(u.next_allowed_at->ms())
                                         : std::string("not allowed"),
                       bolus_refusal_name(u.refusal));
    }
    line("bolus usage", t);
  }
  line("delivered", fmt::format("{:.3f} mL since implant", ml(s.delivered.count())));
  if (r.capacity.count() > 0 || s.pump_dead_volume.count() > 0) {
    line("pump", fmt::format("reservoir capacity {:.3f} mL, dead volume {:.3f} mL, priming at "
                             "{:.3f} mL/day; catheter {:.3f} mL",
                             ml(r.capacity.count()), ml(s.pump_dead_volume.count()),
                             ml(s.priming_rate.count()), ml(s.catheter_volume.count())));
  }

  if (!s.battery) {
    line("battery", "no estimate (the implant's battery monitor is unavailable)");
  } else {
    const BatteryStatus& b = *s.battery;
    std::string t = fmt::format("{}, {:.1f} % remaining, longevity {:.1f} years",
                                battery_name(b.status), b.remaining_permille / 10.0,
                                static_cast<double>(b.longevity.count()) / kMsPerYear);
    if (b.eri_at) t += fmt::format(", ERI {}", format_wall(b.eri_at->ms()));
    if (b.faulty_cell) t += ", FAULTY CELL";
    line("battery", t);
  }

  if (s.alarms.empty()) {
    line("alarms", "none");
  } else {
    for (std::size_t i = 0; i < s.alarms.size(); ++i) {
      const AlarmStatus& a = s.alarms[i];
      std::string t = fmt::format("{} ({})", alarm_name(a.kind), alarm_class_name(a.alarm_class));
      if (a.silenced) {
        t += a.silenced_until
                 ? fmt::format(", silenced until {}", format_wall(a.silenced_until->ms()))
                 : ", silenced";
      }
      line(i == 0 ? "alarms" : "", t);
      if (a.kind == itdd_AlarmKind_ALARM_KIND_CRITICAL_MEMORY_ERROR) {
        // Therapy was stopped because what the pump keeps failed its check (its settings, or
        // the live prescription): the log says which, and nothing older was resumed.
        line("",
             "  the pump stopped therapy: its memory failed a check (the event log says "
             "what); no older prescription was resumed; refill and program again");
      }
    }
  }
  return out;
}

nlohmann::json status_json(const ImplantStatus& s) {
  json j;
  j["clock"] = {{"wall", format_wall(s.wall.ms())},
                {"wall_ms", s.wall.ms()},
                {"implant_ms", s.implant_time.ms()},
                {"valid", s.clock_valid}};
  j["activity"] = activity_name(s.activity);
  j["current_flow_ml_per_day"] = ml(s.current_flow.count());
  j["prescription_token"] = fmt::format("0x{:016x}", s.prescription_token);
  j["prescription"] = s.programmed() ? prescription_json(*s.prescription) : json(nullptr);
  const ReservoirStatus& r = s.reservoir;
  const AmountUnit u = amount_unit(r.drug);
  const bool filled = r.filled;
  j["reservoir"] = {{"filled", filled},
                    {"drug", filled && r.drug ? json(r.drug->name.data()) : json(nullptr)},
                    {"remaining_ml", ml(r.remaining.count())},
                    {"remaining_nl", r.remaining.count()},
                    {"concentration",
                     filled ? json{{"value", static_cast<double>(r.concentration.count()) / u.ng},
                                   {"unit", fmt::format("{}/mL", u.name)}}
                            : json(nullptr)},
                    {"low_threshold_ml", ml(r.low_threshold.count())},
                    {"projected_low", filled ? date_or_null(r.low_at) : json(nullptr)},
                    {"projected_empty", filled ? date_or_null(r.empty_at) : json(nullptr)}};
  j["reservoir"]["capacity_ml"] = ml(r.capacity.count());
  j["reservoir"]["capacity_nl"] = r.capacity.count();
  j["delivered_ml"] = ml(s.delivered.count());
  j["delivered_nl"] = s.delivered.count();
  j["pump"] = {{"dead_volume_ml", ml(s.pump_dead_volume.count())},
               {"dead_volume_nl", s.pump_dead_volume.count()},
               {"priming_rate_ml_per_day", ml(s.priming_rate.count())},
               {"priming_rate_nl_per_day", s.priming_rate.count()},
               {"catheter_volume_ml", ml(s.catheter_volume.count())},
               {"catheter_volume_nl", s.catheter_volume.count()}};
  j["patient_bolus_usage"] =
      s.patient_bolus ? patient_bolus_usage_json(*s.patient_bolus) : json(nullptr);
  if (s.battery) {
    const BatteryStatus& b = *s.battery;
    j["battery"] = {{"status", battery_name(b.status)},
                    {"remaining_percent", b.remaining_permille / 10.0},
                    {"longevity_years", static_cast<double>(b.longevity.count()) / kMsPerYear},
                    {"eri", date_or_null(b.eri_at)},
                    {"faulty_cell", b.faulty_cell}};
  } else {
    j["battery"] = nullptr;
  }
  json alarms = json::array();
  for (const AlarmStatus& a : s.alarms) {
    alarms.push_back({{"kind", alarm_name(a.kind)},
                      {"class", alarm_class_name(a.alarm_class)},
                      {"silenced", a.silenced},
                      {"silenced_until", date_or_null(a.silenced_until)}});
  }
  j["alarms"] = alarms;
  return j;
}

nlohmann::json patient_bolus_usage_json(const PatientBolusStatus& u) {
  return {
      {"used_in_24h", u.used_in_24h},
      {"max_per_24h", u.max_per_24h},
      {"left_in_24h", u.left_in_24h},
      {"allowed_now", u.allowed_now},
      {"refusal", u.allowed_now ? json(nullptr) : json(bolus_refusal_name(u.refusal))},
      {"next_allowed", date_or_null(u.next_allowed_at)},
      {"next_allowed_wall_ms", u.next_allowed_at ? json(u.next_allowed_at->ms()) : json(nullptr)}};
}

std::string error_text(const Error& e) {
  return host::refusal_of(e).text();
}

namespace detail {

std::string duration_text(std::int64_t ms) {
  if (ms % 60'000 != 0) return fmt::format("{:.1f} s", static_cast<double>(ms) / 1000.0);
  const std::int64_t h = ms / kMsPerHour;
  const std::int64_t m = ms / 60'000 % 60;
  if (h == 0) return fmt::format("{} min", m);
  return m == 0 ? fmt::format("{} h", h) : fmt::format("{} h {} min", h, m);
}

const char* activity_name(itdd_Activity a) {
  switch (a) {
    case itdd_Activity_ACTIVITY_STOPPED:
      return "stopped";
    case itdd_Activity_ACTIVITY_BASAL:
      return "basal";
    case itdd_Activity_ACTIVITY_PRIMING:
      return "priming";
    case itdd_Activity_ACTIVITY_CLINICIAN_BOLUS:
      return "clinician bolus";
    case itdd_Activity_ACTIVITY_BRIDGE_BOLUS:
      return "bridge bolus";
    case itdd_Activity_ACTIVITY_RESERVOIR_EMPTY:
      return "reservoir empty";
    case itdd_Activity_ACTIVITY_HALTED:
      return "halted";
    default:
      return "unknown";
  }
}

const char* alarm_class_name(itdd_AlarmClass c) {
  switch (c) {
    case itdd_AlarmClass_ALARM_CLASS_CRITICAL:
      return "critical";
    case itdd_AlarmClass_ALARM_CLASS_NON_CRITICAL:
      return "non-critical";
    default:
      return "unknown";
  }
}

}  // namespace detail

const char* bolus_refusal_name(itdd_BolusRefusal r) {
  switch (r) {
    case itdd_BolusRefusal_BOLUS_REFUSAL_NONE:
      return "none";
    case itdd_BolusRefusal_BOLUS_REFUSAL_NOT_ENABLED:
      return "not-enabled";
    case itdd_BolusRefusal_BOLUS_REFUSAL_LOCKOUT:
      return "lockout";
    case itdd_BolusRefusal_BOLUS_REFUSAL_DAILY_LIMIT:
      return "daily-limit";
    case itdd_BolusRefusal_BOLUS_REFUSAL_THERAPY_STOPPED:
      return "therapy-stopped";
    case itdd_BolusRefusal_BOLUS_REFUSAL_OTHER_BOLUS_RUNNING:
      return "other-bolus-running";
    case itdd_BolusRefusal_BOLUS_REFUSAL_RESERVOIR_LOW:
      return "reservoir-low";
    default:
      return "unknown";
  }
}

}  // namespace itdd::programmer

#include "itdd/sim/summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "itdd/alarms/alarm_kind.h"
#include "itdd/host/wall_time.h"
#include "itdd/sim/patient_summary.h"

namespace itdd::sim {
namespace {

using host::format_wall_time;
using nlohmann::json;
using scenario::Scenario;

constexpr double kFgPerNg = static_cast<double>(kDrugUnitsPerNanogram);

double to_ml(std::int64_t nl) {
  return static_cast<double>(nl) / kNanolitresPerMillilitre;
}
double to_ml(Volume v) {
  return to_ml(v.count());
}

// Drug in femtograms -> the drug's clinical unit (mg or mcg).
double fg_in_unit(std::int64_t fg, DoseUnit unit) {
  return static_cast<double>(fg) / kFgPerNg / static_cast<double>(nanograms_per(unit));
}

// Exact "ng" text from femtograms, six decimals, no floating point.
std::string fg_as_ng_text(std::int64_t fg) {
  const char* sign = fg < 0 ? "-" : "";
  const std::int64_t magnitude = fg < 0 ? -fg : fg;
  return fmt::format("{}{}.{:06d}", sign, magnitude / kDrugUnitsPerNanogram,
                     magnitude % kDrugUnitsPerNanogram);
}

std::string ml_text(Volume v) {
  return fmt::format("{:.3f} mL", to_ml(v));
}

// "+0.123 mL" with the sign of the exact value, and no "-0.000" for tiny negatives.
std::string signed_ml_text(Volume v) {
  const double rounded = std::round(to_ml(v) * 1000.0) / 1000.0;
  return fmt::format("{:+.3f} mL", rounded == 0.0 ? 0.0 : rounded);
}

std::string drug_text(std::int64_t fg, DoseUnit unit) {
  return fmt::format("{:.3f} {}", fg_in_unit(fg, unit), scenario::unit_name(unit));
}

std::string concentration_text(Concentration c, DoseUnit unit) {
  const double value = static_cast<double>(c.count()) / static_cast<double>(nanograms_per(unit));
  return fmt::format("{} {}/mL", value, scenario::unit_name(unit));
}

// The wall clock the summary's times follow: the scenario's start plus the elapsed time, moved
// by each set_clock from its instant on (as the clinic's clock and the implant's were set).
struct WallClock {
  const Scenario& s;
  const SimulationResult& r;
};

WallTime wall_of(const WallClock& clock, ImplantTime t) {
  std::int64_t shift = 0;
  for (const ClockChange& c : clock.r.clock_changes) {
    if (c.at > t) break;
    shift = c.shift_ms;
  }
  return WallTime(clock.s.start.ms() + t.ms() + shift);
}

std::string time_text(const WallClock& clock, ImplantTime t) {
  return t.is_never() ? std::string("never") : format_wall_time(wall_of(clock, t));
}

json time_json(const WallClock& clock, ImplantTime t) {
  return t.is_never() ? json(nullptr) : json(format_wall_time(wall_of(clock, t)));
}

std::vector<std::string> drug_units(const SimulationResult& r) {
  std::vector<std::string> units;
  for (const DrugTotal& d : r.drugs) units.emplace_back(scenario::unit_name(d.unit));
  return units;
}

const char* refusal_key(therapy::BolusRefusal reason) {
  switch (reason) {
    case therapy::BolusRefusal::kNone:
      return "none";
    case therapy::BolusRefusal::kNotEnabled:
      return "not_enabled";
    case therapy::BolusRefusal::kLockout:
      return "lockout";
    case therapy::BolusRefusal::kDailyLimit:
      return "daily_limit";
    case therapy::BolusRefusal::kTherapyStopped:
      return "therapy_stopped";
    case therapy::BolusRefusal::kOtherBolusRunning:
      return "other_bolus_running";
    case therapy::BolusRefusal::kReservoirLow:
      return "reservoir_low";
  }
  return "unknown";
}

const char* mode_name(std::int64_t mode) {
  switch (static_cast<therapy::BasalMode>(mode)) {
    case therapy::BasalMode::kStopped:
      return "stopped";
    case therapy::BasalMode::kContinuous:
      return "continuous";
    case therapy::BasalMode::kFlexible:
      return "flexible";
  }
  return "unknown";
}

json event_values(const WallClock& clock, const engine::TherapyEvent& e) {
  using engine::EventKind;
  switch (e.kind) {
    case EventKind::kPrescriptionProgrammed:
      return {{"mode", mode_name(e.a)}};
    case EventKind::kRefilled:
      return {{"volume_nl", e.a}, {"concentration_ng_per_ml", e.b}};
    case EventKind::kPrimingStarted:
    case EventKind::kClinicianBolusStarted:
    case EventKind::kBridgeBolusStarted:
    case EventKind::kPatientBolusGranted:
      return {{"volume_nl", e.a}, {"duration_ms", e.b}};
    case EventKind::kPatientBolusRefused: {
      const auto reason = static_cast<therapy::BolusRefusal>(e.reason);
      return {{"reason", refusal_key(reason)},
              {"reason_text", therapy::describe(reason)},
              {"next_allowed", e.a < 0 ? json(nullptr) : time_json(clock, ImplantTime(e.a))}};
    }
    case EventKind::kLowReservoir:
    case EventKind::kReservoirEmpty:
      return {{"remaining_nl", e.a}};
    case EventKind::kClockSet:
      return {{"new_offset_ms", e.a},
              {"old_offset_ms", e.b},
              {"implant_wall_clock", format_wall_time(WallTime(e.at.ms() + e.a))}};
    case EventKind::kMotorStall:
    case EventKind::kMotorRecovered:
      return {{"missed_nl", e.a}};
    default:
      return json::object();
  }
}

struct BolusCounts {
  std::int64_t granted = 0;
  std::int64_t refused = 0;
  std::map<therapy::BolusRefusal, std::int64_t> by_reason;
};

BolusCounts count_boluses(const SimulationResult& r) {
  BolusCounts c;
  for (const BolusRequestRecord& b : r.bolus_requests) {
    if (b.granted) {
      ++c.granted;
    } else {
      ++c.refused;
      ++c.by_reason[b.reason];
    }
  }
  return c;
}

double to_joules(std::int64_t uj) {
  return static_cast<double>(uj) / 1e6;
}

double duration_days(const SimulationResult& r) {
  return static_cast<double>(r.duration.count()) / kMillisPerDay;
}

// More than one drug: the all-drug totals would add different drugs, so each is given apart.
bool changes_drug(const SimulationResult& r) {
  return r.drugs.size() > 1;
}

// An amount of drug in JSON: null after a drug change when it adds every drug.
json drug_ng_json(std::int64_t fg, bool several_drugs) {
  return several_drugs ? json(nullptr) : json(static_cast<double>(fg) / kFgPerNg);
}
json drug_in_unit_json(std::int64_t fg, DoseUnit unit, bool several_drugs, double per = 1.0) {
  return several_drugs ? json(nullptr) : json(fg_in_unit(fg, unit) / per);
}

const char* distribution_name(StrokeDistribution d) {
  return d == StrokeDistribution::kTriangular ? "triangular" : "uniform";
}

}  // namespace

std::vector<DayTotal> daily_totals(const Scenario& s, const SimulationResult& result) {
  const WallClock clock{s, result};
  const std::size_t drug_count = result.drugs.size();
  std::vector<DayTotal> days;
  for (std::size_t h = 0; h < result.hourly.size(); ++h) {
    const WallTime start =
        wall_of(clock, ImplantTime(static_cast<std::int64_t>(h) * kMillisPerHour));
    const std::int64_t local_day = floor_div(start.ms(), kMillisPerDay);
    // A clock put back across midnight comes back to a day already counted: add to it.
    auto day = std::find_if(days.rbegin(), days.rend(),
                            [&](const DayTotal& d) { return d.local_day == local_day; });
    if (day == days.rend()) {
      days.push_back(DayTotal{local_day, 0, 0, std::vector<std::int64_t>(drug_count, 0)});
      day = days.rbegin();
    }
    day->volume_nl += result.hourly[h].volume_nl;
    day->drug_fg += result.hourly[h].drug_fg;
    for (std::size_t d = 0; d < drug_count; ++d) {
      day->drug_fg_by_drug[d] += result.hourly_drug_fg[h * drug_count + d];
    }
  }
  return days;
}

std::vector<AlarmPeriod> alarm_periods(const SimulationResult& r) {
  std::vector<AlarmPeriod> periods;
  for (const alarms::AlarmEvent& e : r.alarm_events) {
    if (e.action == alarms::AlarmAction::kRaised) {
      periods.push_back(AlarmPeriod{e.kind, e.at, ImplantTime::never()});
    } else if (e.action == alarms::AlarmAction::kCleared) {
      for (auto it = periods.rbegin(); it != periods.rend(); ++it) {
        if (it->kind == e.kind && it->cleared.is_never()) {
          it->cleared = e.at;
          break;
        }
      }
    }
  }
  return periods;
}

std::string format_text_summary(const Scenario& s, const SimulationResult& r) {
  const WallClock clock{s, r};
  const DoseUnit unit = s.initial_solution.unit;
  const double day_count = duration_days(r);
  const auto& model = s.pump.spec.model;
  std::string out;
  auto line = [&out](const std::string& text) {
    out += text;
    out += '\n';
  };

  line(fmt::format("Scenario: {}", s.name));
  line(fmt::format("  {} days, {} to {} (local time)", day_count, format_wall_time(s.start),
                   time_text(clock, ImplantTime(r.duration.count()))));
  line(
      fmt::format("  pump {}: reservoir {}, nominal stroke {} nL (simulated mean {} nL, "
                  "spread +-{} %, {}, seed {})",
                  s.pump.spec.name, ml_text(model.reservoir_capacity), model.stroke_volume.count(),
                  s.pump.stroke.mean.count(), s.pump.stroke.variability_percent,
                  distribution_name(s.pump.stroke.distribution), s.pump.stroke.seed));
  line(fmt::format("  dead volume {} (pump {} + catheter {}), catheter started with {}",
                   ml_text(r.catheter_dead_volume), ml_text(model.pump_dead_volume),
                   ml_text(s.catheter_volume),
                   s.catheter_starts_with_drug ? "drug" : "saline (0 ng/mL)"));
  line(fmt::format("  drug {} at {}", s.initial_solution.drug_name,
                   concentration_text(s.initial_solution.concentration, unit)));
  line("");

  line("Delivery (what left the catheter tip)");
  line(fmt::format("  volume delivered       {}  (mean {:.3f} mL/day)", ml_text(r.moved),
                   to_ml(r.moved) / day_count));
  if (!changes_drug(r)) {
    line(fmt::format("  drug delivered         {}  (mean {:.3f} {}/day)",
                     drug_text(r.tip_drug_fg, unit), fg_in_unit(r.tip_drug_fg, unit) / day_count,
                     scenario::unit_name(unit)));
  } else {
    // Different drugs do not add up: each in its own unit, the old one's dead volume included.
    line("  drug delivered, per drug (the scenario changes drug):");
    for (const DrugTotal& d : r.drugs) {
      line(fmt::format("    {:<20} {}  ({} still in the line at the end)", d.name,
                       drug_text(d.tip_drug_fg, d.unit),
                       drug_text(d.catheter_drug_fg_at_end, d.unit)));
    }
  }
  line(fmt::format(
      "  strokes                {}  (implant count {}, programmed {}, one stroke {} nL)", r.strokes,
      ml_text(r.implant_delivered), ml_text(r.programmed), model.stroke_volume.count()));
  line(fmt::format(
      "  programmed - delivered {} nL (implant count); real strokes moved {} nL "
      "{} than counted",
      (r.programmed - r.implant_delivered).count(),
      (r.moved - r.implant_delivered).count() >= 0 ? (r.moved - r.implant_delivered).count()
                                                   : (r.implant_delivered - r.moved).count(),
      r.moved >= r.implant_delivered ? "more" : "less"));
  if (r.short_by.count() > 0) {
    line(fmt::format("  strokes came up short by {} (the reservoir was really dry)",
                     ml_text(r.short_by)));
  }
  if (r.missed.count() > 0) line(fmt::format("  missed (motor stalled) {}", ml_text(r.missed)));
  line("");

  const BolusCounts boluses = count_boluses(r);
  line(fmt::format("Patient boluses: {} requested, {} granted, {} refused", r.bolus_requests.size(),
                   boluses.granted, boluses.refused));
  for (const auto& [reason, n] : boluses.by_reason) {
    line(fmt::format("  refused {} time(s): {}", n, therapy::describe(reason)));
  }
  std::int64_t refused_commands = 0;
  for (const CommandRecord& c : r.commands) refused_commands += c.ok ? 0 : 1;
  line(fmt::format("Commands: {} given, {} refused by the implant", r.commands.size(),
                   refused_commands));
  for (const CommandRecord& c : r.commands) {
    if (!c.ok) {
      line(fmt::format("  {} {} ({}): refused: {}", time_text(clock, c.at), c.type, c.source,
                       c.error));
    }
  }
  line("");

  line(fmt::format("Fills: the initial fill and {} refill(s)", r.fills.size() - 1));
  for (const FillRecord& f : r.fills) {
    line(fmt::format("  {}  {} of {} {} ({}), low-reservoir alarm at {}", time_text(clock, f.at),
                     ml_text(f.volume), f.solution.drug_name,
                     concentration_text(f.solution.concentration, f.solution.unit), f.source,
                     ml_text(f.low_threshold)));
    if (f.pocket_fill.count() > 0) {
      line(fmt::format("      POCKET FILL: {} of it went into the tissue pocket, not the reservoir",
                       ml_text(f.pocket_fill)));
    }
    if (f.refill_check) {
      const programmer::RefillCheck& c = *f.refill_check;
      line(
          fmt::format("      refill check: withdrawn {}, implant expected {} ({} difference, "
                      "threshold {}): {}{}",
                      ml_text(c.withdrawn), ml_text(c.expected), signed_ml_text(c.difference),
                      ml_text(c.threshold), programmer::describe(c.finding),
                      c.needs_acknowledgement() ? " - needs the clinician's acknowledgement" : ""));
    }
    if (f.bridge.started) {
      line(fmt::format("      bridge bolus: {} of the old solution at {:.3f} mL/day over {:.1f} h",
                       ml_text(f.bridge.volume), to_ml(f.bridge.flow.count()),
                       static_cast<double>(f.bridge.duration.count()) / kMillisPerHour));
    }
    line(fmt::format("      low reservoir: projected {}, implant alarm {}, real reservoir {}",
                     time_text(clock, f.projected.low_reservoir),
                     time_text(clock, f.implant_low_alarm), time_text(clock, f.actual_low)));
    line(fmt::format("      empty:         projected {}, implant stopped {}, real reservoir dry {}",
                     time_text(clock, f.projected.empty), time_text(clock, f.implant_empty),
                     time_text(clock, f.actual_dry)));
  }
  line("");

  const std::vector<AlarmPeriod> periods = alarm_periods(r);
  line(fmt::format("Alarms: {} raised, {} tone pattern(s) played", periods.size(), r.tones_played));
  for (const AlarmPeriod& a : periods) {
    line(fmt::format("  {:<28} {:<12} raised {}, cleared {}", alarms::name(a.kind),
                     alarms::name(alarms::alarm_class(a.kind)), time_text(clock, a.raised),
                     a.cleared.is_never() ? std::string("still active at the end")
                                          : time_text(clock, a.cleared)));
  }
  for (const BootRecord& b : r.boots) {
    line(fmt::format(
        "  {} {}: {} (gap {:.1f} h since the last full checkpoint: {} from the "
        "hourly records, {} assumed delivered)",
        b.brown_out ? "restarted after a brown-out" : "power restored", time_text(clock, b.at),
        b.settings_corrupt ? "settings corrupt, safe state"
        : b.end_of_service ? "the cell is at end of service: therapy stopped"
        : b.resumed        ? "therapy resumed"
                           : "nothing to resume",
        static_cast<double>(b.gap.count()) / kMillisPerHour, ml_text(b.recorded_delivered),
        ml_text(b.assumed_delivered)));
  }
  if (r.uncommanded_strokes > 0) {
    line(fmt::format("  a runaway motor made {} uncommanded stroke(s)", r.uncommanded_strokes));
  }
  line("");

  line(fmt::format("Final reservoir: implant estimate {}, actual {} (actual - estimate {})",
                   ml_text(r.final_implant_estimate), ml_text(r.final_actual),
                   signed_ml_text(r.final_actual - r.final_implant_estimate)));
  line(fmt::format(
      "Battery (simulated cell): used {:.3f} J of {:.3f} J (strokes {:.3f} J, sleep {:.3f} J, "
      "processor {:.3f} J, radio {:.3f} J, tones {:.3f} J), {:.2f} % remaining; {} brown-out(s)",
      to_joules(r.battery_used_uj), to_joules(r.battery_capacity_uj),
      to_joules(r.battery_stroke_uj), to_joules(r.battery_sleep_uj),
      to_joules(r.battery_processor_uj), to_joules(r.battery_radio_uj),
      to_joules(r.battery_tone_uj), r.battery_remaining_percent, r.brown_outs));
  if (!r.battery_monitor_valid) {
    line("Battery (implant's estimate): none - the implant refused its battery configuration");
  } else {
    const power::Assessment& a = r.battery_assessment;
    const power::State& st = r.battery_state;
    std::string status = power::name(st.status);
    if (st.status != power::BatteryStatus::kOk) {
      status += fmt::format(" ({}, ERI raised {}", power::name(st.eri_reason),
                            time_text(clock, st.eri_at));
      if (!st.eos_at.is_never()) {
        status +=
            fmt::format(", EOS {} ({})", time_text(clock, st.eos_at), power::name(st.eos_reason));
      }
      status += ")";
    }
    line(fmt::format(
        "Battery (implant's estimate): {}; {:.1f} % remaining, projected longevity {:.2f} years "
        "at the current program (limited by {}), loaded voltage {} mV{}",
        status, static_cast<double>(a.remaining_permille) / 10.0,
        static_cast<double>(a.longevity.count()) / static_cast<double>(kMillisPerYear),
        power::name(a.limited_by), a.voltage_mv, st.faulty ? ", faulty cell" : ""));
  }
  if (r.patient) {
    const auto time_of = [&clock](ImplantTime t) { return time_text(clock, t); };
    for (const std::string& l : patient_text(*r.patient, time_of, drug_units(r))) line(l);
  }
  if (r.engine_idle_wakeups > 0) {
    line(
        fmt::format("Note: the implant asked to be woken again at the instant it had just been "
                    "woken at, without a stroke, {} time(s); it was woken each time.",
                    r.engine_idle_wakeups));
  }
  return out;
}

json summary_json(const Scenario& s, const SimulationResult& r) {
  const WallClock clock{s, r};
  const DoseUnit unit = s.initial_solution.unit;
  const char* unit_name = scenario::unit_name(unit);
  const double day_count = duration_days(r);
  const bool several = changes_drug(r);
  json doc;

  doc["scenario"] = {
      {"name", s.name},
      {"pump_model", s.pump.spec.name},
      {"drug", s.initial_solution.drug_name},
      {"unit", unit_name},
      {"start", format_wall_time(s.start)},
      {"end", time_text(clock, ImplantTime(r.duration.count()))},
      {"duration_days", day_count},
      {"stroke",
       {{"nominal_nl", s.pump.spec.model.stroke_volume.count()},
        {"mean_nl", s.pump.stroke.mean.count()},
        {"variability_percent", s.pump.stroke.variability_percent},
        {"distribution", distribution_name(s.pump.stroke.distribution)},
        {"seed", s.pump.stroke.seed}}},
      {"dead_volume_nl", r.catheter_dead_volume.count()},
      {"catheter_volume_nl", s.catheter_volume.count()},
  };

  doc["totals"] = {
      {"strokes", r.strokes},
      {"programmed_volume_nl", r.programmed.count()},
      {"implant_delivered_volume_nl", r.implant_delivered.count()},
      {"programmed_minus_implant_delivered_nl", (r.programmed - r.implant_delivered).count()},
      {"delivered_volume_nl", r.moved.count()},
      {"delivered_volume_ml", to_ml(r.moved)},
      {"delivered_drug_ng", drug_ng_json(r.tip_drug_fg, several)},
      {"delivered_drug", drug_in_unit_json(r.tip_drug_fg, unit, several)},
      {"unit", unit_name},
      {"mean_volume_ml_per_day", to_ml(r.moved) / day_count},
      {"mean_drug_per_day", drug_in_unit_json(r.tip_drug_fg, unit, several, day_count)},
      {"missed_volume_nl", r.missed.count()},
      {"short_volume_nl", r.short_by.count()},
  };
  json by_drug = json::array();
  for (const DrugTotal& d : r.drugs) {
    by_drug.push_back(
        {{"name", d.name},
         {"unit", scenario::unit_name(d.unit)},
         {"delivered_drug_ng", static_cast<double>(d.tip_drug_fg) / kFgPerNg},
         {"delivered_drug", fg_in_unit(d.tip_drug_fg, d.unit)},
         {"in_line_at_end_ng", static_cast<double>(d.catheter_drug_fg_at_end) / kFgPerNg}});
  }
  doc["totals"]["by_drug"] = std::move(by_drug);

  json daily = json::array();
  const std::vector<DayTotal> days = daily_totals(s, r);
  for (std::size_t d = 0; d < days.size(); ++d) {
    json day_by_drug = json::array();
    for (std::size_t k = 0; k < r.drugs.size(); ++k) {
      const std::int64_t fg = days[d].drug_fg_by_drug[k];
      day_by_drug.push_back({{"name", r.drugs[k].name},
                             {"unit", scenario::unit_name(r.drugs[k].unit)},
                             {"drug_ng", static_cast<double>(fg) / kFgPerNg},
                             {"drug", fg_in_unit(fg, r.drugs[k].unit)}});
    }
    daily.push_back({{"day", d},
                     {"date", host::format_date(WallTime(days[d].local_day * kMillisPerDay))},
                     {"volume_nl", days[d].volume_nl},
                     {"volume_ml", to_ml(days[d].volume_nl)},
                     {"drug_ng", drug_ng_json(days[d].drug_fg, several)},
                     {"drug", drug_in_unit_json(days[d].drug_fg, unit, several)},
                     {"by_drug", std::move(day_by_drug)}});
  }
  doc["daily"] = std::move(daily);

  const BolusCounts counts = count_boluses(r);
  json by_reason = json::object();
  for (const auto& [reason, n] : counts.by_reason) by_reason[refusal_key(reason)] = n;
  json requests = json::array();
  for (const BolusRequestRecord& b : r.bolus_requests) {
    requests.push_back({{"time", time_json(clock, b.at)},
                        {"elapsed_ms", b.at.ms()},
                        {"source", b.source},
                        {"granted", b.granted},
                        {"reason", refusal_key(b.reason)},
                        {"reason_text", therapy::describe(b.reason)},
                        {"next_allowed", time_json(clock, b.next_allowed)},
                        {"next_allowed_elapsed_ms",
                         b.next_allowed.is_never() ? json(nullptr) : json(b.next_allowed.ms())}});
  }
  doc["patient_bolus"] = {{"requested", r.bolus_requests.size()},
                          {"granted", counts.granted},
                          {"refused", counts.refused},
                          {"refused_by_reason", by_reason},
                          {"requests", std::move(requests)}};

  json reservoir = json::array();
  for (const ReservoirSample& sample : r.daily_reservoir) {
    reservoir.push_back({{"time", time_json(clock, sample.at)},
                         {"elapsed_ms", sample.at.ms()},
                         {"implant_estimate_nl", sample.implant_estimate.count()},
                         {"implant_estimate_ml", to_ml(sample.implant_estimate)},
                         {"actual_nl", sample.actual.count()},
                         {"actual_ml", to_ml(sample.actual)}});
  }
  doc["reservoir"] = std::move(reservoir);

  json fills = json::array();
  for (const FillRecord& f : r.fills) {
    json check = nullptr;
    if (f.refill_check) {
      const programmer::RefillCheck& c = *f.refill_check;
      const char* finding = c.finding == programmer::RefillFinding::kAsExpected ? "as_expected"
                            : c.finding == programmer::RefillFinding::kLessThanExpected
                                ? "less_than_expected"
                                : "more_than_expected";
      check = {{"withdrawn_nl", c.withdrawn.count()},
               {"expected_nl", c.expected.count()},
               {"difference_nl", c.difference.count()},
               {"threshold_nl", c.threshold.count()},
               {"finding", finding},
               {"needs_acknowledgement", c.needs_acknowledgement()}};
    }
    fills.push_back(
        {{"time", time_json(clock, f.at)},
         {"elapsed_ms", f.at.ms()},
         {"source", f.source},
         {"volume_nl", f.volume.count()},
         {"volume_ml", to_ml(f.volume)},
         {"drug", f.solution.drug_name},
         {"unit", scenario::unit_name(f.solution.unit)},
         {"concentration_ng_per_ml", f.solution.concentration.count()},
         {"low_threshold_nl", f.low_threshold.count()},
         {"pocket_fill_nl", f.pocket_fill.count()},
         {"refill_check", check},
         {"bridge",
          {{"started", f.bridge.started},
           {"volume_nl", f.bridge.volume.count()},
           {"flow_nl_per_day", f.bridge.flow.count()},
           {"duration_ms", f.bridge.duration.count()}}},
         {"projected_low", time_json(clock, f.projected.low_reservoir)},
         {"projected_empty", time_json(clock, f.projected.empty)},
         {"implant_low_alarm", time_json(clock, f.implant_low_alarm)},
         {"actual_low", time_json(clock, f.actual_low)},
         {"implant_empty", time_json(clock, f.implant_empty)},
         {"actual_dry", time_json(clock, f.actual_dry)},
         // Not "elapsed_ms" again: a second key of that name in this object was dropped.
         {"elapsed_ms_of",
          {{"projected_low", f.projected.low_reservoir.is_never()
                                 ? json(nullptr)
                                 : json(f.projected.low_reservoir.ms())},
           {"projected_empty",
            f.projected.empty.is_never() ? json(nullptr) : json(f.projected.empty.ms())},
           {"implant_low_alarm",
            f.implant_low_alarm.is_never() ? json(nullptr) : json(f.implant_low_alarm.ms())},
           {"actual_low", f.actual_low.is_never() ? json(nullptr) : json(f.actual_low.ms())},
           {"implant_empty",
            f.implant_empty.is_never() ? json(nullptr) : json(f.implant_empty.ms())},
           {"actual_dry", f.actual_dry.is_never() ? json(nullptr) : json(f.actual_dry.ms())}}}});
  }
  doc["fills"] = std::move(fills);

  json commands = json::array();
  for (const CommandRecord& c : r.commands) {
    json item = {{"time", time_json(clock, c.at)},
                 {"elapsed_ms", c.at.ms()},
                 {"source", c.source},
                 {"type", c.type},
                 {"ok", c.ok}};
    if (c.ok) {
      item["projected_low"] = time_json(clock, c.projected.low_reservoir);
      item["projected_empty"] = time_json(clock, c.projected.empty);
    } else {
      item["error"] = c.error;
    }
    commands.push_back(std::move(item));
  }
  doc["commands"] = std::move(commands);

  json events = json::array();
  for (const engine::TherapyEvent& e : r.events) {
    events.push_back({{"name", engine::name(e.kind)},
                      {"time", time_json(clock, e.at)},
                      {"elapsed_ms", e.at.ms()},
                      {"values", event_values(clock, e)}});
  }
  doc["events"] = std::move(events);

  json alarm_list = json::array();
  for (const AlarmPeriod& a : alarm_periods(r)) {
    alarm_list.push_back(
        {{"alarm", alarms::name(a.kind)},
         {"class", alarms::name(alarms::alarm_class(a.kind))},
         {"raised", time_json(clock, a.raised)},
         {"raised_elapsed_ms", a.raised.ms()},
         {"cleared", time_json(clock, a.cleared)},
         {"cleared_elapsed_ms", a.cleared.is_never() ? json(nullptr) : json(a.cleared.ms())}});
  }
  doc["alarms"] = std::move(alarm_list);
  json boots = json::array();
  for (const BootRecord& b : r.boots) {
    boots.push_back({{"time", time_json(clock, b.at)},
                     {"brown_out", b.brown_out},
                     {"resumed", b.resumed},
                     {"settings_corrupt", b.settings_corrupt},
                     {"end_of_service", b.end_of_service},
                     {"gap_ms", b.gap.count()},
                     {"recorded_delivered_nl", b.recorded_delivered.count()},
                     {"assumed_delivered_nl", b.assumed_delivered.count()}});
  }
  doc["boots"] = std::move(boots);
  doc["faults"] = {{"uncommanded_strokes", r.uncommanded_strokes},
                   {"tones_played", r.tones_played},
                   {"storage_write_failures", r.storage_write_failures}};

  doc["final_reservoir"] = {{"implant_estimate_nl", r.final_implant_estimate.count()},
                            {"implant_estimate_ml", to_ml(r.final_implant_estimate)},
                            {"actual_nl", r.final_actual.count()},
                            {"actual_ml", to_ml(r.final_actual)},
                            {"concentration_ng_per_ml", r.final_concentration.count()}};
  doc["battery"] = {{"capacity_uj", r.battery_capacity_uj},
                    {"used_uj", r.battery_used_uj},
                    {"stroke_uj", r.battery_stroke_uj},
                    {"sleep_uj", r.battery_sleep_uj},
                    {"processor_uj", r.battery_processor_uj},
                    {"radio_uj", r.battery_radio_uj},
                    {"tone_uj", r.battery_tone_uj},
                    {"remaining_percent", r.battery_remaining_percent},
                    {"brown_outs", r.brown_outs}};
  if (r.battery_monitor_valid) {
    const power::Assessment& a = r.battery_assessment;
    const power::State& st = r.battery_state;
    doc["battery"]["implant_estimate"] = {
        {"status", power::name(st.status)},
        {"eri_reason", power::name(st.eri_reason)},
        {"eri_time", st.eri_at.is_never() ? json(nullptr) : time_json(clock, st.eri_at)},
        {"eos_reason", power::name(st.eos_reason)},
        {"eos_time", st.eos_at.is_never() ? json(nullptr) : time_json(clock, st.eos_at)},
        {"faulty_cell", st.faulty},
        {"remaining_permille", a.remaining_permille},
        {"longevity_days", static_cast<double>(a.longevity.count()) / kMillisPerDay},
        {"limited_by", power::name(a.limited_by)},
        {"voltage_mv", a.voltage_mv},
        {"last_check", time_json(clock, st.last_check)}};
  } else {
    doc["battery"]["implant_estimate"] = nullptr;
  }
  if (r.patient) {
    const auto time_of = [&clock](ImplantTime t) { return time_json(clock, t); };
    doc["virtual_patient"] = patient_json(*r.patient, time_of, drug_units(r));
  }
  doc["diagnostics"] = {{"loop_iterations", r.loop_iterations},
                        {"engine_idle_wakeups", r.engine_idle_wakeups}};
  return doc;
}

void write_hourly_csv(std::ostream& out, const Scenario& s, const SimulationResult& r) {
  const WallClock clock{s, r};
  const bool several = changes_drug(r);
  out << "hour_start,volume_nl";
  if (several) {
    for (const DrugTotal& d : r.drugs) out << ',' << d.name << "_ng";  // names: a-z 0-9 - _
  } else {
    out << ",drug_ng";
  }
  if (r.patient) out << patient_csv_header(*r.patient);
  out << '\n';
  for (std::size_t h = 0; h < r.hourly.size(); ++h) {
    const ImplantTime at(static_cast<std::int64_t>(h) * kMillisPerHour);
    out << format_wall_time(wall_of(clock, at)) << ',' << r.hourly[h].volume_nl;
    if (several) {
      for (std::size_t d = 0; d < r.drugs.size(); ++d) {
        out << ',' << fg_as_ng_text(r.hourly_drug_fg[h * r.drugs.size() + d]);
      }
    } else {
      out << ',' << fg_as_ng_text(r.hourly[h].drug_fg);
    }
    if (r.patient) out << patient_csv_row(*r.patient, h);
    out << '\n';
  }
}

}  // namespace itdd::sim

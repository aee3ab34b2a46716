#include "itdd/sim/gas_summary.h"

#include <fmt/format.h>

#include "itdd/host/wall_time.h"
#include "itdd/sim/patient_summary.h"
#include "itdd/sim/sim_catheter.h"

namespace itdd::sim {
namespace {

using host::format_wall_time;
using nlohmann::json;
using scenario::GasScenario;

// Display only (three decimals, rounded to the nearest): nothing is delivered from it.
double to_ml(std::int64_t nl) {
  return static_cast<double>(nl) / kNanolitresPerMillilitre;
}
double in_unit(std::int64_t fg, DoseUnit unit) {
  return static_cast<double>(fg) / static_cast<double>(kDrugUnitsPerNanogram) /
         static_cast<double>(nanograms_per(unit));
}
double percent_of(std::int64_t value, std::int64_t reference) {
  return reference == 0
             ? 0.0
             : 100.0 * static_cast<double>(value - reference) / static_cast<double>(reference);
}
std::string fg_as_ng_text(std::int64_t fg) {
  return fmt::format("{}.{:06d}", fg / kDrugUnitsPerNanogram, fg % kDrugUnitsPerNanogram);
}

WallTime wall(const GasScenario& s, Duration elapsed) {
  return WallTime(s.start.ms() + elapsed.count());
}
std::string time_text(const GasScenario& s, std::optional<Duration> t) {
  return t ? format_wall_time(wall(s, *t)) : std::string("not within the run");
}
json time_json(const GasScenario& s, std::optional<Duration> t) {
  return t ? json(format_wall_time(wall(s, *t))) : json(nullptr);
}
// The virtual patient's times (sim/patient_summary.h) and units.
std::optional<Duration> elapsed_of(ImplantTime t) {
  if (t.is_never()) return std::nullopt;
  return Duration(t.ms());
}
std::vector<std::string> drug_units(const GasRunResult& r) {
  std::vector<std::string> units;
  for (const GasDrugTotal& d : r.drugs) units.emplace_back(scenario::unit_name(d.unit));
  return units;
}
json ms_json(std::optional<Duration> t) {
  return t ? json(t->count()) : json(nullptr);
}

double celsius(const GasConditions& c) {
  return static_cast<double>(c.temperature_mc) / 1000.0;
}
double kpa(const GasConditions& c) {
  return static_cast<double>(c.ambient_pa) / 1000.0;
}

bool several_drugs(const GasRunResult& r) {
  return r.drugs.size() > 1;
}

// The dose per day a fill gives at the nominal flow, in its drug's unit.
double nominal_dose(const GasScenario& s, const scenario::Solution& solution) {
  return to_ml(s.pump.nominal_flow.count()) * static_cast<double>(solution.concentration.count()) /
         static_cast<double>(nanograms_per(solution.unit));
}

struct DayRow {
  std::int64_t volume_nl = 0;
  std::int64_t drug_fg = 0;
  std::vector<std::int64_t> by_drug;
};

std::vector<DayRow> days_of(const GasRunResult& r) {
  std::vector<DayRow> out((r.hourly.size() + 23) / 24);
  for (DayRow& d : out) d.by_drug.assign(r.drugs.size(), 0);
  for (std::size_t h = 0; h < r.hourly.size(); ++h) {
    DayRow& d = out[h / 24];
    d.volume_nl += r.hourly[h].volume_nl;
    d.drug_fg += r.hourly[h].drug_fg;
    for (std::size_t k = 0; k < r.drugs.size(); ++k) {
      d.by_drug[k] += r.hourly_drug_fg[h * r.drugs.size() + k];
    }
  }
  return out;
}

}  // namespace

json gas_summary_json(const GasScenario& s, const GasRunResult& r) {
  const DoseUnit unit = s.initial_solution.unit;
  const char* unit_name = scenario::unit_name(unit);
  const double day_count = static_cast<double>(r.duration.count()) / kMillisPerDay;
  const bool several = several_drugs(r);
  const std::int64_t nominal = s.pump.nominal_flow.count();
  json doc;
  doc["scenario"] = {
      {"name", s.name},
      {"pump_model", s.pump.name},
      {"pump_kind", "gas-fixed-rate"},
      {"drug", s.initial_solution.drug_name},
      {"unit", unit_name},
      {"start", format_wall_time(s.start)},
      {"end", format_wall_time(wall(s, r.duration))},
      {"duration_days", day_count},
      {"nominal_flow_nl_per_day", nominal},
      {"nominal_flow_ml_per_day", to_ml(nominal)},
      {"flow_tolerance_percent", static_cast<double>(s.pump.flow_tolerance_permille) / 10.0},
      {"residual_volume_nl", s.pump.residual_volume.count()},
      {"catheter_volume_nl", s.catheter_volume.count()},
  };
  json by_drug = json::array();
  for (const GasDrugTotal& d : r.drugs) {
    by_drug.push_back({{"name", d.name},
                       {"unit", scenario::unit_name(d.unit)},
                       {"delivered_drug_ng", fg_as_ng_text(d.tip_drug_fg)},
                       {"delivered_drug", in_unit(d.tip_drug_fg, d.unit)},
                       {"in_line_at_end_ng", fg_as_ng_text(d.catheter_drug_fg_at_end)}});
  }
  const std::int64_t full_days_nominal = static_cast<std::int64_t>(
      static_cast<Int128>(nominal) * (r.duration - r.time_empty).count() / kMillisPerDay);
  doc["totals"] = {
      {"delivered_volume_nl", r.moved.count()},
      {"delivered_volume_ml", to_ml(r.moved.count())},
      {"nominal_volume_nl", full_days_nominal},
      {"volume_vs_nominal_percent", percent_of(r.moved.count(), full_days_nominal)},
      {"delivered_drug_ng", several ? json(nullptr) : json(fg_as_ng_text(r.tip_drug_fg))},
      {"delivered_drug", several ? json(nullptr) : json(in_unit(r.tip_drug_fg, unit))},
      {"unit", unit_name},
      {"mean_volume_ml_per_day", to_ml(r.moved.count()) / day_count},
      {"mean_drug_per_day",
       several ? json(nullptr) : json(in_unit(r.tip_drug_fg, unit) / day_count)},
      {"min_flow_nl_per_day", r.min_flow.count()},
      {"max_flow_nl_per_day", r.max_flow.count()},
      {"time_empty_ms", r.time_empty.count()},
      {"by_drug", by_drug},
  };
  json daily = json::array();
  const std::vector<DayRow> rows = days_of(r);
  for (std::size_t d = 0; d < rows.size(); ++d) {
    json per = json::array();
    for (std::size_t k = 0; k < r.drugs.size(); ++k) {
      per.push_back({{"name", r.drugs[k].name},
                     {"unit", scenario::unit_name(r.drugs[k].unit)},
                     {"drug_ng", fg_as_ng_text(rows[d].by_drug[k])},
                     {"drug", in_unit(rows[d].by_drug[k], r.drugs[k].unit)}});
    }
    daily.push_back({{"day", d},
                     {"date", host::format_date(wall(s, days(static_cast<std::int64_t>(d))))},
                     {"volume_nl", rows[d].volume_nl},
                     {"volume_ml", to_ml(rows[d].volume_nl)},
                     {"drug_ng", several ? json(nullptr) : json(fg_as_ng_text(rows[d].drug_fg))},
                     {"drug", several ? json(nullptr) : json(in_unit(rows[d].drug_fg, unit))},
                     {"by_drug", per}});
  }
  doc["daily"] = daily;
  json conditions = json::array();
  for (const GasConditionRecord& c : r.conditions) {
    conditions.push_back({{"time", format_wall_time(wall(s, c.at))},
                          {"elapsed_ms", c.at.count()},
                          {"source", c.source},
                          {"temperature_c", celsius(c.conditions)},
                          {"ambient_kpa", kpa(c.conditions)},
                          {"flow_nl_per_day", c.flow.count()},
                          {"flow_ml_per_day", to_ml(c.flow.count())},
                          {"flow_vs_nominal_percent", percent_of(c.flow.count(), nominal)}});
  }
  doc["conditions"] = conditions;
  json fills = json::array();
  for (const GasFillRecord& f : r.fills) {
    fills.push_back(
        {{"time", format_wall_time(wall(s, f.at))},
         {"elapsed_ms", f.at.count()},
         {"source", f.source},
         {"volume_nl", f.volume.count()},
         {"volume_ml", to_ml(f.volume.count())},
         {"drug", f.solution.drug_name},
         {"unit", scenario::unit_name(f.solution.unit)},
         {"concentration_ng_per_ml", f.solution.concentration.count()},
         {"nominal_dose_per_day", nominal_dose(s, f.solution)},
         {"withdrawn_nl", f.withdrawn ? json(f.withdrawn->count()) : json(nullptr)},
         {"expected_left_nl", f.expected_left ? json(f.expected_left->count()) : json(nullptr)},
         {"projected_low", time_json(s, f.projected_low)},
         {"projected_empty", time_json(s, f.projected_empty)},
         {"actual_low", time_json(s, f.actual_low)},
         {"actual_empty", time_json(s, f.actual_empty)},
         {"elapsed_ms_of",
          {{"projected_low", ms_json(f.projected_low)},
           {"projected_empty", ms_json(f.projected_empty)},
           {"actual_low", ms_json(f.actual_low)},
           {"actual_empty", ms_json(f.actual_empty)}}}});
  }
  doc["fills"] = fills;
  json reservoir = json::array();
  for (const GasReservoirSample& x : r.daily_reservoir) {
    reservoir.push_back({{"time", format_wall_time(wall(s, x.at))},
                         {"elapsed_ms", x.at.count()},
                         {"actual_nl", x.actual.count()},
                         {"actual_ml", to_ml(x.actual.count())}});
  }
  doc["reservoir"] = reservoir;
  doc["final_reservoir"] = {{"actual_nl", r.final_reservoir.count()},
                            {"actual_ml", to_ml(r.final_reservoir.count())},
                            {"concentration_ng_per_ml", r.final_concentration.count()}};
  if (r.patient) {
    doc["virtual_patient"] = patient_json(
        *r.patient, [&s](ImplantTime t) { return time_json(s, elapsed_of(t)); }, drug_units(r));
  }
  return doc;
}

std::string format_gas_text_summary(const GasScenario& s, const GasRunResult& r) {
  const DoseUnit unit = s.initial_solution.unit;
  const double day_count = static_cast<double>(r.duration.count()) / kMillisPerDay;
  const std::int64_t nominal = s.pump.nominal_flow.count();
  std::string out;
  const auto line = [&out](const std::string& text) { out += text + "\n"; };
  line(fmt::format("Scenario: {}", s.name));
  line(fmt::format(
      "Pump: {} (fixed-rate gas-driven: {:.3f} mL/day at {:.1f} °C and {:.3f} kPa, "
      "±{:.1f} %; no battery, no alarms, not programmable)",
      s.pump.name, to_ml(nominal), static_cast<double>(s.pump.reference_temperature_mc) / 1000.0,
      static_cast<double>(s.pump.reference_ambient_pa) / 1000.0,
      static_cast<double>(s.pump.flow_tolerance_permille) / 10.0));
  line(fmt::format("From {} to {} ({:.3f} days)", format_wall_time(s.start),
                   format_wall_time(wall(s, r.duration)), day_count));
  line(fmt::format(
      "Delivered at the catheter tip: {:.3f} mL ({:.3f} mL/day; {:+.1f} % against "
      "the nominal flow while the reservoir was not empty)",
      to_ml(r.moved.count()), to_ml(r.moved.count()) / day_count,
      percent_of(r.moved.count(),
                 static_cast<std::int64_t>(static_cast<Int128>(nominal) *
                                           (r.duration - r.time_empty).count() / kMillisPerDay))));
  for (const GasDrugTotal& d : r.drugs) {
    line(fmt::format("  {}: {:.3f} {} ({:.3f} {}/day); {:.3f} {} still in the line at the end",
                     d.name, in_unit(d.tip_drug_fg, d.unit), scenario::unit_name(d.unit),
                     in_unit(d.tip_drug_fg, d.unit) / day_count, scenario::unit_name(d.unit),
                     in_unit(d.catheter_drug_fg_at_end, d.unit), scenario::unit_name(d.unit)));
  }
  line(
      fmt::format("Flow: {:.3f} to {:.3f} mL/day while the reservoir held drug; {:.3f} days "
                  "empty",
                  to_ml(r.min_flow.count()), to_ml(r.max_flow.count()),
                  static_cast<double>(r.time_empty.count()) / kMillisPerDay));
  line("Conditions:");
  for (const GasConditionRecord& c : r.conditions) {
    line(fmt::format("  {}  {:5.1f} °C  {:7.3f} kPa  flow {:.3f} mL/day ({:+.1f} %)  {}",
                     format_wall_time(wall(s, c.at)), celsius(c.conditions), kpa(c.conditions),
                     to_ml(c.flow.count()), percent_of(c.flow.count(), nominal), c.source));
  }
  line("Fills:");
  for (const GasFillRecord& f : r.fills) {
    line(fmt::format("  {}  {:.3f} mL of {} {:g} {}/mL ({:.3f} {}/day at the nominal flow)  {}",
                     format_wall_time(wall(s, f.at)), to_ml(f.volume.count()), f.solution.drug_name,
                     static_cast<double>(f.solution.concentration.count()) /
                         static_cast<double>(nanograms_per(f.solution.unit)),
                     scenario::unit_name(f.solution.unit), nominal_dose(s, f.solution),
                     scenario::unit_name(f.solution.unit), f.source));
    if (f.withdrawn) {
      line(
          fmt::format("    withdrawn {:.3f} mL, the nominal flow would have left {:.3f} mL "
                      "({:+.3f} mL)",
                      to_ml(f.withdrawn->count()), to_ml(f.expected_left->count()),
                      to_ml((*f.withdrawn - *f.expected_left).count())));
    }
    line(fmt::format("    low ({:.3f} mL): nominal {}, simulated {}",
                     to_ml(s.pump.low_reservoir_default.count()), time_text(s, f.projected_low),
                     time_text(s, f.actual_low)));
    line(fmt::format("    empty ({:.3f} mL left): nominal {}, simulated {}",
                     to_ml(s.pump.residual_volume.count()), time_text(s, f.projected_empty),
                     time_text(s, f.actual_empty)));
  }
  line(fmt::format("Final reservoir: {:.3f} mL", to_ml(r.final_reservoir.count())));
  if (r.patient) {
    const auto time_of = [&s](ImplantTime t) {
      return t.is_never() ? std::string("never") : time_text(s, elapsed_of(t));
    };
    for (const std::string& l : patient_text(*r.patient, time_of, drug_units(r))) line(l);
  }
  (void)unit;
  return out;
}

void write_gas_hourly_csv(std::ostream& out, const GasScenario& s, const GasRunResult& r) {
  const bool several = several_drugs(r);
  out << "hour_start,volume_nl";
  if (several) {
    for (const GasDrugTotal& d : r.drugs) out << ',' << d.name << "_ng";
  } else {
    out << ",drug_ng";
  }
  if (r.patient) out << patient_csv_header(*r.patient);
  out << '\n';
  for (std::size_t h = 0; h < r.hourly.size(); ++h) {
    out << format_wall_time(wall(s, hours(static_cast<std::int64_t>(h)))) << ','
        << r.hourly[h].volume_nl;
    if (several) {
      for (std::size_t k = 0; k < r.drugs.size(); ++k) {
        out << ',' << fg_as_ng_text(r.hourly_drug_fg[h * r.drugs.size() + k]);
      }
    } else {
      out << ',' << fg_as_ng_text(r.hourly[h].drug_fg);
    }
    if (r.patient) out << patient_csv_row(*r.patient, h);
    out << '\n';
  }
}

}  // namespace itdd::sim

#include "itdd/scenario/pump_catalog.h"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "json_reader.h"

namespace itdd::scenario {
namespace {

using detail::Json;
using detail::ObjectReader;

// A figure's provenance: exactly one of "source" or "unconfirmed", kept to show beside it.
void figure_note(const ObjectReader& r, std::string_view key, PumpModelSpec& spec) {
  const bool sourced = r.has("source");
  const bool unconfirmed = r.has("unconfirmed");
  if (sourced == unconfirmed) {
    detail::fail(r.path(), "needs exactly one of \"source\" or \"unconfirmed\"");
  }
  const std::string note = sourced ? r.string("source") : r.string("unconfirmed");
  if (note.empty()) {
    detail::fail(r.path_of(sourced ? "source" : "unconfirmed"), "must not be empty");
  }
  spec.provenance.emplace_back(std::string(key), (sourced ? "source: " : "unconfirmed: ") + note);
}

// A figure: {"value": x, "source": "..."} or {"value": x, "unconfirmed": "..."}.
double figure(const ObjectReader& parent, std::string_view key, PumpModelSpec& spec) {
  const ObjectReader r(parent.required(key), parent.path_of(key),
                       {"value", "source", "unconfirmed"});
  figure_note(r, key, spec);
  return r.number("value");
}

std::int64_t scaled(double value, double factor) {
  return static_cast<std::int64_t>(std::llround(value * factor));
}

// The battery: the cell as the simulator models it (sim::BatteryParams) and the implant's own
// nominal copy with its ERI/EOS rules (power::MonitorConfig), both from the same figures.
void read_battery(const ObjectReader& model, PumpModelSpec& spec) {
  const ObjectReader b(
      model.required("battery"), model.path_of("battery"),
      {"capacity_j", "nominal_voltage_v", "sleep_current_ua", "stroke_energy_uj",
       "radio_session_energy_j", "patient_session_energy_mj", "tone_power_mw", "load_current_ma",
       "discharge_curve", "cutoff_voltage_v", "eri_voltage_v", "eos_voltage_v", "eri_notice_days",
       "eri_safety_margin_days", "service_life_years", "fault_discrepancy_percent",
       "fault_voltage_deficit_mv"});
  const auto value_path = [&b](std::string_view key) {
    return b.path_of(std::string(key) + ".value");
  };
  const auto volts = [&](std::string_view key) {
    return scaled(detail::above_and_at_most(figure(b, key, spec), 0, 10, value_path(key), "V"),
                  1e3);
  };
  sim::BatteryParams& battery = spec.battery;
  battery.capacity_uj = scaled(detail::above_and_at_most(figure(b, "capacity_j", spec), 0, 1e6,
                                                         value_path("capacity_j"), "J"),
                               1e6);
  battery.nominal_voltage_mv = volts("nominal_voltage_v");
  battery.sleep_current_na = scaled(detail::in_range(figure(b, "sleep_current_ua", spec), 0, 1000,
                                                     value_path("sleep_current_ua"), "uA"),
                                    1e3);
  battery.stroke_energy_uj = scaled(detail::in_range(figure(b, "stroke_energy_uj", spec), 0, 1e6,
                                                     value_path("stroke_energy_uj"), "uJ"),
                                    1);
  battery.radio_session_energy_uj =
      scaled(detail::in_range(figure(b, "radio_session_energy_j", spec), 0, 1000,
                              value_path("radio_session_energy_j"), "J"),
             1e6);
  battery.patient_session_energy_uj =
      scaled(detail::in_range(figure(b, "patient_session_energy_mj", spec), 0, 1e6,
                              value_path("patient_session_energy_mj"), "mJ"),
             1e3);
  battery.tone_power_uw = scaled(detail::in_range(figure(b, "tone_power_mw", spec), 0, 1000,
                                                  value_path("tone_power_mw"), "mW"),
                                 1e3);
  battery.load_ua = static_cast<std::int32_t>(
      scaled(detail::above_and_at_most(figure(b, "load_current_ma", spec), 0, 1000,
                                       value_path("load_current_ma"), "mA"),
             1e3));

  // The discharge curve: a table figure, {"value": [rows], "source"/"unconfirmed": "..."}.
  const ObjectReader c(b.required("discharge_curve"), b.path_of("discharge_curve"),
                       {"value", "source", "unconfirmed"});
  figure_note(c, "discharge_curve", spec);
  const Json& rows = detail::as_array(c.required("value"), c.path_of("value"));
  if (rows.size() < 2 || rows.size() > sim::kMaxCellPoints) {
    detail::fail(c.path_of("value"),
                 fmt::format("needs between 2 and {} points", sim::kMaxCellPoints));
  }
  battery.curve_points = rows.size();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const ObjectReader row(rows[i], detail::index_path(c.path_of("value"), i),
                           {"depth_percent", "open_circuit_v", "resistance_ohm"});
    const double depth =
        detail::in_range(row.number("depth_percent"), 0, 100, row.path_of("depth_percent"), "%");
    if (depth * 10 != std::floor(depth * 10)) {
      detail::fail(row.path_of("depth_percent"), "must be a whole number of tenths of a percent");
    }
    sim::CellPoint& point = battery.curve[i];
    point.depth_permille = static_cast<std::int32_t>(scaled(depth, 10));
    point.open_circuit_mv = static_cast<std::int32_t>(
        scaled(detail::above_and_at_most(row.number("open_circuit_v"), 0, 10,
                                         row.path_of("open_circuit_v"), "V"),
               1e3));
    point.resistance_mohm =
        static_cast<std::int32_t>(scaled(detail::in_range(row.number("resistance_ohm"), 0, 10'000,
                                                          row.path_of("resistance_ohm"), "ohm"),
                                         1e3));
    if (i == 0 && point.depth_permille != 0) {
      detail::fail(row.path_of("depth_percent"), "the first point must be at 0%");
    }
    if (i > 0 && point.depth_permille <= battery.curve[i - 1].depth_permille) {
      detail::fail(row.path_of("depth_percent"), "must rise from point to point");
    }
    if (i + 1 == rows.size() && point.depth_permille != 1000) {
      detail::fail(row.path_of("depth_percent"), "the last point must be at 100%");
    }
  }
  battery.cutoff_mv = static_cast<std::int32_t>(volts("cutoff_voltage_v"));

  // The implant's copy: the same cell seen as loaded voltage against depth.
  power::MonitorConfig& m = spec.battery_monitor;
  m.capacity_uj = battery.capacity_uj;
  m.nominal_voltage_mv = battery.nominal_voltage_mv;
  m.load_ua = battery.load_ua;
  m.sleep_current_na = battery.sleep_current_na;
  m.stroke_energy_uj = battery.stroke_energy_uj;
  m.radio_session_energy_uj = battery.radio_session_energy_uj;
  m.patient_session_energy_uj = battery.patient_session_energy_uj;
  m.tone_power_uw = battery.tone_power_uw;
  m.curve_points = battery.curve_points;
  for (std::size_t i = 0; i < battery.curve_points; ++i) {
    const std::int32_t depth = battery.curve[i].depth_permille;
    m.curve[i] = {depth, sim::SimBattery::loaded_mv_at(battery, depth * 1000LL)};
    if (i > 0 && m.curve[i].loaded_mv >= m.curve[i - 1].loaded_mv) {
      detail::fail(detail::index_path(c.path_of("value"), i),
                   "the voltage under the load must fall from point to point");
    }
  }
  const std::int32_t lowest = m.curve[m.curve_points - 1].loaded_mv;
  const std::int32_t highest = m.curve[0].loaded_mv;
  m.eri_mv = static_cast<std::int32_t>(volts("eri_voltage_v"));
  m.eos_mv = static_cast<std::int32_t>(volts("eos_voltage_v"));
  if (m.eri_mv >= highest) {
    detail::fail(value_path("eri_voltage_v"),
                 fmt::format("must be below the fresh cell's loaded voltage ({} mV)", highest));
  }
  if (m.eos_mv >= m.eri_mv)
    detail::fail(value_path("eos_voltage_v"), "must be below the ERI voltage");
  if (battery.cutoff_mv >= m.eos_mv || battery.cutoff_mv <= lowest) {
    detail::fail(value_path("cutoff_voltage_v"),
                 fmt::format("must be below the EOS voltage and above the empty cell's loaded "
                             "voltage ({} mV)",
                             lowest));
  }
  const auto whole_days = [&](std::string_view key, double max) {
    const double v = detail::in_range(figure(b, key, spec), 0, max, value_path(key), "days");
    if (v != std::floor(v)) detail::fail(value_path(key), "must be a whole number");
    return days(static_cast<std::int64_t>(v));
  };
  m.eri_notice = whole_days("eri_notice_days", 365);
  m.eri_safety_margin = whole_days("eri_safety_margin_days", 365);
  // Years of 365.25 days, to the day.
  m.service_life = days(scaled(detail::in_range(figure(b, "service_life_years", spec), 0, 50,
                                                value_path("service_life_years"), "years"),
                               365.25));
  if (m.service_life.count() > 0 && m.service_life <= m.eri_notice + m.eri_safety_margin) {
    detail::fail(value_path("service_life_years"),
                 "must be longer than the ERI notice and margin (0: no limit)");
  }
  m.fault_discrepancy_permille = static_cast<std::int32_t>(
      scaled(detail::above_and_at_most(figure(b, "fault_discrepancy_percent", spec), 0, 50,
                                       value_path("fault_discrepancy_percent"), "%"),
             10));
  if (m.fault_discrepancy_permille < 1) {
    detail::fail(value_path("fault_discrepancy_percent"), "must be at least 0.1%");
  }
  const double deficit = detail::in_range(figure(b, "fault_voltage_deficit_mv", spec), 1, 1000,
                                          value_path("fault_voltage_deficit_mv"), "mV");
  if (deficit != std::floor(deficit)) {
    detail::fail(value_path("fault_voltage_deficit_mv"), "must be a whole number");
  }
  m.fault_deficit_mv = static_cast<std::int32_t>(deficit);
  if (const Status s = power::validate(m); !s) {
    detail::fail(b.path(), fmt::format("{}: {}", s.error().field, s.error().message));
  }
}

PumpModelSpec read_model(const Json& j, const std::string& name, const std::string& path) {
  const ObjectReader r(
      j, path,
      {"description", "reservoir_capacity_ml", "stroke_volume_nl", "min_rate_ml_per_day",
       "max_rate_ml_per_day", "priming_rate_ml_per_day", "pump_dead_volume_ml",
       "low_reservoir_default_ml", "max_patient_boluses_per_day", "battery"});
  PumpModelSpec spec;
  spec.name = name;
  spec.description = r.string("description");
  therapy::PumpModel& m = spec.model;
  const auto ml = [](double v) { return Volume(scaled(v, kNanolitresPerMillilitre)); };
  const auto ml_per_day = [](double v) { return FlowRate(scaled(v, kNanolitresPerMillilitre)); };

  const double capacity =
      detail::above_and_at_most(figure(r, "reservoir_capacity_ml", spec), 0, 100,
                                r.path_of("reservoir_capacity_ml.value"), "mL");
  m.reservoir_capacity = ml(capacity);
  m.stroke_volume = Volume(scaled(detail::in_range(figure(r, "stroke_volume_nl", spec), 1, 100'000,
                                                   r.path_of("stroke_volume_nl.value"), "nL"),
                                  1));
  const double max_rate =
      detail::above_and_at_most(figure(r, "max_rate_ml_per_day", spec), 0, 100,
                                r.path_of("max_rate_ml_per_day.value"), "mL/day");
  m.max_rate = ml_per_day(max_rate);
  m.min_rate = ml_per_day(detail::above_and_at_most(
      figure(r, "min_rate_ml_per_day", spec), 0, max_rate, r.path_of("min_rate_ml_per_day.value"),
      "mL/day", "the maximum rate"));
  m.priming_rate = ml_per_day(detail::above_and_at_most(
      figure(r, "priming_rate_ml_per_day", spec), 0, max_rate,
      r.path_of("priming_rate_ml_per_day.value"), "mL/day", "the maximum rate"));
  m.pump_dead_volume = ml(detail::in_range(figure(r, "pump_dead_volume_ml", spec), 0, 2,
                                           r.path_of("pump_dead_volume_ml.value"), "mL"));
  m.low_reservoir_default = ml(detail::above_and_at_most(
      figure(r, "low_reservoir_default_ml", spec), 0, capacity / 2,
      r.path_of("low_reservoir_default_ml.value"), "mL", "half the reservoir"));
  const double boluses = figure(r, "max_patient_boluses_per_day", spec);
  const std::string boluses_path = r.path_of("max_patient_boluses_per_day.value");
  if (boluses != std::floor(boluses)) detail::fail(boluses_path, "must be a whole number");
  m.max_patient_boluses_per_day =
      static_cast<std::uint8_t>(detail::in_range(boluses, 0, 24, boluses_path));

  read_battery(r, spec);
  return spec;
}

}  // namespace

PumpCatalog PumpCatalog::from_json(const Json& doc) {
  const ObjectReader r(doc, "", {"format", "version", "notes", "models"});
  if (r.string("format") != "itdd-pump-models") {
    detail::fail("format", "must be \"itdd-pump-models\"");
  }
  if (r.integer("version") != 1) detail::fail("version", "must be 1 (the only version known)");
  const Json& models = r.required("models");
  if (!models.is_object() || models.empty()) detail::fail("models", "must be a non-empty object");
  PumpCatalog catalog;
  for (const auto& item : models.items()) {
    catalog.models_.push_back(
        read_model(item.value(), item.key(), detail::join_path("models", item.key())));
  }
  return catalog;
}

PumpCatalog PumpCatalog::from_text(std::string_view text) {
  Json doc = Json::parse(text, nullptr, false);
  if (doc.is_discarded()) detail::fail("(document)", "is not valid JSON");
  return from_json(doc);
}

PumpCatalog PumpCatalog::load(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) detail::fail("", fmt::format("cannot open {}", file.string()));
  std::ostringstream text;
  text << in.rdbuf();
  return from_text(text.str());
}

const PumpModelSpec* PumpCatalog::find(std::string_view name) const {
  for (const PumpModelSpec& m : models_) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

std::vector<std::string> PumpCatalog::names() const {
  std::vector<std::string> out;
  for (const PumpModelSpec& m : models_) out.push_back(m.name);
  return out;
}

}  // namespace itdd::scenario

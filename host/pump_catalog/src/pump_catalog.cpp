#include "itdd/host/pump_catalog.h"

#include <fmt/format.h>

#include "gas_pump_reader.h"
#include "itdd/host/figures.h"
#include "itdd/host/json_range.h"
#include "itdd/safety/safety_monitor.h"

namespace itdd::host {
namespace {

constexpr std::int64_t kMilli = 1'000;      // V to mV, mA to uA, uA to nA, mW to uW, mJ to uJ
constexpr std::int64_t kMicro = 1'000'000;  // J to uJ, mL to nL

// A figure {"value": x, "source"|"unconfirmed": "..."}: its value, its note kept to show
// beside it (under `key`).
JsonValue figure(const JsonObject& parent, std::string_view key, PumpModelSpec& spec) {
  FigureReading f = read_figure(parent.required(key));
  spec.provenance.emplace_back(std::string(key), f.note.label());
  return f.value;
}

// A figure's value as an exact count of 1/scale units within `range`.
std::int64_t figure_in(const JsonObject& parent, std::string_view key, PumpModelSpec& spec,
                       std::int64_t scale, const Range& range) {
  return decimal_in(figure(parent, key, spec), scale, range);
}

std::int32_t narrow(std::int64_t v) {
  return static_cast<std::int32_t>(v);  // every caller's range keeps it within 32 bits
}

// The battery: the cell's figures (CellSpec, what the simulator models) and the implant's own
// nominal copy with its ERI/EOS rules (power::MonitorConfig), both from the same figures.
void read_battery(const JsonObject& model, PumpModelSpec& spec) {
  const JsonObject b = model.required("battery").object(
      {"capacity_j", "nominal_voltage_v", "sleep_current_ua", "stroke_energy_uj",
       "processor_stroke_wake_uj", "processor_idle_wake_na", "radio_session_energy_j",
       "patient_session_energy_mj", "tone_power_mw", "load_current_ma", "discharge_curve",
       "cutoff_voltage_v", "eri_voltage_v", "eos_voltage_v", "eri_notice_days",
       "eri_safety_margin_days", "service_life_years", "fault_discrepancy_percent",
       "fault_voltage_deficit_mv"});
  const auto value_path = [&b](std::string_view key) {
    return b.path_of(std::string(key) + ".value");
  };
  const auto millivolts = [&](std::string_view key) {
    return narrow(figure_in(b, key, spec, kMilli, Range{0, 10 * kMilli, true, "V", ""}));
  };
  CellSpec& battery = spec.battery;
  battery.capacity_uj =
      figure_in(b, "capacity_j", spec, kMicro, Range{0, 1'000'000 * kMicro, true, "J", ""});
  battery.nominal_voltage_mv = millivolts("nominal_voltage_v");
  battery.sleep_current_na =
      figure_in(b, "sleep_current_ua", spec, kMilli, Range{0, 1000 * kMilli, false, "uA", ""});
  battery.stroke_energy_uj =
      figure_in(b, "stroke_energy_uj", spec, 1, Range{0, 1'000'000, false, "uJ", ""});
  battery.processor_stroke_uj =
      figure_in(b, "processor_stroke_wake_uj", spec, 1, Range{0, 1'000'000, false, "uJ", ""});
  battery.processor_idle_na =
      figure_in(b, "processor_idle_wake_na", spec, 1, Range{0, 1'000'000, false, "nA", ""});
  battery.radio_session_energy_uj =
      figure_in(b, "radio_session_energy_j", spec, kMicro, Range{0, 1000 * kMicro, false, "J", ""});
  battery.patient_session_energy_uj = figure_in(b, "patient_session_energy_mj", spec, kMilli,
                                                Range{0, 1'000'000 * kMilli, false, "mJ", ""});
  battery.tone_power_uw =
      figure_in(b, "tone_power_mw", spec, kMilli, Range{0, 1000 * kMilli, false, "mW", ""});
  battery.load_ua = narrow(
      figure_in(b, "load_current_ma", spec, kMilli, Range{0, 1000 * kMilli, true, "mA", ""}));

  // The discharge curve: a table figure, {"value": [rows], "source"/"unconfirmed": "..."}.
  const JsonValue curve = figure(b, "discharge_curve", spec);
  const std::vector<JsonValue> rows = curve.array();
  if (rows.size() < 2 || rows.size() > kMaxCellPoints) {
    curve.refuse(fmt::format("needs between 2 and {} points", kMaxCellPoints));
  }
  battery.curve_points = rows.size();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const JsonObject row = rows[i].object({"depth_percent", "open_circuit_v", "resistance_ohm"});
    const JsonValue depth = row.required("depth_percent");
    CellPoint& point = battery.curve[i];
    // Tenths of a percent: the implant's per-mille depth.
    point.depth_permille = narrow(decimal_in(depth, 10, Range{0, 1000, false, "%", ""}));
    point.open_circuit_mv = narrow(
        decimal_in(row.required("open_circuit_v"), kMilli, Range{0, 10 * kMilli, true, "V", ""}));
    point.resistance_mohm = narrow(decimal_in(row.required("resistance_ohm"), kMilli,
                                              Range{0, 10'000 * kMilli, false, "ohm", ""}));
    if (i == 0 && point.depth_permille != 0) depth.refuse("the first point must be at 0%");
    if (i > 0 && point.depth_permille <= battery.curve[i - 1].depth_permille) {
      depth.refuse("must rise from point to point");
    }
    if (i + 1 == rows.size() && point.depth_permille != 1000) {
      depth.refuse("the last point must be at 100%");
    }
  }
  battery.cutoff_mv = millivolts("cutoff_voltage_v");

  // The implant's copy: the same cell seen as loaded voltage against depth.
  power::MonitorConfig& m = spec.battery_monitor;
  m.capacity_uj = battery.capacity_uj;
  m.nominal_voltage_mv = battery.nominal_voltage_mv;
  m.load_ua = battery.load_ua;
  // The implant counts the processor's work with the electronics' current and each stroke, as
  // the simulated cell spends it.
  m.sleep_current_na = battery.sleep_current_na + battery.processor_idle_na;
  m.stroke_energy_uj = battery.stroke_energy_uj + battery.processor_stroke_uj;
  m.radio_session_energy_uj = battery.radio_session_energy_uj;
  m.patient_session_energy_uj = battery.patient_session_energy_uj;
  m.tone_power_uw = battery.tone_power_uw;
  m.curve_points = battery.curve_points;
  for (std::size_t i = 0; i < battery.curve_points; ++i) {
    const std::int32_t depth = battery.curve[i].depth_permille;
    m.curve[i] = {depth, loaded_mv_at(battery, depth * 1000LL)};
    if (i > 0 && m.curve[i].loaded_mv >= m.curve[i - 1].loaded_mv) {
      rows[i].refuse("the voltage under the load must fall from point to point");
    }
  }
  const std::int32_t lowest = m.curve[m.curve_points - 1].loaded_mv;
  const std::int32_t highest = m.curve[0].loaded_mv;
  m.eri_mv = millivolts("eri_voltage_v");
  m.eos_mv = millivolts("eos_voltage_v");
  if (m.eri_mv >= highest) {
    refuse(value_path("eri_voltage_v"),
           fmt::format("must be below the fresh cell's loaded voltage ({} mV)", highest));
  }
  if (m.eos_mv >= m.eri_mv) refuse(value_path("eos_voltage_v"), "must be below the ERI voltage");
  if (battery.cutoff_mv >= m.eos_mv || battery.cutoff_mv <= lowest) {
    refuse(value_path("cutoff_voltage_v"),
           fmt::format("must be below the EOS voltage and above the empty cell's loaded "
                       "voltage ({} mV)",
                       lowest));
  }
  const auto whole_days = [&](std::string_view key) {
    return days(figure_in(b, key, spec, 1, Range{0, 365, false, "days", ""}));
  };
  m.eri_notice = whole_days("eri_notice_days");
  m.eri_safety_margin = whole_days("eri_safety_margin_days");
  // Years to the thousandth, of 365.25 days: the product rounds down to the day (the one
  // rounding rule: the end of service comes no later than the figure says).
  const std::int64_t milli_years =
      figure_in(b, "service_life_years", spec, kMilli, Range{0, 50 * kMilli, false, "years", ""});
  m.service_life = days(milli_years * 36'525 / 100'000);
  if (m.service_life.count() > 0 && m.service_life <= m.eri_notice + m.eri_safety_margin) {
    refuse(value_path("service_life_years"),
           "must be longer than the ERI notice and margin (0: no limit)");
  }
  // Tenths of a percent.
  m.fault_discrepancy_permille =
      narrow(figure_in(b, "fault_discrepancy_percent", spec, 10, Range{0, 500, true, "%", ""}));
  m.fault_deficit_mv =
      narrow(figure_in(b, "fault_voltage_deficit_mv", spec, 1, Range{1, 1000, false, "mV", ""}));
  if (const Status s = power::validate(m); !s) {
    b.refuse(fmt::format("{}: {}", s.error().field, s.error().message));
  }
}

PumpModelSpec read_model(const JsonValue& j, const std::string& name) {
  const JsonObject r =
      j.object({"kind", "description", "reservoir_capacity_ml", "stroke_volume_nl",
                "min_rate_ml_per_day", "max_rate_ml_per_day", "priming_rate_ml_per_day",
                "pump_dead_volume_ml", "low_reservoir_default_ml", "max_patient_boluses_per_day",
                "min_catheter_length_cm", "max_catheter_length_cm", "min_catheter_volume_ml",
                "max_catheter_volume_ml", "mr_conditions", "replacement_lead_days", "battery"});
  PumpModelSpec spec;
  spec.name = name;
  spec.description = r.string("description");
  therapy::PumpModel& m = spec.model;
  // Volumes in nL, rates in nL/day: mL and mL/day to 6 decimals.
  const std::int64_t capacity =
      figure_in(r, "reservoir_capacity_ml", spec, kMicro, Range{0, 100 * kMicro, true, "mL", ""});
  m.reservoir_capacity = Volume(capacity);
  m.stroke_volume =
      Volume(figure_in(r, "stroke_volume_nl", spec, 1, Range{1, 100'000, false, "nL", ""}));
  const std::int64_t max_rate =
      figure_in(r, "max_rate_ml_per_day", spec, kMicro, Range{0, 100 * kMicro, true, "mL/day", ""});
  m.max_rate = FlowRate(max_rate);
  m.min_rate = FlowRate(figure_in(r, "min_rate_ml_per_day", spec, kMicro,
                                  Range{0, max_rate, true, "mL/day", "the maximum rate"}));
  m.priming_rate = FlowRate(figure_in(r, "priming_rate_ml_per_day", spec, kMicro,
                                      Range{0, max_rate, true, "mL/day", "the maximum rate"}));
  if (!safety::SafetyMonitor::fits(m)) {
    // The monitor keeps every stroke of the last hour in a fixed ring (firmware/safety).
    refuse(r.path_of("max_rate_ml_per_day.value"),
           fmt::format("with {} nL strokes is more than the {} strokes an hour the implant's "
                       "safety monitor keeps",
                       m.stroke_volume.count(), safety::SafetyMonitor::kStrokeRing - 2));
  }
  m.pump_dead_volume = Volume(
      figure_in(r, "pump_dead_volume_ml", spec, kMicro, Range{0, 2 * kMicro, false, "mL", ""}));
  m.low_reservoir_default =
      Volume(figure_in(r, "low_reservoir_default_ml", spec, kMicro,
                       Range{0, capacity / 2, true, "mL", "half the reservoir"}));
  m.max_patient_boluses_per_day = static_cast<std::uint8_t>(
      figure_in(r, "max_patient_boluses_per_day", spec, 1, Range{0, 24, false, "", ""}));
  const CatheterRange catheters = read_catheter_range(r, spec.provenance);
  spec.min_catheter_length_mm = catheters.min_length_mm;
  spec.max_catheter_length_mm = catheters.max_length_mm;
  spec.min_catheter_volume = catheters.min_volume;
  spec.max_catheter_volume = catheters.max_volume;
  spec.mr_conditions = mr_conditions_text(figure(r, "mr_conditions", spec));
  spec.replacement_lead_days =
      figure_in(r, "replacement_lead_days", spec, 1, Range{0, 730, false, "days", ""});
  read_battery(r, spec);
  return spec;
}

}  // namespace

PumpCatalog PumpCatalog::read(const JsonValue& root) {
  const JsonObject r = root.object({"format", "version", "notes", "models", "environment"});
  if (r.string("format") != "itdd-pump-models") {
    r.required("format").refuse("must be \"itdd-pump-models\"");
  }
  if (r.whole("version") != 1) r.required("version").refuse("must be 1 (the only version known)");
  if (r.has("notes")) (void)r.required("notes").string_or_empty();
  const JsonValue models = r.required("models");
  if (!models.json().is_object() || models.json().empty()) {
    models.refuse("must be a non-empty object");
  }
  PumpCatalog catalog;
  for (const auto& [name, model] : models.members()) {
    if (model_kind(model) == PumpKind::kGasFixedRate) {
      catalog.gas_models_.push_back(read_gas_model(model, name));
    } else {
      catalog.models_.push_back(read_model(model, name));
    }
  }
  if (r.has("environment")) {
    catalog.environment_ = read_environment(r.required("environment"));
  } else if (!catalog.gas_models_.empty()) {
    r.required("environment");  // "is missing": the gas models' physics needs it
  }
  return catalog;
}

Checked<PumpCatalog> PumpCatalog::from_text(std::string_view text) {
  return read_json(text, &PumpCatalog::read);
}

Checked<PumpCatalog> PumpCatalog::load(const std::filesystem::path& file) {
  return read_json_file(file, &PumpCatalog::read);
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

const GasPumpSpec* PumpCatalog::find_gas(std::string_view name) const {
  for (const GasPumpSpec& m : gas_models_) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

std::vector<std::string> PumpCatalog::gas_names() const {
  std::vector<std::string> out;
  for (const GasPumpSpec& m : gas_models_) out.push_back(m.name);
  return out;
}

std::optional<PumpKind> PumpCatalog::kind_of(std::string_view name) const {
  if (find(name) != nullptr) return PumpKind::kPeristaltic;
  if (find_gas(name) != nullptr) return PumpKind::kGasFixedRate;
  return std::nullopt;
}

const char* kind_name(PumpKind kind) {
  switch (kind) {
    case PumpKind::kPeristaltic:
      return "peristaltic";
    case PumpKind::kGasFixedRate:
      return "gas-fixed-rate";
  }
  return "?";
}

}  // namespace itdd::host

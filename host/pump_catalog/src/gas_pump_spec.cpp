#include <fmt/format.h>

#include <string_view>

#include "gas_pump_reader.h"
#include "itdd/host/figures.h"
#include "itdd/host/json_range.h"

namespace itdd::host {
namespace {

constexpr std::int64_t kMilli = 1'000;      // °C to m°C, kPa to Pa
constexpr std::int64_t kMicro = 1'000'000;  // mL to nL, mPa·s to nPa·s
using Provenances = std::vector<std::pair<std::string, std::string>>;

JsonValue figure(const JsonObject& parent, std::string_view key, Provenances& out) {
  FigureReading f = read_figure(parent.required(key));
  out.emplace_back(std::string(key), f.note.label());
  return f.value;
}

std::int64_t figure_in(const JsonObject& parent, std::string_view key, Provenances& out,
                       std::int64_t scale, const Range& range) {
  return decimal_in(figure(parent, key, out), scale, range);
}

// A table figure: {"value": [{x_key: .., y_key: ..}, ...], "source"|"unconfirmed": ...}, x
// rising strictly, y rising (`rising`) or falling strictly, 2 to 16 points.
std::vector<CurvePoint> curve(const JsonObject& parent, std::string_view key, Provenances& out,
                              std::string_view x_key, std::int64_t x_scale, const Range& x_range,
                              std::string_view y_key, std::int64_t y_scale, const Range& y_range,
                              bool rising) {
  const JsonValue table = figure(parent, key, out);
  const std::vector<JsonValue> rows = table.array();
  if (rows.size() < 2 || rows.size() > 16) table.refuse("needs between 2 and 16 points");
  std::vector<CurvePoint> points;
  for (const JsonValue& row : rows) {
    const JsonObject o = row.object({x_key, y_key});
    const CurvePoint p{decimal_in(o.required(x_key), x_scale, x_range),
                       decimal_in(o.required(y_key), y_scale, y_range)};
    if (!points.empty()) {
      if (p.x <= points.back().x) o.required(x_key).refuse("must rise from point to point");
      if (rising ? p.y <= points.back().y : p.y >= points.back().y) {
        o.required(y_key).refuse(rising ? "must rise from point to point"
                                        : "must fall from point to point");
      }
    }
    points.push_back(p);
  }
  return points;
}

}  // namespace

std::int64_t interpolate(const std::vector<CurvePoint>& curve, std::int64_t x) {
  if (curve.empty()) return 0;
  if (x <= curve.front().x) return curve.front().y;
  if (x >= curve.back().x) return curve.back().y;
  std::size_t i = 1;
  while (curve[i].x < x) ++i;  // bounded: x < curve.back().x
  const CurvePoint& a = curve[i - 1];
  const CurvePoint& b = curve[i];
  const Int128 num = static_cast<Int128>(b.y - a.y) * (x - a.x);
  const std::int64_t dx = b.x - a.x;
  Int128 step = num / dx;
  if (num % dx != 0 && num < 0) --step;  // toward negative infinity
  return a.y + static_cast<std::int64_t>(step);
}

PumpKind model_kind(const JsonValue& model) {
  const std::optional<JsonValue> kind = model.member("kind");
  if (!kind) return PumpKind::kPeristaltic;
  const std::string text = kind->string();
  if (text == kind_name(PumpKind::kPeristaltic)) return PumpKind::kPeristaltic;
  if (text == kind_name(PumpKind::kGasFixedRate)) return PumpKind::kGasFixedRate;
  kind->refuse(fmt::format("\"{}\" is not a pump kind itdd knows (allowed: \"{}\", \"{}\")", text,
                           kind_name(PumpKind::kPeristaltic), kind_name(PumpKind::kGasFixedRate)));
}

std::string mr_conditions_text(const JsonValue& value) {
  std::string text = value.string();
  if (text.size() < 10 || text.size() > 600) {
    value.refuse(
        "must be a sentence of 10 to 600 characters saying under which conditions a "
        "scan is allowed");
  }
  return text;
}

CatheterRange read_catheter_range(const JsonObject& model, Provenances& out) {
  CatheterRange c;
  c.max_length_mm =
      figure_in(model, "max_catheter_length_cm", out, 10, Range{1, 10'000, false, "cm", ""});
  c.min_length_mm = figure_in(model, "min_catheter_length_cm", out, 10,
                              Range{1, c.max_length_mm, false, "cm", "the maximum length"});
  const std::int64_t max_nl = figure_in(model, "max_catheter_volume_ml", out, kMicro,
                                        Range{0, 10 * kMicro, false, "mL", ""});
  c.max_volume = Volume(max_nl);
  c.min_volume = Volume(figure_in(model, "min_catheter_volume_ml", out, kMicro,
                                  Range{0, max_nl, false, "mL", "the maximum volume"}));
  return c;
}

GasPumpSpec read_gas_model(const JsonValue& model, const std::string& name) {
  const JsonObject r =
      model.object({"kind", "description", "reservoir_capacity_ml", "nominal_flow_ml_per_day",
                    "flow_tolerance_percent", "residual_volume_ml", "low_reservoir_default_ml",
                    "reference_temperature_c", "reference_ambient_kpa", "reference_intrathecal_kpa",
                    "bellows_pressure_swing_kpa", "propellant_vapour_pressure",
                    "solution_viscosity", "mr_conditions", "min_catheter_length_cm",
                    "max_catheter_length_cm", "min_catheter_volume_ml", "max_catheter_volume_ml"});
  GasPumpSpec spec;
  Provenances& p = spec.provenance;
  spec.name = name;
  spec.description = r.string("description");
  spec.mr_conditions = mr_conditions_text(figure(r, "mr_conditions", p));
  const std::int64_t capacity =
      figure_in(r, "reservoir_capacity_ml", p, kMicro, Range{0, 100 * kMicro, true, "mL", ""});
  spec.reservoir_capacity = Volume(capacity);
  spec.nominal_flow = FlowRate(figure_in(r, "nominal_flow_ml_per_day", p, kMicro,
                                         Range{0, 100 * kMicro, true, "mL/day", ""}));
  // Tenths of a percent.
  spec.flow_tolerance_permille = static_cast<std::int32_t>(
      figure_in(r, "flow_tolerance_percent", p, 10, Range{0, 500, false, "%", ""}));
  spec.residual_volume =
      Volume(figure_in(r, "residual_volume_ml", p, kMicro,
                       Range{0, capacity / 2, false, "mL", "half the reservoir"}));
  spec.low_reservoir_default =
      Volume(figure_in(r, "low_reservoir_default_ml", p, kMicro,
                       Range{0, capacity / 2, false, "mL", "half the reservoir"}));
  spec.reference_temperature_mc = figure_in(r, "reference_temperature_c", p, kMilli,
                                            Range{30 * kMilli, 45 * kMilli, false, "°C", ""});
  spec.reference_ambient_pa =
      figure_in(r, "reference_ambient_kpa", p, kMilli, Range{0, 1'000 * kMilli, true, "kPa", ""});
  spec.reference_intrathecal_pa =
      figure_in(r, "reference_intrathecal_kpa", p, kMilli, Range{0, 10 * kMilli, false, "kPa", ""});
  spec.bellows_swing_pa = figure_in(r, "bellows_pressure_swing_kpa", p, kMilli,
                                    Range{0, 100 * kMilli, false, "kPa", ""});
  const Range temperatures{0, 100 * kMilli, false, "°C", ""};
  spec.vapour_pressure = curve(r, "propellant_vapour_pressure", p, "celsius", kMilli, temperatures,
                               "kpa", kMilli, Range{0, 10'000 * kMilli, true, "kPa", ""}, true);
  spec.viscosity = curve(r, "solution_viscosity", p, "celsius", kMilli, temperatures, "mpa_s",
                         kMicro, Range{0, 100 * kMicro, true, "mPa s", ""}, false);
  // The catheters it is implanted with (the clinic database refuses one outside them).
  const CatheterRange catheters = read_catheter_range(r, p);
  spec.min_catheter_length_mm = catheters.min_length_mm;
  spec.max_catheter_length_mm = catheters.max_length_mm;
  spec.min_catheter_volume = catheters.min_volume;
  spec.max_catheter_volume = catheters.max_volume;
  if (spec.viscosity.front().x != spec.vapour_pressure.front().x ||
      spec.viscosity.back().x != spec.vapour_pressure.back().x) {
    refuse(r.path_of("solution_viscosity.value"),
           "must cover the same temperatures as propellant_vapour_pressure (first and last "
           "points)");
  }
  if (spec.reference_temperature_mc < spec.min_temperature_mc() ||
      spec.reference_temperature_mc > spec.max_temperature_mc()) {
    refuse(r.path_of("reference_temperature_c.value"),
           "must lie within the temperatures of propellant_vapour_pressure");
  }
  // The label's flow needs the propellant to push: its pressure at the reference temperature
  // above the ambient and intrathecal pressures.
  const std::int64_t drive = interpolate(spec.vapour_pressure, spec.reference_temperature_mc) -
                             spec.reference_ambient_pa - spec.reference_intrathecal_pa;
  if (drive <= spec.bellows_swing_pa) {
    refuse(r.path_of("propellant_vapour_pressure.value"),
           fmt::format("at the reference temperature must exceed the reference ambient and "
                       "intrathecal pressures by more than the bellows' swing (it exceeds them "
                       "by {} Pa)",
                       drive));
  }
  return spec;
}

Environment read_environment(const JsonValue& environment) {
  const JsonObject r = environment.object({"standard_atmosphere", "seawater_kpa_per_m"});
  Environment env;
  env.standard_atmosphere = curve(r, "standard_atmosphere", env.provenance, "altitude_m", 1,
                                  Range{0, 20'000, false, "m", ""}, "kpa", kMilli,
                                  Range{0, 200 * kMilli, true, "kPa", ""}, false);
  if (env.standard_atmosphere.front().x != 0) {
    refuse(r.path_of("standard_atmosphere.value[0].altitude_m"), "must be 0 (sea level)");
  }
  env.seawater_pa_per_m = figure_in(r, "seawater_kpa_per_m", env.provenance, kMilli,
                                    Range{0, 100 * kMilli, true, "kPa/m", ""});
  return env;
}

}  // namespace itdd::host

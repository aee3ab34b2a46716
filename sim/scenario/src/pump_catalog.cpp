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

// A figure: {"value": x, "source": "..."} or {"value": x, "unconfirmed": "..."}.
double figure(const ObjectReader& parent, std::string_view key, PumpModelSpec& spec) {
  const ObjectReader r(parent.required(key), parent.path_of(key),
                       {"value", "source", "unconfirmed"});
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
  return r.number("value");
}

std::int64_t scaled(double value, double factor) {
  return static_cast<std::int64_t>(std::llround(value * factor));
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

  const ObjectReader b(r.required("battery"), r.path_of("battery"),
                       {"capacity_j", "nominal_voltage_v", "sleep_current_ua", "stroke_energy_uj"});
  sim::BatteryParams& battery = spec.battery;
  battery.capacity_uj = scaled(detail::above_and_at_most(figure(b, "capacity_j", spec), 0, 1e6,
                                                         b.path_of("capacity_j.value"), "J"),
                               1e6);
  battery.nominal_voltage_mv =
      scaled(detail::above_and_at_most(figure(b, "nominal_voltage_v", spec), 0, 10,
                                       b.path_of("nominal_voltage_v.value"), "V"),
             1e3);
  battery.sleep_current_na = scaled(detail::in_range(figure(b, "sleep_current_ua", spec), 0, 1000,
                                                     b.path_of("sleep_current_ua.value"), "uA"),
                                    1e3);
  battery.stroke_energy_uj = scaled(detail::in_range(figure(b, "stroke_energy_uj", spec), 0, 1e6,
                                                     b.path_of("stroke_energy_uj.value"), "uJ"),
                                    1);
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

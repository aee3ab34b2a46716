// The reader of gas-pump scenarios (gas_scenario.h), on the same host/text readers and the same
// field readers (reader.h) as every scenario.
#include "itdd/scenario/gas_scenario.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "itdd/host/decimal.h"
#include "itdd/host/wall_time.h"
#include "itdd/sim/sim_drug.h"
#include "reader.h"

namespace itdd::scenario {
namespace detail {
namespace {

constexpr std::int64_t kMaxDurationMinutes = 7305LL * 24 * 60;  // a scenario's longest
constexpr std::int64_t kMilli = 1'000;

std::string ml_text(Volume v) {
  return host::format_decimal(v.count(), kNanolitresPerMillilitre) + " mL";
}

const char* const kGasEventTypes = "refill, body_temperature, ambient_pressure";

// Event types of a programmable, motor-driven pump (docs/scenario-format.md).
bool needs_a_programmable_pump(std::string_view type) {
  for (std::string_view t :
       {"prescription", "clinician_bolus", "patient_bolus", "patient_bolus_series", "set_clock",
        "motor_stall", "occlusion", "stroke_drift", "power_cut", "ram_bit_flip", "clock_loss",
        "runaway_motor", "scheduler_fault", "faulty_cell"}) {
    if (type == t) return true;
  }
  return false;
}

std::vector<std::string_view> gas_keys_for(std::string_view type) {
  if (type == "refill") return {"at", "type", "volume_ml", "drug", "unit", "concentration"};
  if (type == "body_temperature") return {"at", "type", "celsius", "duration_min", "duration_days"};
  if (type == "ambient_pressure") {
    return {"at", "type", "kpa", "altitude_m", "depth_m", "duration_min", "duration_days"};
  }
  return {};
}

// A condition's end: `duration_min` or `duration_days` after `at`, cut at the scenario's end;
// neither: the scenario's end.
Duration read_until(const JsonObject& r, Duration at, Duration end) {
  if (r.has("duration_min") && r.has("duration_days")) {
    r.refuse("give \"duration_min\" or \"duration_days\", not both");
  }
  Duration length = end;
  if (r.has("duration_min")) {
    length = minutes_in(r.required("duration_min"), 1, kMaxDurationMinutes);
  } else if (r.has("duration_days")) {
    length = Duration(
        decimal_in(r.required("duration_days"), 1000, Range{0, 7305 * 1000, true, "days", ""}) *
        (kMillisPerDay / 1000));
  }
  return at + length < end ? at + length : end;
}

struct PendingGasEvent {
  Duration at{};
  std::string type;
  JsonValue json;
};

void read_gas_events(const JsonObject& top, const PumpCatalog& catalog, GasScenario& s) {
  const std::optional<JsonValue> events = top.optional("events");
  if (!events) return;
  const std::vector<JsonValue> list = events->array();
  if (list.size() > kMaxScenarioEvents) {
    events->refuse(fmt::format("too many events: at most {}", kMaxScenarioEvents));
  }
  std::vector<PendingGasEvent> pending;
  for (const JsonValue& j : list) {
    const std::optional<JsonValue> type = j.member("type");
    if (!type) host::refuse(j.path_of("type"), "is missing");
    const std::string name = type->string();
    if (needs_a_programmable_pump(name)) {
      type->refuse(fmt::format(
          "\"{}\" needs a programmable pump; \"{}\" is a fixed-rate gas-driven pump, which "
          "cannot be programmed, takes no bolus, keeps no clock and has no motor: its dose "
          "changes only with the concentration put in at a refill (events for it: {})",
          name, s.pump.name, kGasEventTypes));
    }
    if (gas_keys_for(name).empty()) {
      type->refuse(fmt::format("unknown event type \"{}\" (known for a gas-driven pump: {})", name,
                               kGasEventTypes));
    }
    const JsonObject r = j.object(gas_keys_for(name));
    const Duration at = read_event_at(r, s.duration);
    pending.push_back(PendingGasEvent{at, name, j});
  }
  std::stable_sort(pending.begin(), pending.end(),
                   [](const PendingGasEvent& a, const PendingGasEvent& b) { return a.at < b.at; });

  Solution current = s.initial_solution;
  std::vector<std::string> drug_names{current.drug_name};
  const host::GasPumpSpec& pump = s.pump;
  const host::Environment& env = catalog.environment();
  for (const PendingGasEvent& p : pending) {
    const JsonObject r = p.json.object(gas_keys_for(p.type));
    if (p.type == "refill") {
      Solution next = current;
      if (r.has("drug")) next.drug_name = read_drug_name(r, "drug");
      const bool drug_changes = next.drug_name != current.drug_name;
      if (std::find(drug_names.begin(), drug_names.end(), next.drug_name) == drug_names.end()) {
        if (drug_names.size() == sim::kMaxDrugs) {
          host::refuse(
              r.path_of("drug"),
              fmt::format("a scenario may give at most {} different drugs", sim::kMaxDrugs));
        }
        drug_names.push_back(next.drug_name);
      }
      if (r.has("unit")) {
        next.unit = read_unit(r, "unit");
      } else if (drug_changes) {
        host::refuse(r.path_of("unit"), "is required when the refill changes the drug");
      }
      if (r.has("concentration")) {
        next.concentration = read_concentration(r, "concentration", next.unit);
      } else if (drug_changes || next.unit != current.unit) {
        host::refuse(r.path_of("concentration"),
                     "is required when the refill changes the drug or its unit");
      }
      GasRefillEvent refill;
      refill.volume =
          read_ml(r, "volume_ml", false, pump.reservoir_capacity, "the reservoir's capacity");
      if (refill.volume <= pump.residual_volume) {
        r.required("volume_ml")
            .refuse(fmt::format("must be above the residual volume ({}) the pump cannot deliver",
                                ml_text(pump.residual_volume)));
      }
      refill.solution = next;
      current = next;
      s.events.push_back({p.at, p.at, r.path(), refill});
    } else if (p.type == "body_temperature") {
      const std::int64_t mc =
          decimal_in(r.required("celsius"), kMilli,
                     Range{pump.min_temperature_mc(), pump.max_temperature_mc(), false, "°C",
                           "the temperatures the pump model's curves cover"});
      s.events.push_back(
          {p.at, read_until(r, p.at, s.duration), r.path(), BodyTemperatureEvent{mc}});
    } else {
      const int given =
          (r.has("kpa") ? 1 : 0) + (r.has("altitude_m") ? 1 : 0) + (r.has("depth_m") ? 1 : 0);
      if (given != 1) {
        r.refuse("give one of \"kpa\" (absolute), \"altitude_m\" or \"depth_m\" (seawater)");
      }
      std::int64_t pa = 0;
      if (r.has("kpa")) {
        pa = decimal_in(r.required("kpa"), kMilli,
                        Range{20 * kMilli, 700 * kMilli, false, "kPa", ""});
      } else if (r.has("altitude_m")) {
        pa = env.pressure_at_altitude_pa(
            decimal_in(r.required("altitude_m"), 1,
                       Range{0, env.max_altitude_m(), false, "m",
                             "the highest altitude of the standard atmosphere's table"}));
      } else {
        // To the cm; at most 60 m (about 7 bar, past recreational diving).
        pa = env.pressure_at_depth_pa(
            decimal_in(r.required("depth_m"), 100, Range{0, 6'000, true, "m", ""}));
      }
      s.events.push_back(
          {p.at, read_until(r, p.at, s.duration), r.path(), AmbientPressureEvent{pa}});
    }
  }
}

GasScenario read_gas_scenario(const JsonValue& root, const PumpCatalog& catalog) {
  // What only a programmable pump has, refused by name before the keys are judged.
  if (const std::optional<JsonValue> rx = root.member("prescription")) {
    rx->refuse(
        "a fixed-rate gas-driven pump cannot be programmed: its dose per day is its flow times "
        "the concentration in the reservoir (change the concentration with a refill event)");
  }
  if (const std::optional<JsonValue> prime = root.member("prime")) {
    prime->refuse("a fixed-rate gas-driven pump cannot prime its catheter (it has no motor)");
  }
  const JsonObject top =
      root.object({"name", "description", "pump", "catheter", "drug", "initial_fill_ml", "start",
                   "duration_days", "events", "patient"});
  GasScenario s;
  s.name = top.string("name");
  if (top.has("description")) (void)top.required("description").string_or_empty();
  const JsonObject pump = top.required("pump").object({"model"});
  const std::string model = pump.string("model");
  const host::GasPumpSpec* spec = catalog.find_gas(model);
  if (spec == nullptr) {
    pump.required("model").refuse(
        fmt::format("\"{}\" is not a fixed-rate gas-driven model in the catalog", model));
  }
  s.pump = *spec;
  s.body_temperature_mc = spec->reference_temperature_mc;
  s.ambient_pa = spec->reference_ambient_pa;
  s.intrathecal_pa = spec->reference_intrathecal_pa;
  read_catheter_of(top, s.catheter_volume, s.catheter_starts_with_drug);
  s.initial_solution = read_first_drug(top);
  s.initial_fill =
      read_ml(top, "initial_fill_ml", false, spec->reservoir_capacity, "the reservoir's capacity");
  if (s.initial_fill <= spec->residual_volume) {
    top.required("initial_fill_ml")
        .refuse(fmt::format("must be above the residual volume ({}) the pump cannot deliver",
                            ml_text(spec->residual_volume)));
  }
  read_timing(top, s.start, s.duration);
  read_gas_events(top, catalog, s);
  if (top.has("patient")) s.patient = sim::read_patient_overrides(top.required("patient"));
  return s;
}

// The model the file names, without judging anything else ("" when there is none to read).
std::string model_named(const JsonValue& root) {
  if (!root.json().is_object()) return "";
  const std::optional<JsonValue> pump = root.member("pump");
  if (!pump || !pump->json().is_object()) return "";
  const std::optional<JsonValue> model = pump->member("model");
  if (!model || !model->json().is_string()) return "";
  return model->json().get<std::string>();
}

}  // namespace
}  // namespace detail

host::Checked<GasScenario> parse_gas_scenario_text(std::string_view text,
                                                   const PumpCatalog& catalog) {
  return host::read_json(text, [&catalog](const host::JsonValue& root) {
    return detail::read_gas_scenario(root, catalog);
  });
}

namespace {

AnyScenario read_any(const host::JsonValue& root, const PumpCatalog& catalog);

}  // namespace

host::Checked<AnyScenario> parse_any_scenario_text(std::string_view text,
                                                   const PumpCatalog& catalog) {
  return host::read_json(
      text, [&catalog](const host::JsonValue& root) { return read_any(root, catalog); });
}

host::Checked<AnyScenario> load_any_scenario_file(const std::filesystem::path& file,
                                                  const PumpCatalog& catalog) {
  return host::read_json_file(
      file, [&catalog](const host::JsonValue& root) { return read_any(root, catalog); });
}

std::vector<DrugGiven> drugs_given(const GasScenario& scenario) {
  std::vector<DrugGiven> out{{scenario.initial_solution.drug_name, scenario.initial_solution.unit}};
  for (const GasScenarioEvent& e : scenario.events) {
    if (const auto* r = std::get_if<GasRefillEvent>(&e.action)) {
      if (drug_position(out, r->solution.drug_name) == out.size()) {
        out.push_back({r->solution.drug_name, r->solution.unit});
      }
    }
  }
  return out;
}

namespace {

AnyScenario read_any(const host::JsonValue& root, const PumpCatalog& catalog) {
  if (catalog.kind_of(detail::model_named(root)) == host::PumpKind::kGasFixedRate) {
    return AnyScenario{detail::read_gas_scenario(root, catalog)};
  }
  return AnyScenario{detail::read_scenario_for_any(root, catalog)};
}

}  // namespace

}  // namespace itdd::scenario

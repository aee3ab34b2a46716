#include "itdd/sim/fleet/pump_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

#include "itdd/host/decimal.h"
#include "itdd/sim/fleet/pump_stream.h"
#include "wide.h"

namespace itdd::sim::fleet {
namespace {

// The population's draws, each its own item of Purpose::kPopulation.
enum PopulationItem : std::uint64_t {
  kModel,
  kDrug,
  kConcentration,
  kDose,
  kCatheter,
  kStrokeSeed,
  kPatient,
  kPatientVolume,
};

// Index drawn by shares (at kProbabilityScale, adding up to it).
template <class T>
std::size_t by_share(const std::vector<T>& items, std::uint64_t draw) {
  std::uint64_t acc = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    acc += static_cast<std::uint64_t>(items[i].share);
    if (draw < acc) return i;
  }
  return items.size() - 1;
}

// A JSON string, escaped.
std::string quoted(const std::string& text) {
  return nlohmann::json(text).dump();
}

std::string ml(std::int64_t nl) {
  return host::format_decimal(nl, kNanolitresPerMillilitre);
}

// "day D HH:MM" for a minute of elapsed time.
std::string at(std::int64_t minute) {
  return fmt::format("\"day {} {:02}:{:02}\"", minute / 1440, minute % 1440 / 60, minute % 60);
}

struct Event {
  std::int64_t minute = 0;
  std::string body;  // the keys after "at"
};

// When the practice refills: at the interval, or `margin` days before the nominal flow empties
// the reservoir if that is sooner; later for a late patient; sooner for one who heard the
// low-reservoir alarm and called.
struct RefillPlanner {
  const Practice& practice;
  const PumpStream& stream;

  // The minute of the next refill after a fill at `fill_minute` that the nominal rate empties
  // `empty_minutes` and reaches its low-reservoir volume `low_minutes` later (-1: no alarm),
  // the refill being the `ordinal`-th.
  std::int64_t next(std::int64_t fill_minute, std::int64_t empty_minutes, std::int64_t low_minutes,
                    std::uint64_t ordinal) const {
    const std::int64_t empty_day = empty_minutes / 1440;
    std::int64_t day =
        std::min(practice.refill_interval_days, empty_day - practice.refill_margin_days);
    day = std::max<std::int64_t>(day, 1);
    if (practice.late_probability > 0 &&
        stream.chance(Purpose::kPractice, ordinal, 0, practice.late_probability)) {
      day += stream.in(Purpose::kPractice, ordinal, 1, Span{1, practice.late_max_days});
    }
    if (low_minutes >= 0 && practice.respond_probability > 0 &&
        stream.chance(Purpose::kPractice, ordinal, 2, practice.respond_probability)) {
      const std::int64_t respond_day =
          low_minutes / 1440 + 1 +
          stream.in(Purpose::kPractice, ordinal, 3, Span{0, practice.respond_max_days});
      day = std::min(day, respond_day);
    }
    // In clinic hours, 09:00 to 16:59.
    const std::int64_t minute_of_day =
        9 * 60 + stream.in(Purpose::kPractice, ordinal, 4, Span{0, 8 * 60 - 1});
    return (fill_minute / 1440 + day) * 1440 + minute_of_day;
  }
};

}  // namespace

PumpPlan plan_pump(const Campaign& campaign, std::size_t practice_index, std::int64_t index,
                   const host::PumpCatalog& models, const CsfCatalog& csf) {
  const Population& pop = campaign.population;
  const Practice& practice = campaign.practices.at(practice_index);
  const Faults& faults = campaign.faults;
  const PumpStream s(campaign.seed, static_cast<std::uint64_t>(index));
  constexpr auto P = Purpose::kPopulation;

  PumpPlan plan;
  plan.index = index;
  plan.model = by_share(pop.models, s.below(P, kModel, 0, kProbabilityScale));
  plan.drug = by_share(pop.drugs, s.below(P, kDrug, 0, kProbabilityScale));
  const ModelShare& model = pop.models[plan.model];
  const DrugMix& drug = pop.drugs[plan.drug];
  plan.gas = model.gas;
  const std::int64_t dose = s.in(P, kDose, 0, drug.dose_ng_per_day);
  const std::int64_t length_mm = s.in(P, kCatheter, 0, pop.catheter_length_mm);
  const std::int64_t per_unit = nanograms_per(drug.unit);
  const char* unit = drug.unit == DoseUnit::kMilligram ? "mg" : "mcg";
  const std::int64_t end_minute = campaign.duration().count() / kMillisPerMinute;

  std::int64_t capacity = 0;
  std::int64_t usable = 0;   // of a full reservoir, what the nominal flow delivers
  std::int64_t low = -1;     // the low-reservoir alarm's volume (none for a gas pump)
  std::int64_t per_day = 0;  // nominal nL/day
  std::int64_t concentration = 0;
  std::int64_t first_fill_loss = 0;  // the first fill's priming
  if (model.gas) {
    const host::GasPumpSpec& g = *models.find_gas(model.model);
    capacity = g.reservoir_capacity.count();
    usable = capacity - g.residual_volume.count();
    per_day = g.nominal_flow.count();
    // The dose the draw asked for at the nominal flow, rounded down to the ng/mL.
    concentration = std::max<std::int64_t>(
        1,
        static_cast<std::int64_t>(static_cast<Int128>(dose) * kNanolitresPerMillilitre / per_day));
  } else {
    const therapy::PumpModel& m = models.find(model.model)->model;
    capacity = m.reservoir_capacity.count();
    usable = capacity;
    low = m.low_reservoir_default.count();
    concentration = drug.concentrations[s.below(P, kConcentration, 0, drug.concentrations.size())];
    per_day = static_cast<std::int64_t>(static_cast<Int128>(dose) * kNanolitresPerMillilitre /
                                        concentration);
    first_fill_loss =
        m.pump_dead_volume.count() +
        static_cast<std::int64_t>(static_cast<Int128>(length_mm) * pop.catheter_nl_per_cm / 10);
  }

  std::vector<Event> events;
  // Refills by the practice.
  std::int64_t fill_minute = 0;
  std::int64_t available = usable - first_fill_loss;
  const RefillPlanner planner{practice, s};
  for (std::uint64_t ordinal = 0;; ++ordinal) {
    const std::int64_t empty_minutes =
        static_cast<std::int64_t>(static_cast<Int128>(available) * 1440 / per_day);
    const std::int64_t low_minutes =
        low < 0
            ? -1
            : static_cast<std::int64_t>(
                  static_cast<Int128>(std::max<std::int64_t>(available - low, 0)) * 1440 / per_day);
    const std::int64_t minute = planner.next(fill_minute, empty_minutes, low_minutes, ordinal);
    if (minute >= end_minute) break;
    std::string body = fmt::format("\"type\": \"refill\", \"volume_ml\": {}", ml(capacity));
    if (!model.gas && faults.pocket_fill_per_refill > 0 &&
        s.chance(Purpose::kPocketFill, ordinal, 0, faults.pocket_fill_per_refill)) {
      const std::int64_t percent =
          s.in(Purpose::kPocketFill, ordinal, 1, faults.pocket_fill_percent_of_refill);
      body += fmt::format(", \"pocket_fill_ml\": {}", ml(capacity * percent / 100));
      ++plan.pocket_fills;
    }
    events.push_back({minute, std::move(body)});
    ++plan.refills;
    fill_minute = minute;
    available = usable;
  }

  // Faults: a Bernoulli trial a day for each, at a minute drawn within the day.
  const std::string prescription = fmt::format("{{\"mode\": \"continuous\", \"dose_per_day\": {}}}",
                                               host::format_decimal(dose, per_unit));
  const auto daily = [&](Purpose purpose, const FaultRate& f, std::int64_t& count,
                         const auto& make) {
    if (model.gas || f.per_pump_year == 0) return;
    const std::int64_t p = daily_probability(f.per_pump_year);
    for (std::int64_t day = 0; day * 1440 < end_minute; ++day) {
      const auto d = static_cast<std::uint64_t>(day);
      if (!s.chance(purpose, d, 0, p)) continue;
      const std::int64_t minute = day * 1440 + s.in(purpose, d, 1, Span{0, 1439});
      if (minute >= end_minute) continue;
      if (make(minute, s.in(purpose, d, 2, f.a), s.in(purpose, d, 3, f.minutes))) ++count;
    }
  };
  daily(Purpose::kStrokeDrift, faults.stroke_drift, plan.drift_faults,
        [&](std::int64_t m, std::int64_t a, std::int64_t) {
          events.push_back({m, fmt::format("\"type\": \"stroke_drift\", \"percent\": {}", a)});
          return true;
        });
  daily(
      Purpose::kMriStall, faults.mri_stall, plan.stall_faults,
      [&](std::int64_t m, std::int64_t, std::int64_t len) {
        events.push_back({m, fmt::format("\"type\": \"motor_stall\", \"duration_min\": {}", len)});
        return true;
      });
  daily(Purpose::kOcclusion, faults.occlusion, plan.occlusion_faults,
        [&](std::int64_t m, std::int64_t a, std::int64_t len) {
          events.push_back({m, fmt::format("\"type\": \"occlusion\", \"load_percent\": {}, "
                                           "\"duration_min\": {}",
                                           a, len)});
          return true;
        });
  daily(Purpose::kCellFault, faults.cell_fault, plan.cell_faults,
        [&](std::int64_t m, std::int64_t a, std::int64_t) {
          if (plan.cell_faults > 0) return false;  // one faulty cell a pump
          events.push_back({m, fmt::format("\"type\": \"faulty_cell\", "
                                           "\"capacity_loss_percent\": {}",
                                           a)});
          return true;
        });
  daily(Purpose::kPowerCut, faults.power_cut, plan.power_cuts,
        [&](std::int64_t m, std::int64_t, std::int64_t len) {
          events.push_back({m, fmt::format("\"type\": \"power_cut\", \"duration_min\": {}", len)});
          return true;
        });
  daily(Purpose::kRunawayMotor, faults.runaway_motor, plan.runaway_faults,
        [&](std::int64_t m, std::int64_t a, std::int64_t len) {
          events.push_back({m, fmt::format("\"type\": \"runaway_motor\", \"strokes_per_hour\": {}, "
                                           "\"duration_min\": {}",
                                           a, len)});
          // The clinic sees the trip and programs the therapy again a day after the runaway.
          const std::int64_t restart = m + len + 1440;
          if (restart < end_minute) {
            events.push_back(
                {restart, "\"type\": \"prescription\", \"prescription\": " + prescription});
          }
          return true;
        });
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& a, const Event& b) { return a.minute < b.minute; });

  // The virtual patient, with the pump's own drug volume of distribution.
  std::string patient;
  if (pop.patient_share > 0 && s.chance(P, kPatient, 0, pop.patient_share)) {
    plan.patient = true;
    const CsfDrug* pk = csf.find(drug.name);
    const std::int64_t v = pop.patient_volume_variability_percent;
    const std::int64_t percent = 100 + s.in(P, kPatientVolume, 0, Span{-v, v});
    const std::int64_t volume_nl = pk->params.volume_nl * percent / 100;
    patient = fmt::format(",\n  \"patient\": {{\"drugs\": {{\"{}\": {{\"volume_ml\": {}}}}}}}",
                          drug.name, ml(volume_nl));
  }

  std::string text = fmt::format(
      "{{\n  \"name\": {},\n  \"description\": {},\n",
      quoted(fmt::format("{} / {}: pump {}", campaign.name, practice.name, index)),
      quoted(fmt::format("Generated by the fleet campaign (seed {}) under the practice '{}'; "
                         "`itdd sim run` on this file replays this pump alone.",
                         campaign.seed, practice.name)));
  if (model.gas) {
    text += fmt::format("  \"pump\": {{\"model\": \"{}\"}},\n", model.model);
  } else {
    text += fmt::format(
        "  \"pump\": {{\"model\": \"{}\", \"stroke_variability_percent\": {}, \"seed\": {}}},\n",
        model.model, host::format_decimal(pop.stroke_variability_milli_percent, 1000),
        s.below(P, kStrokeSeed, 0, 9'007'199'254'740'992ULL));
  }
  text += fmt::format(
      "  \"catheter\": {{\"length_cm\": {}, \"ml_per_cm\": {}{}}},\n"
      "  \"drug\": {{\"name\": \"{}\", \"unit\": \"{}\", \"concentration\": {}}},\n"
      "  \"initial_fill_ml\": {},\n  \"start\": \"{}\",\n  \"duration_days\": {},\n",
      host::format_decimal(length_mm, 10), ml(pop.catheter_nl_per_cm),
      model.gas ? ", \"starts_with\": \"drug\"" : "", drug.name, unit,
      host::format_decimal(concentration, per_unit), ml(capacity), campaign.start,
      host::format_decimal(campaign.duration().count() / (kMillisPerDay / 1000), 1000));
  if (!model.gas) {
    text += "  \"prime\": true,\n  \"prescription\": " + prescription + ",\n";
  }
  text += "  \"events\": [";
  for (std::size_t i = 0; i < events.size(); ++i) {
    text += fmt::format("{}\n    {{\"at\": {}, {}}}", i == 0 ? "" : ",", at(events[i].minute),
                        events[i].body);
  }
  text += events.empty() ? "]" : "\n  ]";
  text += patient + "\n}\n";
  plan.scenario_json = std::move(text);
  return plan;
}

}  // namespace itdd::sim::fleet

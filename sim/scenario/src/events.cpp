// The events of a scenario file, read in time order and played forward against the pump.
#include <fmt/format.h>

#include <algorithm>

#include "itdd/delivery/stroke_scheduler.h"
#include "itdd/host/decimal.h"
#include "itdd/host/error_text.h"
#include "itdd/host/wall_time.h"
#include "itdd/sim/sim_drug.h"
#include "reader.h"

namespace itdd::scenario::detail {
namespace {

constexpr std::int64_t kMaxClockShiftMinutes = 7 * 24 * 60;

std::string ml_text(Volume v) {
  return host::format_decimal(v.count(), kNanolitresPerMillilitre) + " mL";
}

// What the scenario has put in the pump so far, walking events in time order, so each event is
// checked against the state the engine will be in.
struct Timeline {
  Solution solution;
  therapy::Prescription prescription;
  RxPaths rx_paths;
  std::vector<std::string> drug_names;  // every drug given so far, each once
};

struct PendingEvent {
  Duration at{};
  std::string type;
  JsonValue json;
};

RefillEvent read_refill(const JsonObject& r, const Scenario& s, Timeline& t) {
  RefillEvent refill;
  const PumpModelSpec& pump = s.pump.spec;
  Solution next = t.solution;
  if (r.has("drug")) next.drug_name = read_drug_name(r, "drug");
  const bool drug_changes = next.drug_name != t.solution.drug_name;
  if (std::find(t.drug_names.begin(), t.drug_names.end(), next.drug_name) == t.drug_names.end()) {
    // The simulated body keeps each drug's total in a fixed array (sim/hal/sim_drug.h).
    if (t.drug_names.size() == sim::kMaxDrugs) {
      host::refuse(r.path_of("drug"),
                   fmt::format("a scenario may give at most {} different drugs; \"{}\" would be "
                               "drug {}",
                               sim::kMaxDrugs, next.drug_name, sim::kMaxDrugs + 1));
    }
    t.drug_names.push_back(next.drug_name);
  }
  if (r.has("unit")) {
    next.unit = read_unit(r, "unit");
  } else if (drug_changes) {
    host::refuse(r.path_of("unit"), "is required when the refill changes the drug");
  }
  if (r.has("concentration")) {
    next.concentration = read_concentration(r, "concentration", next.unit);
  } else if (drug_changes || next.unit != t.solution.unit) {
    host::refuse(r.path_of("concentration"),
                 "is required when the refill changes the drug or its unit");
  }
  refill.volume =
      read_ml(r, "volume_ml", false, pump.model.reservoir_capacity, "the reservoir's capacity");
  refill.low_threshold = s.low_reservoir;
  if (r.has("low_reservoir_ml")) {
    refill.low_threshold = read_ml(r, "low_reservoir_ml", false, pump.model.reservoir_capacity,
                                   "the reservoir's capacity");
  }
  if (refill.low_threshold >= refill.volume) {
    host::refuse(r.path_of(r.has("low_reservoir_ml") ? "low_reservoir_ml" : "volume_ml"),
                 fmt::format("the refilled volume must be above the low-reservoir threshold ({})",
                             ml_text(refill.low_threshold)));
  }
  refill.bridge = r.boolean_or("bridge", true);
  if (r.has("pocket_fill_ml")) {
    refill.pocket_fill = read_ml(r, "pocket_fill_ml", false, refill.volume, "the refilled volume");
  }
  refill.solution = next;

  // Mirror the engine's refill: the same drug keeps its doses at the new concentration (they
  // must still be deliverable), another drug stops therapy until a prescription follows.
  const std::string concentration_path =
      r.has("concentration") ? r.path_of("concentration") : r.path();
  const bool same_drug =
      next.drug() == t.prescription.drug && t.prescription.mode != therapy::BasalMode::kStopped;
  if (same_drug) {
    therapy::Prescription kept = t.prescription;
    kept.concentration = next.concentration;
    const Status status = therapy::validate(kept, pump.model);
    if (!status.ok()) {
      host::refuse(concentration_path,
                   fmt::format("the prescription in force cannot be delivered at this "
                               "concentration ({}: {}); program a new prescription before the "
                               "refill",
                               validate_error_path(status.error(), t.rx_paths, kept),
                               host::message_text(status.error())));
    }
    t.prescription = kept;
  } else {
    t.prescription = therapy::Prescription{};
    t.prescription.drug = next.drug();
    t.prescription.concentration = next.concentration;
  }
  t.solution = next;
  if (r.has("drug")) t.rx_paths.drug_path = r.path_of("drug");
  t.rx_paths.concentration_path = concentration_path;
  return refill;
}

ClinicianBolusEvent read_clinician_bolus(const JsonObject& r, const Scenario& s,
                                         const Timeline& t) {
  ClinicianBolusEvent bolus;
  const therapy::PumpModel& pump = s.pump.spec.model;
  bolus.dose = read_drug_amount(r, "dose", t.solution.unit, false, false);
  bolus.duration = minutes_in(r.required("duration_min"), 1, 24 * 60);
  const Volume volume = volume_holding(bolus.dose, t.solution.concentration);
  if (volume < pump.stroke_volume) {
    host::refuse(r.path_of("dose"),
                 fmt::format("smaller than one pump stroke ({} nL) at the concentration in the "
                             "reservoir then",
                             pump.stroke_volume.count()));
  }
  const FlowRate flow(itdd::detail::mul_div(volume.count(), kMillisPerDay, bolus.duration.count()));
  if (flow > pump.max_rate) {
    host::refuse(
        r.path_of("duration_min"),
        fmt::format("too short: the bolus would run at {} mL/day, above the pump's "
                    "maximum rate of {} mL/day",
                    host::format_decimal(flow.count(), kNanolitresPerMillilitre, 3),
                    host::format_decimal(pump.max_rate.count(), kNanolitresPerMillilitre)));
  }
  return bolus;
}

SetClockEvent read_set_clock(const JsonObject& r) {
  SetClockEvent clock;
  if (r.has("shift_minutes") == r.has("to")) {
    r.refuse("needs exactly one of \"shift_minutes\" or \"to\"");
  }
  if (r.has("to")) {
    const host::Checked<WallTime> to = host::parse_wall_time(r.string("to"));
    if (!to) r.required("to").refuse(to.error().message);
    clock.absolute = true;
    clock.to = *to;
  } else {
    const JsonValue v = r.required("shift_minutes");
    const std::int64_t shift =
        whole_in(v, Range{-kMaxClockShiftMinutes, kMaxClockShiftMinutes, false, "minutes", ""});
    if (shift == 0) v.refuse("must not be 0");
    clock.shift = minutes(shift);
  }
  return clock;
}

// A fault and, for one with a duration, its end (clipped to the end of the simulation).
void read_fault(const JsonObject& r, const PendingEvent& p, Scenario& s) {
  FaultEvent f;
  const std::string& source = r.path();
  const auto push = [&](Duration at, const FaultEvent& e, const std::string& from) {
    s.events.push_back({at, from, e});
  };
  const auto bounded = [&](std::string_view key, std::int64_t min, std::int64_t max,
                           std::string_view unit = "") {
    return whole_in(r.required(key), Range{min, max, false, unit, ""});
  };
  const auto push_end = [&](FaultKind end_kind, Duration length) {
    FaultEvent end;
    end.kind = end_kind;
    const Duration at = p.at + length < s.duration ? p.at + length : s.duration - Duration(1);
    push(at, end, source + " (end)");
  };
  const auto duration = [&](std::int64_t max_minutes) {
    return minutes_in(r.required("duration_min"), 1, max_minutes);
  };
  if (p.type == "motor_stall") {
    f.kind = FaultKind::kMotorStallStart;
    push(p.at, f, source);
    push_end(FaultKind::kMotorStallEnd, duration(30 * 24 * 60));
  } else if (p.type == "occlusion") {
    f.kind = FaultKind::kOcclusionStart;
    f.percent = bounded("load_percent", 100, 250, "%");
    push(p.at, f, source);
    if (r.has("duration_min")) push_end(FaultKind::kOcclusionEnd, duration(365 * 24 * 60));
  } else if (p.type == "stroke_drift") {
    f.kind = FaultKind::kStrokeDrift;
    f.percent = bounded("percent", 50, 200, "% of the nominal stroke");
    push(p.at, f, source);
  } else if (p.type == "power_cut") {
    f.kind = FaultKind::kPowerCut;
    push(p.at, f, source);
    push_end(FaultKind::kPowerRestore, duration(30 * 24 * 60));
  } else if (p.type == "ram_bit_flip") {
    f.kind = FaultKind::kRamBitFlip;
    const std::string target = r.string("target");
    if (target == "prescription") {
      f.target = RamTarget::kPrescription;
    } else if (target == "scheduler") {
      f.target = RamTarget::kScheduler;
    } else {
      r.required("target").refuse("must be \"prescription\" or \"scheduler\"");
    }
    const std::size_t size = f.target == RamTarget::kPrescription
                                 ? sizeof(therapy::Prescription)
                                 : sizeof(delivery::StrokeScheduler::State);
    f.byte = bounded("byte", 0, static_cast<std::int64_t>(size) - 1, "(offset into the target)");
    f.bit = bounded("bit", 0, 7);
    push(p.at, f, source);
  } else if (p.type == "clock_loss") {
    f.kind = FaultKind::kClockLoss;
    push(p.at, f, source);
  } else if (p.type == "runaway_motor") {
    f.kind = FaultKind::kRunawayStart;
    f.per_hour = bounded("strokes_per_hour", 1, 36'000);
    push(p.at, f, source);
    push_end(FaultKind::kRunawayEnd, duration(30 * 24 * 60));
  } else if (p.type == "scheduler_fault") {
    f.kind = FaultKind::kSchedulerFault;
    f.factor = bounded("factor", 2, 1000);
    push(p.at, f, source);
  } else if (p.type == "faulty_cell") {
    f.kind = FaultKind::kFaultyCell;
    // Capacity loss, a rising internal resistance (the resistive film), or both.
    f.percent = r.has("capacity_loss_percent") ? bounded("capacity_loss_percent", 0, 100, "%") : 0;
    f.resistance_ohm_per_day = r.has("resistance_rise_ohm_per_day")
                                   ? bounded("resistance_rise_ohm_per_day", 0, 10'000, "ohm/day")
                                   : 0;
    if (f.percent == 0 && f.resistance_ohm_per_day == 0) {
      r.refuse("needs capacity_loss_percent or resistance_rise_ohm_per_day above 0");
    }
    push(p.at, f, source);
  }
}

std::vector<std::string_view> keys_for(std::string_view type) {
  if (type == "refill") {
    return {"at",
            "type",
            "volume_ml",
            "drug",
            "unit",
            "concentration",
            "bridge",
            "low_reservoir_ml",
            "pocket_fill_ml"};
  }
  if (type == "prescription") return {"at", "type", "prescription"};
  if (type == "clinician_bolus") return {"at", "type", "dose", "duration_min"};
  if (type == "patient_bolus") return {"at", "type"};
  if (type == "patient_bolus_series") return {"at", "type", "every_min", "count"};
  if (type == "set_clock") return {"at", "type", "shift_minutes", "to"};
  if (type == "motor_stall") return {"at", "type", "duration_min"};
  if (type == "occlusion") return {"at", "type", "load_percent", "duration_min"};
  if (type == "stroke_drift") return {"at", "type", "percent"};
  if (type == "power_cut") return {"at", "type", "duration_min"};
  if (type == "ram_bit_flip") return {"at", "type", "target", "byte", "bit"};
  if (type == "clock_loss") return {"at", "type"};
  if (type == "runaway_motor") return {"at", "type", "strokes_per_hour", "duration_min"};
  if (type == "scheduler_fault") return {"at", "type", "factor"};
  if (type == "faulty_cell") {
    return {"at", "type", "capacity_loss_percent", "resistance_rise_ohm_per_day"};
  }
  return {};
}

}  // namespace

Duration read_event_at(const JsonObject& event, Duration duration) {
  const host::Checked<Duration> at = host::parse_elapsed(event.string("at"));
  if (!at) event.required("at").refuse(at.error().message);
  if (*at >= duration) {
    event.required("at").refuse(fmt::format("must be before the end of the simulation ({})",
                                            host::format_elapsed(duration)));
  }
  return *at;
}

void read_events(const JsonObject& top, Scenario& s) {
  const std::optional<JsonValue> events = top.optional("events");
  if (!events) return;
  const std::vector<JsonValue> list = events->array();
  if (list.size() > kMaxScenarioEvents) {
    events->refuse(fmt::format("too many events: at most {}", kMaxScenarioEvents));
  }

  // First the time and type of each, so the bodies can be read in time order.
  std::vector<PendingEvent> pending;
  for (const JsonValue& j : list) {
    const std::optional<JsonValue> type = j.member("type");
    if (!type) host::refuse(j.path_of("type"), "is missing");
    const std::string name = type->string();
    if (keys_for(name).empty()) {
      type->refuse(
          fmt::format("unknown event type \"{}\" (known: refill, prescription, clinician_bolus, "
                      "patient_bolus, patient_bolus_series, set_clock, motor_stall, occlusion, "
                      "stroke_drift, power_cut, ram_bit_flip, clock_loss, runaway_motor, "
                      "scheduler_fault, faulty_cell)",
                      name));
    }
    const JsonObject r = j.object(keys_for(name));
    const Duration at = read_event_at(r, s.duration);
    pending.push_back(PendingEvent{at, name, j});
  }
  std::stable_sort(pending.begin(), pending.end(),
                   [](const PendingEvent& a, const PendingEvent& b) { return a.at < b.at; });

  Timeline t{s.initial_solution,
             s.prescription,
             RxPaths{"prescription", "drug.name", "drug.concentration"},
             {s.initial_solution.drug_name}};
  for (const PendingEvent& p : pending) {
    const JsonObject r = p.json.object(keys_for(p.type));
    if (p.type == "refill") {
      s.events.push_back({p.at, r.path(), read_refill(r, s, t)});
    } else if (p.type == "prescription") {
      t.rx_paths.base = r.path_of("prescription");
      PrescriptionEvent e{std::make_shared<const therapy::Prescription>(
          read_prescription(r.required("prescription"), t.rx_paths, t.solution, s.pump.spec))};
      t.prescription = *e.prescription;
      s.events.push_back({p.at, r.path(), e});
    } else if (p.type == "clinician_bolus") {
      s.events.push_back({p.at, r.path(), read_clinician_bolus(r, s, t)});
    } else if (p.type == "patient_bolus") {
      s.events.push_back({p.at, r.path(), PatientBolusEvent{}});
    } else if (p.type == "patient_bolus_series") {
      const Duration every = minutes_in(r.required("every_min"), 1, 7 * 24 * 60);
      const JsonValue count_value = r.required("count");
      const std::int64_t count = whole_in(count_value, Range{1, 100'000, false, "", ""});
      if (s.events.size() + static_cast<std::size_t>(count) > kMaxScenarioEvents) {
        count_value.refuse(
            fmt::format("too many events: at most {} in a scenario, counting each "
                        "bolus of a series",
                        kMaxScenarioEvents));
      }
      const Duration last = p.at + every * (count - 1);
      if (last >= s.duration) {
        count_value.refuse(
            fmt::format("the last bolus of the series ({}) would be after the end "
                        "of the simulation ({})",
                        host::format_elapsed(last), host::format_elapsed(s.duration)));
      }
      for (std::int64_t k = 0; k < count; ++k) {
        s.events.push_back(
            {p.at + every * k, fmt::format("{} #{}", r.path(), k + 1), PatientBolusEvent{}});
      }
    } else if (p.type == "set_clock") {
      s.events.push_back({p.at, r.path(), read_set_clock(r)});
    } else {
      read_fault(r, p, s);
    }
  }
  // Series interleave with later events; equal times keep the order above.
  std::stable_sort(s.events.begin(), s.events.end(),
                   [](const ScenarioEvent& a, const ScenarioEvent& b) { return a.at < b.at; });
}

}  // namespace itdd::scenario::detail

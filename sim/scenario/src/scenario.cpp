#include "itdd/scenario/scenario.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>
#include <tuple>

#include "itdd/delivery/stroke_scheduler.h"
#include "itdd/scenario/local_time.h"
#include "json_reader.h"

namespace itdd::scenario {
namespace {

using detail::fail;
using detail::Json;
using detail::ObjectReader;

constexpr std::array<const char*, 7> kWeekdayKeys = {"mon", "tue", "wed", "thu",
                                                     "fri", "sat", "sun"};
constexpr double kMaxDurationDays = 7305;  // 20 years: past any pump's service life
constexpr double kMaxCatheterMl = 2;       // the engine's priming limit
constexpr std::int64_t kMaxClockShiftMinutes = 7 * 24 * 60;

std::string unit_text(DoseUnit unit) {
  return unit_name(unit);
}

// ---- small typed readers -------------------------------------------------------------------

Volume read_ml(const ObjectReader& r, std::string_view key, bool allow_zero) {
  return Volume(detail::to_base_units(r.number(key), kNanolitresPerMillilitre, r.path_of(key), "nL",
                                      allow_zero));
}

DrugAmount read_drug_amount(const ObjectReader& r, std::string_view key, DoseUnit unit,
                            bool allow_zero) {
  return DrugAmount(
      detail::to_base_units(r.number(key), nanograms_per(unit), r.path_of(key), "ng", allow_zero));
}

Duration read_minutes(const ObjectReader& r, std::string_view key, double min, double max) {
  const double value = detail::in_range(r.number(key), min, max, r.path_of(key), "minutes");
  return Duration(std::llround(value * static_cast<double>(kMillisPerMinute)));
}

std::string read_drug_name(const ObjectReader& r, std::string_view key) {
  const std::string name = r.string(key);
  if (name.empty() || name.size() >= therapy::kDrugNameLength) {
    fail(r.path_of(key), fmt::format("must be 1 to {} characters", therapy::kDrugNameLength - 1));
  }
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
      fail(r.path_of(key), "may hold only lowercase a-z, 0-9, '-' and '_'");
    }
  }
  return name;
}

DoseUnit read_unit(const ObjectReader& r, std::string_view key) {
  const std::string unit = r.string(key);
  if (unit == "mg") return DoseUnit::kMilligram;
  if (unit == "mcg") return DoseUnit::kMicrogram;
  fail(r.path_of(key), fmt::format("must be \"mg\" or \"mcg\" (got \"{}\")", unit));
}

Concentration read_concentration(const ObjectReader& r, std::string_view key, DoseUnit unit) {
  // The implant's hard limit is 100 mg/mL whatever the unit.
  const double max = unit == DoseUnit::kMilligram ? 100 : 100'000;
  const double value = r.number(key);
  detail::above_and_at_most(value, 0, max, r.path_of(key), unit_text(unit) + "/mL");
  return Concentration(
      detail::to_base_units(value, nanograms_per(unit), r.path_of(key), "ng/mL", false));
}

std::string range_of_weekday_keys() {
  return fmt::format("{}", fmt::join(kWeekdayKeys, ", "));
}

// ---- therapy::validate errors as JSON paths ------------------------------------------------

struct RxPaths {
  std::string base;                // "prescription" or "events[4].prescription"
  std::string drug_path;           // where the drug name came from
  std::string concentration_path;  // where the concentration came from
};

std::string flex_day_path(const RxPaths& paths, const therapy::Prescription& rx, std::int32_t day) {
  if (rx.flex.per_weekday && day >= 0 && day < 7) {
    return detail::join_path(
        paths.base, std::string("weekdays.") + kWeekdayKeys[static_cast<std::size_t>(day)]);
  }
  return detail::join_path(paths.base, "steps");
}

std::string validate_error_path(const Error& e, const RxPaths& paths,
                                const therapy::Prescription& rx) {
  const std::string_view field = e.field;
  if (field == "drug") return paths.drug_path;
  if (field == "concentration") return paths.concentration_path;
  if (field == "flex.steps") return flex_day_path(paths, rx, e.index);
  if (field.starts_with("flex.steps.")) {
    const std::string step = e.sub_index >= 0
                                 ? detail::index_path(flex_day_path(paths, rx, e.index),
                                                      static_cast<std::size_t>(e.sub_index))
                                 : flex_day_path(paths, rx, e.index);
    return detail::join_path(step, field.substr(std::string_view("flex.steps.").size()));
  }
  if (field == "patient_bolus.duration") {
    return detail::join_path(paths.base, "patient_bolus.duration_min");
  }
  if (field == "patient_bolus.lockout") {
    return detail::join_path(paths.base, "patient_bolus.lockout_min");
  }
  return detail::join_path(paths.base, field);
}

void validate_or_fail(const therapy::Prescription& rx, const therapy::PumpModel& pump,
                      const RxPaths& paths, std::string_view context = "") {
  const Status s = therapy::validate(rx, pump);
  if (s.ok()) return;
  fail(validate_error_path(s.error(), paths, rx),
       context.empty() ? std::string(s.error().message)
                       : fmt::format("{}: {}", context, s.error().message));
}

// ---- prescriptions -------------------------------------------------------------------------

void read_day(const Json& j, const std::string& path, DoseUnit unit, therapy::DayProgram& day) {
  detail::as_array(j, path);
  if (j.empty() || j.size() > therapy::kMaxStepsPerDay) {
    fail(path, fmt::format("must have between 1 and {} steps (got {})", therapy::kMaxStepsPerDay,
                           j.size()));
  }
  day.step_count = static_cast<std::uint8_t>(j.size());
  for (std::size_t i = 0; i < j.size(); ++i) {
    const ObjectReader step(j[i], detail::index_path(path, i), {"start", "dose_per_day"});
    const std::optional<int> start = parse_time_of_day(step.string("start"));
    if (!start) fail(step.path_of("start"), "must be HH:MM (00:00 to 23:59)");
    day.steps[i].start_minute = *start;
    day.steps[i].dose_rate = DoseRate(read_drug_amount(step, "dose_per_day", unit, true).count());
  }
}

therapy::PatientBolusSettings read_patient_bolus(const ObjectReader& parent, DoseUnit unit,
                                                 const therapy::PumpModel& pump) {
  therapy::PatientBolusSettings pb;
  const Json* j = parent.optional("patient_bolus");
  if (j == nullptr) return pb;
  const ObjectReader r(*j, parent.path_of("patient_bolus"),
                       {"dose", "duration_min", "max_per_24h", "lockout_min"});
  pb.enabled = true;
  pb.dose = read_drug_amount(r, "dose", unit, false);
  pb.duration = read_minutes(r, "duration_min", 1, 24 * 60);
  const std::int64_t cap =
      std::min<std::int64_t>(pump.max_patient_boluses_per_day, therapy::kMaxPatientBolusesPer24h);
  pb.max_per_24h = static_cast<std::uint8_t>(
      detail::in_range(static_cast<double>(r.integer("max_per_24h")), 1, static_cast<double>(cap),
                       r.path_of("max_per_24h"), "", "the pump's limit"));
  pb.lockout = read_minutes(r, "lockout_min", 0, 24 * 60);
  return pb;
}

therapy::Prescription read_prescription(const Json& j, const RxPaths& paths,
                                        const Solution& solution, const PumpModelSpec& pump) {
  if (!j.is_object()) fail(paths.base, "must be an object");
  const std::string mode_path = detail::join_path(paths.base, "mode");
  if (!j.contains("mode")) fail(mode_path, "is required");
  const std::string mode = detail::as_string(j.at("mode"), mode_path);

  therapy::Prescription rx;
  rx.drug = solution.drug();
  rx.concentration = solution.concentration;
  if (mode == "stopped") {
    const ObjectReader r(j, paths.base, {"mode"});
    rx.mode = therapy::BasalMode::kStopped;
  } else if (mode == "continuous") {
    const ObjectReader r(j, paths.base, {"mode", "dose_per_day", "patient_bolus"});
    rx.mode = therapy::BasalMode::kContinuous;
    rx.continuous_dose =
        DoseRate(read_drug_amount(r, "dose_per_day", solution.unit, false).count());
    rx.patient_bolus = read_patient_bolus(r, solution.unit, pump.model);
  } else if (mode == "flexible") {
    const ObjectReader r(j, paths.base, {"mode", "steps", "weekdays", "patient_bolus"});
    rx.mode = therapy::BasalMode::kFlexible;
    if (r.has("steps") == r.has("weekdays")) {
      fail(paths.base, "a flexible prescription needs exactly one of \"steps\" or \"weekdays\"");
    }
    if (r.has("steps")) {
      read_day(r.required("steps"), r.path_of("steps"), solution.unit, rx.flex.days[0]);
    } else {
      std::vector<std::string_view> keys(kWeekdayKeys.begin(), kWeekdayKeys.end());
      const ObjectReader week(r.required("weekdays"), r.path_of("weekdays"), keys);
      rx.flex.per_weekday = true;
      for (std::size_t d = 0; d < kWeekdayKeys.size(); ++d) {
        if (!week.has(kWeekdayKeys[d])) {
          fail(week.path_of(kWeekdayKeys[d]),
               fmt::format("is required: give every day ({})", range_of_weekday_keys()));
        }
        read_day(week.required(kWeekdayKeys[d]), week.path_of(kWeekdayKeys[d]), solution.unit,
                 rx.flex.days[d]);
      }
    }
    rx.patient_bolus = read_patient_bolus(r, solution.unit, pump.model);
  } else {
    fail(mode_path,
         fmt::format("must be \"continuous\", \"flexible\" or \"stopped\" (got \"{}\")", mode));
  }
  validate_or_fail(rx, pump.model, paths);
  return rx;
}

// ---- top-level sections --------------------------------------------------------------------

PumpSetup read_pump(const ObjectReader& top, const PumpCatalog& catalog) {
  const ObjectReader r(
      top.required("pump"), "pump",
      {"model", "stroke_variability_percent", "distribution", "seed", "stroke_mean_nl"});
  const std::string model = r.string("model");
  const PumpModelSpec* spec = catalog.find(model);
  if (spec == nullptr) {
    fail(r.path_of("model"), fmt::format("unknown pump model \"{}\" (known: {})", model,
                                         fmt::join(catalog.names(), ", ")));
  }
  PumpSetup pump;
  pump.spec = *spec;
  pump.stroke.mean = spec->model.stroke_volume;
  if (r.has("stroke_mean_nl")) {
    const double nominal = static_cast<double>(spec->model.stroke_volume.count());
    pump.stroke.mean = Volume(std::llround(
        detail::in_range(r.number("stroke_mean_nl"), nominal / 2, nominal * 3 / 2,
                         r.path_of("stroke_mean_nl"), "nL", "1.5 times the nominal stroke")));
  }
  if (r.has("stroke_variability_percent")) {
    pump.stroke.variability_percent =
        detail::in_range(r.number("stroke_variability_percent"), 0, 50,
                         r.path_of("stroke_variability_percent"), "%");
  }
  if (r.has("distribution")) {
    const std::string d = r.string("distribution");
    if (d == "uniform") {
      pump.stroke.distribution = sim::StrokeDistribution::kUniform;
    } else if (d == "triangular") {
      pump.stroke.distribution = sim::StrokeDistribution::kTriangular;
    } else {
      fail(r.path_of("distribution"),
           fmt::format("must be \"uniform\" or \"triangular\" (got \"{}\")", d));
    }
  }
  if (r.has("seed")) {
    const std::int64_t seed = r.integer("seed");
    detail::in_range(static_cast<double>(seed), 0, 9007199254740991.0, r.path_of("seed"));
    pump.stroke.seed = static_cast<std::uint64_t>(seed);
  }
  return pump;
}

void read_catheter(const ObjectReader& top, Scenario& s) {
  const ObjectReader r(top.required("catheter"), "catheter",
                       {"volume_ml", "length_cm", "ml_per_cm", "starts_with"});
  const bool by_volume = r.has("volume_ml");
  const bool by_length = r.has("length_cm") || r.has("ml_per_cm");
  if (by_volume == by_length) {
    fail("catheter", "give either \"volume_ml\" or both \"length_cm\" and \"ml_per_cm\"");
  }
  if (by_volume) {
    detail::in_range(r.number("volume_ml"), 0, kMaxCatheterMl, r.path_of("volume_ml"), "mL");
    s.catheter_volume = read_ml(r, "volume_ml", true);
  } else {
    const double length =
        detail::above_and_at_most(r.number("length_cm"), 0, 300, r.path_of("length_cm"), "cm");
    const double per_cm =
        detail::above_and_at_most(r.number("ml_per_cm"), 0, 0.05, r.path_of("ml_per_cm"), "mL/cm");
    if (length * per_cm > kMaxCatheterMl) {
      fail("catheter", fmt::format("length_cm x ml_per_cm = {} mL; must be at most {} mL",
                                   detail::number_text(length * per_cm), kMaxCatheterMl));
    }
    s.catheter_volume = Volume(std::llround(length * per_cm * kNanolitresPerMillilitre));
  }
  if (r.has("starts_with")) {
    const std::string w = r.string("starts_with");
    if (w == "drug") {
      s.catheter_starts_with_drug = true;
    } else if (w != "saline") {
      fail(r.path_of("starts_with"), fmt::format("must be \"saline\" or \"drug\" (got \"{}\")", w));
    }
  }
}

Solution read_drug(const ObjectReader& top) {
  const ObjectReader r(top.required("drug"), "drug", {"name", "unit", "concentration"});
  Solution s;
  s.drug_name = read_drug_name(r, "name");
  s.unit = read_unit(r, "unit");
  s.concentration = read_concentration(r, "concentration", s.unit);
  return s;
}

// ---- events --------------------------------------------------------------------------------

// What the scenario has put in the pump so far, walking events in time order, so each event is
// checked against the state the engine will be in.
struct Timeline {
  Solution solution;
  std::string solution_path;  // the field the current concentration came from
  std::string drug_path;
  therapy::Prescription prescription;
  RxPaths rx_paths;
};

struct PendingEvent {
  Duration at{};
  std::size_t file_index = 0;
  std::string path;
  std::string type;
  const Json* json = nullptr;
};

RefillEvent read_refill(const ObjectReader& r, const Scenario& s, Timeline& t) {
  RefillEvent refill;
  const PumpModelSpec& pump = s.pump.spec;
  Solution next = t.solution;
  if (r.has("drug")) next.drug_name = read_drug_name(r, "drug");
  const bool drug_changes = next.drug_name != t.solution.drug_name;
  if (r.has("unit")) {
    next.unit = read_unit(r, "unit");
  } else if (drug_changes) {
    fail(r.path_of("unit"), "is required when the refill changes the drug");
  }
  if (r.has("concentration")) {
    next.concentration = read_concentration(r, "concentration", next.unit);
  } else if (drug_changes || next.unit != t.solution.unit) {
    fail(r.path_of("concentration"), "is required when the refill changes the drug or its unit");
  }
  const double capacity_ml = static_cast<double>(pump.model.reservoir_capacity.count()) /
                             static_cast<double>(kNanolitresPerMillilitre);
  detail::above_and_at_most(r.number("volume_ml"), 0, capacity_ml, r.path_of("volume_ml"), "mL",
                            "the reservoir's capacity");
  refill.volume = read_ml(r, "volume_ml", false);
  refill.low_threshold = s.low_reservoir;
  if (r.has("low_reservoir_ml")) refill.low_threshold = read_ml(r, "low_reservoir_ml", false);
  if (refill.low_threshold >= refill.volume) {
    fail(r.has("low_reservoir_ml") ? r.path_of("low_reservoir_ml") : r.path_of("volume_ml"),
         fmt::format("the refilled volume must be above the low-reservoir threshold ({:.3f} mL)",
                     static_cast<double>(refill.low_threshold.count()) / 1e6));
  }
  refill.bridge = r.boolean_or("bridge", true);
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
      fail(concentration_path,
           fmt::format("the prescription in force cannot be delivered at this concentration "
                       "({}: {}); program a new prescription before the refill",
                       validate_error_path(status.error(), t.rx_paths, kept),
                       status.error().message));
    }
    t.prescription = kept;
  } else {
    t.prescription = therapy::Prescription{};
    t.prescription.drug = next.drug();
    t.prescription.concentration = next.concentration;
  }
  t.solution = next;
  t.solution_path = concentration_path;
  t.drug_path = r.has("drug") ? r.path_of("drug") : t.drug_path;
  t.rx_paths.concentration_path = concentration_path;
  return refill;
}

ClinicianBolusEvent read_clinician_bolus(const ObjectReader& r, const Scenario& s,
                                         const Timeline& t) {
  ClinicianBolusEvent bolus;
  const therapy::PumpModel& pump = s.pump.spec.model;
  bolus.dose = read_drug_amount(r, "dose", t.solution.unit, false);
  bolus.duration = read_minutes(r, "duration_min", 1, 24 * 60);
  const Volume volume = volume_holding(bolus.dose, t.solution.concentration);
  if (volume < pump.stroke_volume) {
    fail(r.path_of("dose"),
         fmt::format("smaller than one pump stroke ({} nL) at the concentration in the "
                     "reservoir then",
                     pump.stroke_volume.count()));
  }
  const FlowRate flow(itdd::detail::mul_div(volume.count(), kMillisPerDay, bolus.duration.count()));
  if (flow > pump.max_rate) {
    fail(r.path_of("duration_min"),
         fmt::format("too short: the bolus would run at {:.3f} mL/day, above the pump's maximum "
                     "rate of {:.3f} mL/day",
                     static_cast<double>(flow.count()) / 1e6,
                     static_cast<double>(pump.max_rate.count()) / 1e6));
  }
  return bolus;
}

SetClockEvent read_set_clock(const ObjectReader& r) {
  SetClockEvent clock;
  if (r.has("shift_minutes") == r.has("to")) {
    fail(r.path(), "needs exactly one of \"shift_minutes\" or \"to\"");
  }
  if (r.has("to")) {
    const std::optional<WallTime> to = parse_local_datetime(r.string("to"));
    if (!to) fail(r.path_of("to"), "must be YYYY-MM-DDTHH:MM, a real local date and time");
    clock.absolute = true;
    clock.to = *to;
  } else {
    const std::int64_t shift = r.integer("shift_minutes");
    detail::in_range(static_cast<double>(shift), -kMaxClockShiftMinutes, kMaxClockShiftMinutes,
                     r.path_of("shift_minutes"), "minutes");
    if (shift == 0) fail(r.path_of("shift_minutes"), "must not be 0");
    clock.shift = minutes(shift);
  }
  return clock;
}

// A fault and, for one with a duration, its end (clipped to the end of the simulation).
void read_fault(const ObjectReader& r, const PendingEvent& p, Scenario& s) {
  FaultEvent f;
  const auto push = [&](Duration at, const FaultEvent& e, const std::string& source) {
    s.events.push_back({at, source, e});
  };
  const auto bounded = [&](std::string_view key, double min, double max, const char* unit = "") {
    const std::int64_t value = r.integer(key);
    detail::in_range(static_cast<double>(value), min, max, r.path_of(key), unit);
    return value;
  };
  const auto push_end = [&](FaultKind end_kind, Duration length) {
    FaultEvent end;
    end.kind = end_kind;
    const Duration at = p.at + length < s.duration ? p.at + length : s.duration - Duration(1);
    push(at, end, p.path + " (end)");
  };
  if (p.type == "motor_stall") {
    f.kind = FaultKind::kMotorStallStart;
    push(p.at, f, p.path);
    push_end(FaultKind::kMotorStallEnd, read_minutes(r, "duration_min", 1, 30 * 24 * 60));
  } else if (p.type == "occlusion") {
    f.kind = FaultKind::kOcclusionStart;
    f.percent = bounded("load_percent", 100, 250, "%");
    push(p.at, f, p.path);
    if (r.has("duration_min")) {
      push_end(FaultKind::kOcclusionEnd, read_minutes(r, "duration_min", 1, 365 * 24 * 60));
    }
  } else if (p.type == "stroke_drift") {
    f.kind = FaultKind::kStrokeDrift;
    f.percent = bounded("percent", 50, 200, "% of the nominal stroke");
    push(p.at, f, p.path);
  } else if (p.type == "power_cut") {
    f.kind = FaultKind::kPowerCut;
    push(p.at, f, p.path);
    push_end(FaultKind::kPowerRestore, read_minutes(r, "duration_min", 1, 30 * 24 * 60));
  } else if (p.type == "ram_bit_flip") {
    f.kind = FaultKind::kRamBitFlip;
    const std::string target = r.string("target");
    if (target == "prescription") {
      f.target = RamTarget::kPrescription;
    } else if (target == "scheduler") {
      f.target = RamTarget::kScheduler;
    } else {
      fail(r.path_of("target"), "must be \"prescription\" or \"scheduler\"");
    }
    f.byte = r.integer("byte");
    const std::size_t size = f.target == RamTarget::kPrescription
                                 ? sizeof(therapy::Prescription)
                                 : sizeof(delivery::StrokeScheduler::State);
    detail::in_range(static_cast<double>(f.byte), 0, static_cast<double>(size - 1),
                     r.path_of("byte"), "(offset into the target)");
    f.bit = bounded("bit", 0, 7);
    push(p.at, f, p.path);
  } else if (p.type == "clock_loss") {
    f.kind = FaultKind::kClockLoss;
    push(p.at, f, p.path);
  } else if (p.type == "runaway_motor") {
    f.kind = FaultKind::kRunawayStart;
    f.per_hour = bounded("strokes_per_hour", 1, 36'000);
    push(p.at, f, p.path);
    push_end(FaultKind::kRunawayEnd, read_minutes(r, "duration_min", 1, 30 * 24 * 60));
  } else if (p.type == "scheduler_fault") {
    f.kind = FaultKind::kSchedulerFault;
    f.factor = bounded("factor", 2, 1000);
    push(p.at, f, p.path);
  } else if (p.type == "faulty_cell") {
    f.kind = FaultKind::kFaultyCell;
    // Capacity loss, a rising internal resistance (the resistive film), or both.
    f.percent = r.has("capacity_loss_percent") ? bounded("capacity_loss_percent", 0, 100, "%") : 0;
    f.resistance_ohm_per_day = r.has("resistance_rise_ohm_per_day")
                                   ? bounded("resistance_rise_ohm_per_day", 0, 10'000, "ohm/day")
                                   : 0;
    if (f.percent == 0 && f.resistance_ohm_per_day == 0) {
      fail(p.path, "needs capacity_loss_percent or resistance_rise_ohm_per_day above 0");
    }
    push(p.at, f, p.path);
  }
}

std::vector<std::string_view> keys_for(std::string_view type) {
  if (type == "refill") {
    return {"at",   "type",          "volume_ml", "drug",
            "unit", "concentration", "bridge",    "low_reservoir_ml"};
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

void read_events(const ObjectReader& top, Scenario& s, Timeline& t) {
  const Json* events = top.optional("events");
  if (events == nullptr) return;
  detail::as_array(*events, "events");
  if (events->size() > kMaxScenarioEvents) {
    fail("events", fmt::format("too many events: at most {}", kMaxScenarioEvents));
  }

  // First the time and type of each, so the bodies can be read in time order.
  std::vector<PendingEvent> pending;
  for (std::size_t i = 0; i < events->size(); ++i) {
    const Json& j = (*events)[i];
    PendingEvent p;
    p.path = detail::index_path("events", i);
    p.file_index = i;
    p.json = &j;
    if (!j.is_object()) fail(p.path, "must be an object");
    const std::string type_path = detail::join_path(p.path, "type");
    if (!j.contains("type")) fail(type_path, "is required");
    p.type = detail::as_string(j.at("type"), type_path);
    if (keys_for(p.type).empty()) {
      fail(type_path,
           fmt::format("unknown event type \"{}\" (known: refill, prescription, clinician_bolus, "
                       "patient_bolus, patient_bolus_series, set_clock, motor_stall, occlusion, "
                       "stroke_drift, power_cut, ram_bit_flip, clock_loss, runaway_motor, "
                       "scheduler_fault, faulty_cell)",
                       p.type));
    }
    const ObjectReader r(j, p.path, keys_for(p.type));
    const std::optional<Duration> at = parse_elapsed(r.string("at"));
    if (!at) fail(r.path_of("at"), "must be \"day D HH:MM\" (elapsed since the start, D from 0)");
    if (*at >= s.duration) {
      fail(r.path_of("at"), fmt::format("must be before the end of the simulation ({})",
                                        format_elapsed(s.duration)));
    }
    p.at = *at;
    pending.push_back(std::move(p));
  }
  std::stable_sort(pending.begin(), pending.end(),
                   [](const PendingEvent& a, const PendingEvent& b) { return a.at < b.at; });

  for (const PendingEvent& p : pending) {
    const ObjectReader r(*p.json, p.path, keys_for(p.type));
    if (p.type == "refill") {
      s.events.push_back({p.at, p.path, read_refill(r, s, t)});
    } else if (p.type == "prescription") {
      t.rx_paths.base = r.path_of("prescription");
      PrescriptionEvent e{std::make_shared<const therapy::Prescription>(
          read_prescription(r.required("prescription"), t.rx_paths, t.solution, s.pump.spec))};
      t.prescription = *e.prescription;
      s.events.push_back({p.at, p.path, e});
    } else if (p.type == "clinician_bolus") {
      s.events.push_back({p.at, p.path, read_clinician_bolus(r, s, t)});
    } else if (p.type == "patient_bolus") {
      s.events.push_back({p.at, p.path, PatientBolusEvent{}});
    } else if (p.type == "patient_bolus_series") {
      const Duration every = read_minutes(r, "every_min", 1, 7 * 24 * 60);
      const std::int64_t count = r.integer("count");
      detail::in_range(static_cast<double>(count), 1, 100'000, r.path_of("count"));
      if (s.events.size() + static_cast<std::size_t>(count) > kMaxScenarioEvents) {
        fail(r.path_of("count"), fmt::format("too many events: at most {} in a scenario, "
                                             "counting each bolus of a series",
                                             kMaxScenarioEvents));
      }
      const Duration last = p.at + every * (count - 1);
      if (last >= s.duration) {
        fail(r.path_of("count"),
             fmt::format("the last bolus of the series ({}) would be after the end of the "
                         "simulation ({})",
                         format_elapsed(last), format_elapsed(s.duration)));
      }
      for (std::int64_t k = 0; k < count; ++k) {
        s.events.push_back(
            {p.at + every * k, fmt::format("{} #{}", p.path, k + 1), PatientBolusEvent{}});
      }
    } else if (p.type == "set_clock") {
      s.events.push_back({p.at, p.path, read_set_clock(r)});
    } else {
      read_fault(r, p, s);
    }
  }
  // Series interleave with later events; equal times keep the order above.
  std::stable_sort(s.events.begin(), s.events.end(),
                   [](const ScenarioEvent& a, const ScenarioEvent& b) { return a.at < b.at; });
}

}  // namespace

const char* name(FaultKind kind) {
  switch (kind) {
    case FaultKind::kMotorStallStart:
      return "motor_stall";
    case FaultKind::kMotorStallEnd:
      return "motor_stall_end";
    case FaultKind::kOcclusionStart:
      return "occlusion";
    case FaultKind::kOcclusionEnd:
      return "occlusion_end";
    case FaultKind::kStrokeDrift:
      return "stroke_drift";
    case FaultKind::kPowerCut:
      return "power_cut";
    case FaultKind::kPowerRestore:
      return "power_restore";
    case FaultKind::kRamBitFlip:
      return "ram_bit_flip";
    case FaultKind::kClockLoss:
      return "clock_loss";
    case FaultKind::kRunawayStart:
      return "runaway_motor";
    case FaultKind::kRunawayEnd:
      return "runaway_motor_end";
    case FaultKind::kSchedulerFault:
      return "scheduler_fault";
    case FaultKind::kFaultyCell:
      return "faulty_cell";
  }
  return "unknown";
}

const char* unit_name(DoseUnit unit) {
  return unit == DoseUnit::kMicrogram ? "mcg" : "mg";
}

const char* type_name(const EventAction& action) {
  struct Visitor {
    const char* operator()(const RefillEvent&) const { return "refill"; }
    const char* operator()(const PrescriptionEvent&) const { return "prescription"; }
    const char* operator()(const ClinicianBolusEvent&) const { return "clinician_bolus"; }
    const char* operator()(const PatientBolusEvent&) const { return "patient_bolus"; }
    const char* operator()(const SetClockEvent&) const { return "set_clock"; }
    const char* operator()(const FaultEvent& f) const { return name(f.kind); }
  };
  return std::visit(Visitor{}, action);
}

Scenario parse_scenario(const Json& doc, const PumpCatalog& catalog) {
  const ObjectReader top(
      doc, "",
      {"name", "description", "pump", "catheter", "drug", "initial_fill_ml", "low_reservoir_ml",
       "prime", "start", "duration_days", "prescription", "events"});
  Scenario s;
  s.name = top.string("name");
  if (top.has("description")) top.string("description");
  s.pump = read_pump(top, catalog);
  const therapy::PumpModel& model = s.pump.spec.model;
  read_catheter(top, s);
  s.initial_solution = read_drug(top);

  const double capacity_ml = static_cast<double>(model.reservoir_capacity.count()) / 1e6;
  detail::above_and_at_most(top.number("initial_fill_ml"), 0, capacity_ml, "initial_fill_ml", "mL",
                            "the reservoir's capacity");
  s.initial_fill = read_ml(top, "initial_fill_ml", false);
  s.low_reservoir = model.low_reservoir_default;
  if (top.has("low_reservoir_ml")) s.low_reservoir = read_ml(top, "low_reservoir_ml", false);
  if (s.low_reservoir >= s.initial_fill) {
    fail(top.has("low_reservoir_ml") ? "low_reservoir_ml" : "initial_fill_ml",
         fmt::format("the initial fill must be above the low-reservoir threshold ({:.3f} mL)",
                     static_cast<double>(s.low_reservoir.count()) / 1e6));
  }
  s.prime = top.boolean_or("prime", false);
  if (s.prime && s.initial_fill < model.pump_dead_volume + s.catheter_volume) {
    fail("prime", "the initial fill is smaller than the volume priming needs");
  }

  const std::optional<WallTime> start = parse_local_datetime(top.string("start"));
  if (!start) fail("start", "must be YYYY-MM-DDTHH:MM, a real local date and time");
  s.start = *start;
  const double duration_days = detail::above_and_at_most(top.number("duration_days"), 0,
                                                         kMaxDurationDays, "duration_days", "days");
  s.duration = Duration(std::llround(duration_days * static_cast<double>(kMillisPerDay)));
  if (s.duration < minutes(1)) fail("duration_days", "must be at least one minute");

  Timeline t;
  t.solution = s.initial_solution;
  t.solution_path = "drug.concentration";
  t.drug_path = "drug.name";
  t.rx_paths = RxPaths{"prescription", "drug.name", "drug.concentration"};
  s.prescription =
      read_prescription(top.required("prescription"), t.rx_paths, t.solution, s.pump.spec);
  t.prescription = s.prescription;
  read_events(top, s, t);
  return s;
}

Scenario parse_scenario_text(std::string_view text, const PumpCatalog& catalog) {
  Json doc;
  try {
    doc = Json::parse(text);
  } catch (const Json::parse_error& e) {
    // Report the place as a line and column, which editors show.
    std::size_t line = 1;
    std::size_t column = 1;
    for (std::size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    std::string what = e.what();
    const std::size_t colon = what.rfind(": ");
    fail(fmt::format("line {}, column {}", line, column),
         "invalid JSON: " + (colon == std::string::npos ? what : what.substr(colon + 2)));
  } catch (const Json::exception& e) {
    // Not a syntax error but a value the reader cannot hold, e.g. a number beyond a double's
    // range (out_of_range 406): the same clear error, nothing run.
    std::string what = e.what();
    const std::size_t bracket = what.find("] ");
    fail("", "invalid JSON: " + (bracket == std::string::npos ? what : what.substr(bracket + 2)));
  }
  return parse_scenario(doc, catalog);
}

Scenario load_scenario_file(const std::filesystem::path& file, const PumpCatalog& catalog) {
  std::ifstream in(file);
  if (!in) fail("", "cannot open the file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_scenario_text(text.str(), catalog);
}

}  // namespace itdd::scenario

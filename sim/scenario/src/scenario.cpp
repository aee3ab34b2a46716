#include "itdd/scenario/scenario.h"

#include <fmt/format.h>

#include <array>

#include "itdd/host/decimal.h"
#include "itdd/host/error_text.h"
#include "itdd/host/wall_time.h"
#include "reader.h"

namespace itdd::scenario {
namespace detail {
namespace {

constexpr std::array<const char*, 7> kWeekdayKeys = {"mon", "tue", "wed", "thu",
                                                     "fri", "sat", "sun"};
constexpr std::int64_t kMaxDurationDays = 7305;  // 20 years: past any pump's service life
constexpr std::int64_t kMaxCatheterNl = 2 * kNanolitresPerMillilitre;  // the engine's priming limit
constexpr std::int64_t kMaxUnitsOfDrug = 1'000'000;

std::string range_of_weekday_keys() {
  return fmt::format("{}", fmt::join(kWeekdayKeys, ", "));
}

std::string ml_text(Volume v) {
  return host::format_decimal(v.count(), kNanolitresPerMillilitre) + " mL";
}

// ---- therapy::validate errors as JSON paths ------------------------------------------------

std::string flex_day_path(const RxPaths& paths, const therapy::Prescription& rx, std::int32_t day) {
  if (rx.flex.per_weekday && day >= 0 && day < 7) {
    return host::join_path(paths.base,
                           std::string("weekdays.") + kWeekdayKeys[static_cast<std::size_t>(day)]);
  }
  return host::join_path(paths.base, "steps");
}

void validate_or_refuse(const therapy::Prescription& rx, const therapy::PumpModel& pump,
                        const RxPaths& paths) {
  const Status s = therapy::validate(rx, pump);
  if (s.ok()) return;
  host::refuse(validate_error_path(s.error(), paths, rx), host::message_text(s.error()));
}

// ---- prescriptions -------------------------------------------------------------------------

void read_day(const JsonValue& j, DoseUnit unit, therapy::DayProgram& day) {
  const std::vector<JsonValue> steps = j.array();
  if (steps.empty() || steps.size() > therapy::kMaxStepsPerDay) {
    j.refuse(fmt::format("must have between 1 and {} steps (got {})", therapy::kMaxStepsPerDay,
                         steps.size()));
  }
  day.step_count = static_cast<std::uint8_t>(steps.size());
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const JsonObject step = steps[i].object({"start", "dose_per_day"});
    const host::Checked<int> start = host::parse_time_of_day(step.string("start"));
    if (!start) step.required("start").refuse(start.error().message);
    const DoseRate dose(read_drug_amount(step, "dose_per_day", unit, true, true).count());
    // The start is within the day (read above); the dose may be above what a step holds.
    if (const Status s = day.steps[i].set(*start, dose); !s) {
      step.required("dose_per_day").refuse(host::message_text(s.error()));
    }
  }
}

therapy::PatientBolusSettings read_patient_bolus(const JsonObject& parent, DoseUnit unit,
                                                 const therapy::PumpModel& pump) {
  therapy::PatientBolusSettings pb;
  const std::optional<JsonValue> j = parent.optional("patient_bolus");
  if (!j) return pb;
  const JsonObject r = j->object({"dose", "duration_min", "max_per_24h", "lockout_min"});
  pb.enabled = true;
  pb.dose = read_drug_amount(r, "dose", unit, false, false);
  pb.duration = minutes_in(r.required("duration_min"), 1, 24 * 60);
  const std::int64_t cap =
      std::min<std::int64_t>(pump.max_patient_boluses_per_day, therapy::kMaxPatientBolusesPer24h);
  pb.max_per_24h = static_cast<std::uint8_t>(
      whole_in(r.required("max_per_24h"), Range{1, cap, false, "", "the pump's limit"}));
  pb.lockout = minutes_in(r.required("lockout_min"), 0, 24 * 60);
  return pb;
}

// ---- top-level sections --------------------------------------------------------------------

PumpSetup read_pump(const JsonObject& top, const PumpCatalog& catalog) {
  const JsonObject r = top.required("pump").object(
      {"model", "stroke_variability_percent", "distribution", "seed", "stroke_mean_nl"});
  const std::string model = r.string("model");
  const PumpModelSpec* spec = catalog.find(model);
  if (spec == nullptr && catalog.kind_of(model) == host::PumpKind::kGasFixedRate) {
    // A gas pump's scenario is read by read_gas_scenario (gas_scenario.h), which
    // parse_any_scenario_text chooses by the model's kind.
    r.required("model").refuse(fmt::format(
        "\"{}\" is a fixed-rate gas-driven pump: read this scenario as one (itdd sim run does)",
        model));
  }
  if (spec == nullptr) {
    std::vector<std::string> known = catalog.names();
    for (const std::string& gas : catalog.gas_names()) known.push_back(gas);
    r.required("model").refuse(
        fmt::format("unknown pump model \"{}\" (known: {})", model, fmt::join(known, ", ")));
  }
  PumpSetup pump;
  pump.spec = *spec;
  pump.stroke.mean = spec->model.stroke_volume;
  if (const std::optional<JsonValue> mean = r.optional("stroke_mean_nl")) {
    const std::int64_t nominal = spec->model.stroke_volume.count();
    pump.stroke.mean = Volume(whole_in(
        *mean, Range{nominal / 2, nominal * 3 / 2, false, "nL", "1.5 times the nominal stroke"}));
  }
  if (const std::optional<JsonValue> spread = r.optional("stroke_variability_percent")) {
    // The simulated mechanism's spread (a model of the body, not a clinical quantity): read
    // exactly to the thousandth of a percent, then handed to the simulator as it takes it.
    const std::int64_t milli_percent = decimal_in(*spread, 1000, Range{0, 50'000, false, "%", ""});
    pump.stroke.variability_percent = static_cast<double>(milli_percent) / 1000.0;
  }
  if (r.has("distribution")) {
    const std::string d = r.string("distribution");
    if (d == "uniform") {
      pump.stroke.distribution = sim::StrokeDistribution::kUniform;
    } else if (d == "triangular") {
      pump.stroke.distribution = sim::StrokeDistribution::kTriangular;
    } else {
      r.required("distribution")
          .refuse(fmt::format("must be \"uniform\" or \"triangular\" (got \"{}\")", d));
    }
  }
  if (const std::optional<JsonValue> seed = r.optional("seed")) {
    pump.stroke.seed =
        static_cast<std::uint64_t>(whole_in(*seed, Range{0, 9'007'199'254'740'991, false, "", ""}));
  }
  return pump;
}

void read_catheter(const JsonObject& top, Scenario& s) {
  const JsonObject r =
      top.required("catheter").object({"volume_ml", "length_cm", "ml_per_cm", "starts_with"});
  const bool by_volume = r.has("volume_ml");
  const bool by_length = r.has("length_cm") || r.has("ml_per_cm");
  if (by_volume == by_length) {
    r.refuse("give either \"volume_ml\" or both \"length_cm\" and \"ml_per_cm\"");
  }
  if (by_volume) {
    s.catheter_volume = read_ml(r, "volume_ml", true, Volume(kMaxCatheterNl));
  } else {
    // Length to the mm (as the clinic records it), volume per cm to the nL.
    const std::int64_t length_mm =
        decimal_in(r.required("length_cm"), 10, Range{0, 3000, true, "cm", ""});
    const std::int64_t nl_per_cm = decimal_in(r.required("ml_per_cm"), kNanolitresPerMillilitre,
                                              Range{0, 50'000, true, "mL/cm", ""});
    // The product rounds down to the nL (the one rounding rule: a smaller line asks for a
    // smaller bridge bolus).
    const std::int64_t nl = length_mm * nl_per_cm / 10;
    if (nl > kMaxCatheterNl) {
      r.refuse(fmt::format("length_cm x ml_per_cm = {}; must be at most {}", ml_text(Volume(nl)),
                           ml_text(Volume(kMaxCatheterNl))));
    }
    s.catheter_volume = Volume(nl);
  }
  if (r.has("starts_with")) {
    const std::string w = r.string("starts_with");
    if (w == "drug") {
      s.catheter_starts_with_drug = true;
    } else if (w != "saline") {
      r.required("starts_with")
          .refuse(fmt::format("must be \"saline\" or \"drug\" (got \"{}\")", w));
    }
  }
}

Solution read_drug(const JsonObject& top) {
  const JsonObject r = top.required("drug").object({"name", "unit", "concentration"});
  Solution s;
  s.drug_name = read_drug_name(r, "name");
  s.unit = read_unit(r, "unit");
  s.concentration = read_concentration(r, "concentration", s.unit);
  return s;
}

Scenario read_scenario(const JsonValue& root, const PumpCatalog& catalog) {
  const JsonObject top = root.object({"name", "description", "pump", "catheter", "drug",
                                      "initial_fill_ml", "low_reservoir_ml", "prime", "start",
                                      "duration_days", "prescription", "events", "patient"});
  Scenario s;
  s.name = top.string("name");
  if (top.has("description")) (void)top.required("description").string_or_empty();
  s.pump = read_pump(top, catalog);
  const therapy::PumpModel& model = s.pump.spec.model;
  read_catheter(top, s);
  s.initial_solution = read_drug(top);

  s.initial_fill =
      read_ml(top, "initial_fill_ml", false, model.reservoir_capacity, "the reservoir's capacity");
  s.low_reservoir = model.low_reservoir_default;
  if (top.has("low_reservoir_ml")) {
    s.low_reservoir = read_ml(top, "low_reservoir_ml", false, model.reservoir_capacity,
                              "the reservoir's capacity");
  }
  if (s.low_reservoir >= s.initial_fill) {
    top.required(top.has("low_reservoir_ml") ? "low_reservoir_ml" : "initial_fill_ml")
        .refuse(fmt::format("the initial fill must be above the low-reservoir threshold ({})",
                            ml_text(s.low_reservoir)));
  }
  s.prime = top.boolean_or("prime", false);
  if (s.prime && s.initial_fill < model.pump_dead_volume + s.catheter_volume) {
    top.required("prime").refuse("the initial fill is smaller than the volume priming needs");
  }

  read_timing(top, s.start, s.duration);

  const RxPaths paths{"prescription", "drug.name", "drug.concentration"};
  s.prescription =
      read_prescription(top.required("prescription"), paths, s.initial_solution, s.pump.spec);
  read_events(top, s);
  if (top.has("patient")) s.patient = sim::read_patient_overrides(top.required("patient"));
  return s;
}

}  // namespace

void read_timing(const JsonObject& top, WallTime& start, Duration& duration) {
  const host::Checked<WallTime> wall = host::parse_wall_time(top.string("start"));
  if (!wall) top.required("start").refuse(wall.error().message);
  start = *wall;
  // Thousandths of a day (86.4 s): every value read is a whole number of ms.
  const std::int64_t milli_days = decimal_in(top.required("duration_days"), 1000,
                                             Range{0, kMaxDurationDays * 1000, true, "days", ""});
  duration = Duration(milli_days * (kMillisPerDay / 1000));
  if (duration < minutes(1)) top.required("duration_days").refuse("must be at least one minute");
}

void read_catheter_of(const JsonObject& top, Volume& volume, bool& starts_with_drug) {
  Scenario s;
  read_catheter(top, s);
  volume = s.catheter_volume;
  starts_with_drug = s.catheter_starts_with_drug;
}

Solution read_first_drug(const JsonObject& top) {
  return read_drug(top);
}

Scenario read_scenario_for_any(const JsonValue& root, const PumpCatalog& catalog) {
  return read_scenario(root, catalog);
}

std::string validate_error_path(const Error& e, const RxPaths& paths,
                                const therapy::Prescription& rx) {
  const std::string_view field = e.field;
  if (field == "drug") return paths.drug_path;
  if (field == "concentration") return paths.concentration_path;
  if (field == "flex.steps") return flex_day_path(paths, rx, e.index);
  if (field.starts_with("flex.steps.")) {
    const std::string step = e.sub_index >= 0
                                 ? host::index_path(flex_day_path(paths, rx, e.index),
                                                    static_cast<std::size_t>(e.sub_index))
                                 : flex_day_path(paths, rx, e.index);
    return host::join_path(step, field.substr(std::string_view("flex.steps.").size()));
  }
  if (field == "patient_bolus.duration") {
    return host::join_path(paths.base, "patient_bolus.duration_min");
  }
  if (field == "patient_bolus.lockout") {
    return host::join_path(paths.base, "patient_bolus.lockout_min");
  }
  return host::join_path(paths.base, field);
}

therapy::Prescription read_prescription(const JsonValue& j, const RxPaths& paths,
                                        const Solution& solution, const PumpModelSpec& pump) {
  const std::optional<JsonValue> mode_value = j.member("mode");
  if (!mode_value) host::refuse(j.path_of("mode"), "is missing");
  const std::string mode = mode_value->string();
  therapy::Prescription rx;
  rx.drug = solution.drug();
  rx.concentration = solution.concentration;
  if (mode == "stopped") {
    (void)j.object({"mode"});
    rx.mode = therapy::BasalMode::kStopped;
  } else if (mode == "continuous") {
    const JsonObject r = j.object({"mode", "dose_per_day", "patient_bolus"});
    rx.mode = therapy::BasalMode::kContinuous;
    // Zero is the implant's to refuse (therapy::validate below), in the words it uses for the
    // programmer too.
    rx.continuous_dose =
        DoseRate(read_drug_amount(r, "dose_per_day", solution.unit, true, true).count());
    rx.patient_bolus = read_patient_bolus(r, solution.unit, pump.model);
  } else if (mode == "flexible") {
    const JsonObject r = j.object({"mode", "steps", "weekdays", "patient_bolus"});
    rx.mode = therapy::BasalMode::kFlexible;
    if (r.has("steps") == r.has("weekdays")) {
      r.refuse("a flexible prescription needs exactly one of \"steps\" or \"weekdays\"");
    }
    if (r.has("steps")) {
      read_day(r.required("steps"), solution.unit, rx.flex.days[0]);
    } else {
      const std::vector<std::string_view> keys(kWeekdayKeys.begin(), kWeekdayKeys.end());
      const JsonObject week = r.required("weekdays").object(keys);
      rx.flex.per_weekday = true;
      for (std::size_t d = 0; d < kWeekdayKeys.size(); ++d) {
        if (!week.has(kWeekdayKeys[d])) {
          host::refuse(week.path_of(kWeekdayKeys[d]),
                       fmt::format("is missing: give every day ({})", range_of_weekday_keys()));
        }
        read_day(week.required(kWeekdayKeys[d]), solution.unit, rx.flex.days[d]);
      }
    }
    rx.patient_bolus = read_patient_bolus(r, solution.unit, pump.model);
  } else {
    mode_value->refuse(
        fmt::format("must be \"continuous\", \"flexible\" or \"stopped\" (got \"{}\")", mode));
  }
  validate_or_refuse(rx, pump.model, paths);
  return rx;
}

std::string read_drug_name(const JsonObject& r, std::string_view key) {
  const std::string name = r.string(key);
  if (name.size() >= therapy::kDrugNameLength) {
    r.required(key).refuse(fmt::format("must be 1 to {} characters", therapy::kDrugNameLength - 1));
  }
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
      r.required(key).refuse("may hold only lowercase a-z, 0-9, '-' and '_'");
    }
  }
  return name;
}

DoseUnit read_unit(const JsonObject& r, std::string_view key) {
  const std::string unit = r.string(key);
  if (unit == "mg") return DoseUnit::kMilligram;
  if (unit == "mcg") return DoseUnit::kMicrogram;
  r.required(key).refuse(fmt::format("must be \"mg\" or \"mcg\" (got \"{}\")", unit));
}

Concentration read_concentration(const JsonObject& r, std::string_view key, DoseUnit unit) {
  // The implant's hard limit is 100 mg/mL whatever the unit.
  const std::int64_t ng_per_ml =
      decimal_in(r.required(key), nanograms_per(unit),
                 Range{0, 100 * nanograms_per(DoseUnit::kMilligram), true,
                       unit == DoseUnit::kMilligram ? "mg/mL" : "mcg/mL", ""});
  return Concentration(ng_per_ml);
}

Volume read_ml(const JsonObject& r, std::string_view key, bool allow_zero, Volume max,
               std::string_view max_note) {
  return Volume(decimal_in(r.required(key), kNanolitresPerMillilitre,
                           Range{0, max.count(), !allow_zero, "mL", max_note}));
}

DrugAmount read_drug_amount(const JsonObject& r, std::string_view key, DoseUnit unit,
                            bool allow_zero, bool per_day) {
  const std::string unit_text = std::string(unit_name(unit)) + (per_day ? "/day" : "");
  return DrugAmount(
      decimal_in(r.required(key), nanograms_per(unit),
                 Range{0, kMaxUnitsOfDrug * nanograms_per(unit), !allow_zero, unit_text, ""}));
}

}  // namespace detail

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

std::vector<DrugGiven> drugs_given(const Scenario& scenario) {
  std::vector<DrugGiven> drugs{
      {scenario.initial_solution.drug_name, scenario.initial_solution.unit}};
  for (const ScenarioEvent& e : scenario.events) {
    if (const auto* refill = std::get_if<RefillEvent>(&e.action)) {
      const Solution& s = refill->solution;
      if (drug_position(drugs, s.drug_name) == drugs.size()) drugs.push_back({s.drug_name, s.unit});
    }
  }
  return drugs;
}

std::size_t drug_position(const std::vector<DrugGiven>& drugs, const std::string& name) {
  std::size_t i = 0;
  while (i < drugs.size() && drugs[i].name != name) ++i;
  return i;
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

host::Checked<Scenario> parse_scenario_text(std::string_view text, const PumpCatalog& catalog) {
  return host::read_json(text, [&catalog](const host::JsonValue& root) {
    return detail::read_scenario(root, catalog);
  });
}

host::Checked<Scenario> load_scenario_file(const std::filesystem::path& file,
                                           const PumpCatalog& catalog) {
  return host::read_json_file(file, [&catalog](const host::JsonValue& root) {
    return detail::read_scenario(root, catalog);
  });
}

}  // namespace itdd::scenario

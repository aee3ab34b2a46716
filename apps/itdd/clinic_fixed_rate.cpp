#include "clinic_fixed_rate.h"

#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "clinic_context.h"
#include "errors.h"
#include "itdd/host/decimal.h"
#include "itdd/host/figures.h"
#include "itdd/host/pump_catalog.h"
#include "itdd/programmer/fixed_rate_pump.h"
#include "itdd/programmer/text_input.h"
#include "itdd/programmer/units_text.h"

namespace itdd::cli {
namespace {

using programmer::format_concentration;
using programmer::format_dose;
using programmer::format_flow_ml_per_day;
using programmer::format_volume_ml;
using Json = nlohmann::ordered_json;

// The option a refusal's field came from.
std::string option_for(const std::string& field) {
  static const std::vector<std::pair<std::string, std::string>> map = {
      {"drug", "--drug"},
      {"concentration", "--concentration"},
      {"volume", "--volume-ml"},
      {"withdrawn", "--withdrawn-ml"},
      {"clinician", "--clinician"},
      {"at_ms", "--filled-at"},
      {"pump", "--pump"},
      {"pump_id", "--pump"},
      {"dose", "--dose"},
      {"pump_model", "--pump-model"},
      {"serial", "--serial"},
      {"catheter_length_mm", "--catheter-length-cm"},
      {"catheter_volume", "--catheter-volume-ml"},
      {"implant_date_ms", "--implant-date"},
  };
  for (const auto& [f, option] : map) {
    if (f == field) return option;
  }
  return field;
}

int refusal(const host::Refusal& e) {
  return refused(e, option_for(e.field));
}

std::string percent(std::int32_t permille) {
  return host::format_decimal(permille, 10) + " %";
}

// What both a first fill and a refill take: the drug's concentration, the volume, who, when.
struct FillFlags {
  programmer::FixedRateFill fill;
  int exit_code = 0;
};
FillFlags read_fill(const ClinicArgs& a, const programmer::DrugLibrary& library,
                    const host::TimeZone& zone) {
  FillFlags out;
  programmer::FixedRateFill& f = out.fill;
  const auto fail = [&out](const std::string& what) {
    out.exit_code = bad_input(what);
    return out;
  };
  if (a.clinician.empty()) return fail("--clinician: name the clinician who fills the pump");
  if (a.drug.empty()) return fail("--drug: name the drug put in (see `itdd drugs list`)");
  const programmer::DrugSpec* drug = library.find(a.drug);
  if (drug == nullptr) {
    return fail(
        fmt::format("--drug {}: not in the drug library (known: {})", a.drug, library.names()));
  }
  const host::Checked<std::int64_t> c =
      host::parse_decimal(a.concentration, nanograms_per(drug->unit));
  if (!c.ok()) {
    return fail(
        fmt::format("--concentration {} ({}/mL, e.g. 2.5; `itdd dose fixed-rate` gives "
                    "the one for a daily dose)",
                    c.error().message, programmer::unit_name(drug->unit)));
  }
  const Result<Volume> volume = programmer::parse_volume_ml(a.fill_volume_ml);
  if (!volume.ok()) {
    return fail(fmt::format("--volume-ml {}: {} (the volume in the reservoir after the fill, mL)",
                            a.fill_volume_ml, volume.error().message));
  }
  if (!a.withdrawn_ml.empty()) {
    const Result<Volume> withdrawn = programmer::parse_volume_ml_or_zero(a.withdrawn_ml);
    if (!withdrawn.ok()) {
      return fail(fmt::format("--withdrawn-ml {}: {}", a.withdrawn_ml, withdrawn.error().message));
    }
    f.withdrawn = withdrawn.value();
  }
  f.at_utc_ms = system_now_ms();
  if (!a.filled_at.empty()) {
    const Result<WallTime> local = programmer::parse_local_wall(a.filled_at);
    if (!local.ok())
      return fail(fmt::format("--filled-at {}: {}", a.filled_at, local.error().message));
    const host::Checked<std::int64_t> at = zone.instant_typed(local.value());
    if (!at.ok()) return fail(fmt::format("--filled-at {}: {}", a.filled_at, at.error().message));
    if (*at > f.at_utc_ms) {
      return fail(
          fmt::format("--filled-at {}: is in the future ({} in {}): give when the pump "
                      "was filled",
                      a.filled_at, zone.minute_at(f.at_utc_ms), zone.name()));
    }
    f.at_utc_ms = *at;
  }
  f.clinician = a.clinician;
  f.drug = a.drug;
  f.concentration = Concentration(*c);
  f.volume = volume.value();
  return out;
}

// The fill's outcome, text and JSON alike.
int show_filled(const ClinicArgs& a, const programmer::FixedRateFilled& r,
                const programmer::DrugSpec& drug, const programmer::FixedRatePumpRecord& figures,
                const host::TimeZone& zone, const std::string& headline) {
  const DoseUnit unit = drug.unit;
  const std::int64_t per = nanograms_per(unit);
  const programmer::FixedRateFigures f = programmer::figures_of(figures);
  const FlowRate worst = programmer::worst_case_flow(f);
  if (a.json) {
    Json j{{"pump_id", r.pump_id},
           {"kind", "gas-fixed-rate"},
           {"programmable", false},
           {"drug", drug.name},
           {"unit", programmer::unit_name(unit)},
           {"concentration_per_ml", host::decimal_json(r.record.concentration.count(), per)},
           {"concentration_ng_per_ml", r.record.concentration.count()},
           {"volume_nl", r.record.volume.count()},
           {"withdrawn_nl", r.record.withdrawn.count()},
           {"filled_at", zone.minute_at(r.record.at_ms)},
           {"nominal_flow_nl_per_day", f.nominal_flow.count()},
           {"flow_tolerance_permille", f.flow_tolerance_permille},
           {"daily_dose_per_day", host::decimal_json(r.daily_dose.count(), per)},
           {"daily_dose_ng_per_day", r.daily_dose.count()},
           {"daily_dose_at_worst_ng_per_day", r.daily_dose_at_worst.count()},
           {"next_refill", zone.minute_at(r.record.next_refill_ms)},
           {"next_refill_date", zone.date_at(r.record.next_refill_ms)},
           {"next_refill_ms", r.record.next_refill_ms},
           {"next_refill_reason", r.record.next_refill_rule},
           {"empty_at_worst", zone.minute_at(r.plan.empty_at_worst_utc_ms)},
           {"empty_at_nominal", zone.minute_at(r.plan.empty_at_nominal_utc_ms)},
           {"time_zone", zone.name()},
           {"notes", r.notes}};
    j["expected_left_nl"] = r.expected_left ? Json(r.expected_left->count()) : Json(nullptr);
    std::cout << j.dump(2) << '\n';
    return 0;
  }
  std::cout << headline;
  std::cout << fmt::format("  kind         {}\n", programmer::kFixedRateLabel);
  if (r.expected_left) {
    std::cout << fmt::format("  withdrawn    {} (the nominal flow would have left {})\n",
                             format_volume_ml(r.record.withdrawn),
                             format_volume_ml(*r.expected_left));
  }
  std::cout << fmt::format("  filled       {} of {} at {}, {} {}\n",
                           format_volume_ml(r.record.volume), drug.display_name,
                           format_concentration(r.record.concentration, unit),
                           zone.minute_at(r.record.at_ms), zone.name());
  std::cout << fmt::format("  flow         {} nominal (±{}: up to {})\n",
                           format_flow_ml_per_day(f.nominal_flow),
                           percent(f.flow_tolerance_permille), format_flow_ml_per_day(worst));
  std::cout << fmt::format(
      "  daily dose   {} at the nominal flow (up to {} at +{})\n", format_dose(r.daily_dose, unit),
      format_dose(r.daily_dose_at_worst, unit), percent(f.flow_tolerance_permille));
  std::cout << fmt::format("  next refill  {} {}: {}\n", zone.minute_at(r.record.next_refill_ms),
                           zone.name(), r.record.next_refill_rule);
  std::cout << fmt::format(
      "  empty        not before {} at +{} ({} at the nominal flow); the "
      "pump has no alarm\n",
      zone.minute_at(r.plan.empty_at_worst_utc_ms), percent(f.flow_tolerance_permille),
      zone.minute_at(r.plan.empty_at_nominal_utc_ms));
  for (const std::string& n : r.notes) std::cout << "  note: " << n << '\n';
  return 0;
}

}  // namespace

std::string command_name(const CLI::App* cmd) {
  std::string name;
  for (const CLI::App* c = cmd; c != nullptr; c = c->get_parent()) {
    const std::string part = c->get_parent() == nullptr ? "itdd" : c->get_name();
    name = name.empty() ? part : part + " " + name;
  }
  return name;
}

int refuse_if_fixed_rate(programmer::ClinicDb& db, const programmer::PumpRecord& pump,
                         std::string_view command) {
  const host::Checked<void> ok = programmer::require_programmable(db, pump, command);
  return ok.ok() ? 0 : refusal(ok.error());
}

int refuse_if_fixed_rate(const std::string& serial, const std::string& db_flag,
                         std::string_view command) {
  if (serial.empty()) return 0;
  const std::string url = db_flag.empty() ? from_env_or("ITDD_CLINIC_DB", "") : db_flag;
  if (url.empty()) return 0;
  auto db = programmer::open_clinic_db(url, programmer::OpenMode::kExisting);
  if (!db.ok()) return db_failure(db.error());
  const host::Checked<programmer::PumpRecord> pump = (*db)->find_pump_by_serial(serial);
  if (!pump.ok()) {
    host::Refusal e = pump.error();
    e.field = "pump";
    return refusal(e);
  }
  return refuse_if_fixed_rate(**db, *pump, command);
}

int run_fixed_rate_pump_add(const ClinicArgs& a, const host::GasPumpSpec& model,
                            programmer::PumpRecord pump, const std::string& mrn,
                            programmer::ClinicDb& db) {
  const std::optional<programmer::DrugLibrary> library =
      load_drug_library(drug_library_path(a.library_file));
  if (!library) return kExitInvalidInput;
  const host::Checked<host::TimeZone> zone = db.time_zone();
  if (!zone.ok()) return db_failure(zone.error());
  const FillFlags flags = read_fill(a, *library, *zone);
  if (flags.exit_code != 0) return flags.exit_code;
  const host::Checked<programmer::FixedRateFilled> added =
      programmer::add_fixed_rate_pump(db, *library, model, pump, flags.fill);
  if (!added.ok()) return refusal(added.error());
  const programmer::FixedRatePumpRecord figures{added->pump_id, model.nominal_flow,
                                                model.flow_tolerance_permille,
                                                model.residual_volume, model.low_reservoir_default};
  return show_filled(
      a, *added, *library->find(a.drug), figures, *zone,
      fmt::format(
          "pump {} ({}, reservoir {}) added for patient {}, id {}; catheter {:.1f} cm, {}\n",
          pump.serial, model.name, format_volume_ml(model.reservoir_capacity), mrn, added->pump_id,
          static_cast<double>(pump.catheter_length_mm) / 10.0,
          format_volume_ml(pump.catheter_volume)));
}

int run_fixed_rate_refill(const ClinicArgs& a) {
  if (a.serial.empty()) return bad_input("--pump: give the pump's serial");
  const std::optional<programmer::DrugLibrary> library =
      load_drug_library(drug_library_path(a.library_file));
  if (!library) return kExitInvalidInput;
  auto opened = programmer::open_clinic_db(a.db, programmer::OpenMode::kExisting);
  if (!opened.ok()) return db_failure(opened.error());
  programmer::ClinicDb& db = **opened;
  const host::Checked<host::TimeZone> zone = db.time_zone();
  if (!zone.ok()) return db_failure(zone.error());
  const FillFlags flags = read_fill(a, *library, *zone);
  if (flags.exit_code != 0) return flags.exit_code;
  const host::Checked<programmer::FixedRateFilled> r =
      programmer::refill_fixed_rate_pump(db, *library, a.serial, flags.fill);
  if (!r.ok()) return refusal(r.error());
  const auto figures = db.fixed_rate_pump(r->pump_id);
  if (!figures.ok()) return db_failure(figures.error());
  return show_filled(a, *r, *library->find(a.drug), **figures, *zone,
                     fmt::format("pump {} refilled (refill {})\n", a.serial, r->record.id));
}

// ---- itdd dose fixed-rate ----

struct FixedRateDoseCommand::State {
  CLI::App* cmd = nullptr;
  std::string pump, model, models_file, drug, dose, library_file, db;
  bool json = false;
};

FixedRateDoseCommand::FixedRateDoseCommand(CLI::App& app) : state_(std::make_unique<State>()) {
  State& s = *state_;
  CLI::App* dose = app.get_subcommand("dose");
  s.cmd = dose->add_subcommand(
      "fixed-rate",
      "The concentration a fixed-rate (gas-driven) pump needs for a daily dose at its nominal "
      "flow, within the library's limits");
  s.cmd->add_option("--pump", s.pump, "A fixed-rate pump's serial in the clinic database");
  s.cmd->add_option("--pump-model", s.model, "Or a fixed-rate model (e.g. gas-fixed-30)");
  s.cmd->add_option("--drug", s.drug, "Drug name (drugs list)")->required();
  s.cmd->add_option("--dose", s.dose, "The daily dose wanted, in the drug's unit (e.g. 2.5)")
      ->required();
  s.cmd->add_option("--pump-models", s.models_file,
                    "Pump model file (default: $ITDD_PUMP_MODELS, else the source tree's)");
  s.cmd->add_option("--library", s.library_file,
                    "Drug library file (default: $ITDD_DRUG_LIBRARY, else the source tree's)");
  s.cmd->add_option("--db", s.db, "Clinic database for --pump (default: $ITDD_CLINIC_DB)");
  s.cmd->add_flag("--json", s.json, "Print JSON instead of text");
}

FixedRateDoseCommand::~FixedRateDoseCommand() = default;

std::optional<int> FixedRateDoseCommand::run() const {
  const State& s = *state_;
  if (!s.cmd->parsed()) return std::nullopt;
  if (s.pump.empty() == s.model.empty()) {
    return bad_input("--pump or --pump-model: name one (a recorded pump, or a fixed-rate model)");
  }
  const std::optional<programmer::DrugLibrary> library =
      load_drug_library(drug_library_path(s.library_file));
  if (!library) return kExitInvalidInput;
  const programmer::DrugSpec* drug = find_drug(*library, s.drug);
  if (drug == nullptr) return kExitInvalidInput;
  const host::Checked<std::int64_t> dose = host::parse_decimal(s.dose, nanograms_per(drug->unit));
  if (!dose.ok()) {
    return bad_input(
        fmt::format("--dose {} ({}/day)", dose.error().message, programmer::unit_name(drug->unit)));
  }
  std::unique_ptr<programmer::ClinicDb> db;
  std::optional<host::PumpCatalog> catalog;
  if (!s.pump.empty()) {
    const std::string url = s.db.empty() ? from_env_or("ITDD_CLINIC_DB", "") : s.db;
    if (url.empty()) return bad_input("--db: --pump is looked up in the clinic database: name it");
    auto opened = programmer::open_clinic_db(url, programmer::OpenMode::kExisting);
    if (!opened.ok()) return db_failure(opened.error());
    db = std::move(opened.value());
  } else {
    const std::string file = s.models_file.empty()
                                 ? from_env_or("ITDD_PUMP_MODELS", ITDD_DEFAULT_PUMP_MODELS)
                                 : s.models_file;
    host::Checked<host::PumpCatalog> loaded = host::PumpCatalog::load(file);
    if (!loaded.ok())
      return bad_input(fmt::format("--pump-models {}: {}", file, loaded.error().text()));
    catalog = std::move(loaded).value();
  }
  const host::Checked<programmer::FixedRateDoseAnswer> answer = programmer::fixed_rate_dose(
      db.get(), catalog ? &*catalog : nullptr, *library,
      programmer::FixedRateDoseQuestion{s.pump, s.model, s.drug, DoseRate(*dose)});
  if (!answer.ok()) {
    host::Refusal e = answer.error();
    if (e.field == "concentration") e.field = "dose";  // this command's input is the dose
    return refusal(e);
  }
  const programmer::FixedRateConcentration& c = answer->result;
  const DoseUnit unit = drug->unit;
  const std::int64_t per = nanograms_per(unit);
  const programmer::FixedRateFigures& f = answer->figures;
  if (s.json) {
    const Json j{{"pump", answer->pump_label},
                 {"drug", drug->name},
                 {"unit", programmer::unit_name(unit)},
                 {"dose_wanted_ng_per_day", *dose},
                 {"nominal_flow_nl_per_day", f.nominal_flow.count()},
                 {"flow_tolerance_permille", f.flow_tolerance_permille},
                 {"concentration_per_ml", host::decimal_json(c.concentration.count(), per)},
                 {"concentration_ng_per_ml", c.concentration.count()},
                 {"delivered_ng_per_day", c.delivered.count()},
                 {"delivered_at_worst_ng_per_day", c.delivered_at_worst.count()},
                 {"highest_listed_ng_per_ml", c.highest_listed.count()},
                 {"notes", c.notes}};
    std::cout << j.dump(2) << '\n';
    return 0;
  }
  std::cout << fmt::format("{}: {} with {}, {} nominal ({})\n", drug->display_name,
                           format_dose(DoseRate(*dose), unit), answer->pump_label,
                           format_flow_ml_per_day(f.nominal_flow), programmer::kFixedRateLabel);
  std::cout << fmt::format(
      "  concentration  {} (rounded down to {}: never more than the dose "
      "wanted)\n",
      format_concentration(c.concentration, unit),
      format_concentration(programmer::concentration_step(unit), unit));
  std::cout << fmt::format("  gives          {} at the nominal flow, up to {} at +{}\n",
                           format_dose(c.delivered, unit), format_dose(c.delivered_at_worst, unit),
                           percent(f.flow_tolerance_permille));
  std::cout << fmt::format(
      "  library        at most {} ({}); the highest concentration it lists "
      "is {}\n",
      format_dose(drug->limits.hard_max.value, unit), drug->limits.hard_max.note.label(),
      format_concentration(c.highest_listed, unit));
  for (const std::string& n : c.notes) std::cout << "  note: " << n << '\n';
  if (!s.pump.empty()) {
    std::cout << fmt::format(
        "  put it in at a refill: itdd clinic pump refill --pump {} --drug {} "
        "--concentration {} --volume-ml ML --clinician NAME\n",
        s.pump, drug->name, host::format_decimal(c.concentration.count(), per));
  }
  return 0;
}

}  // namespace itdd::cli

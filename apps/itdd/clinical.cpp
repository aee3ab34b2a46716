// `itdd drugs ...`, `itdd dose ...`, `itdd trial ...`: the drug library and the clinical
// calculators (programmer/drug_library, programmer/dosing). Nothing here talks to an implant.
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "clinic_context.h"
#include "commands.h"
#include "errors.h"
#include "itdd/host/decimal.h"
#include "itdd/host/figures.h"
#include "itdd/host/pump_catalog.h"
#include "itdd/host/wall_time.h"
#include "itdd/programmer/clinic_db.h"
#include "itdd/programmer/dose_check.h"
#include "itdd/programmer/dosing.h"
#include "itdd/programmer/drug_library.h"
#include "itdd/programmer/opioid_conversion.h"
#include "itdd/programmer/screening.h"
#include "itdd/programmer/text_input.h"
#include "itdd/programmer/units_text.h"
#include "itdd/programmer/use_cases/dose_rate.h"
#include "itdd/programmer/use_cases/trial.h"

namespace itdd::cli {

using host::Checked;
using programmer::DrugLibrary;
using programmer::DrugSpec;
using OrderedJson = nlohmann::ordered_json;

struct ClinicalCommands::State {
  std::string library_file;  // empty: the default
  bool json = false;
  // drugs
  CLI::App* list = nullptr;
  CLI::App* show = nullptr;
  CLI::App* export_ = nullptr;
  CLI::App* check = nullptr;
  std::string name;
  std::string out_file;
  bool force = false;
  std::string check_file;
  // dose rate
  CLI::App* rate = nullptr;
  std::string drug;
  std::string dose;
  std::string concentration;
  std::string pump_model;
  std::string pump_models_file;
  std::string current_dose;
  std::string hours_since_increase;
  // dose convert
  CLI::App* convert = nullptr;
  std::string from;
  std::string to;
  std::string conversions_file;
  // trial suggest, trial record
  CLI::App* suggest = nullptr;
  CLI::App* record = nullptr;
  std::vector<std::string> steps;
  std::string patient;  // MRN: the screening boluses kept in the clinic database
  std::string db;       // empty: $ITDD_CLINIC_DB, else clinic.db
  std::string route = "lumbar puncture";
  std::string notes;
};

namespace {

using State = ClinicalCommands::State;

// A decimal flag in the drug's unit, as ng (or ng/mL, ng/day).
std::optional<std::int64_t> amount_flag(const char* flag, const std::string& text, DoseUnit unit) {
  const Checked<std::int64_t> v = host::parse_decimal(text, nanograms_per(unit));
  if (!v.ok()) {
    bad_input(fmt::format("{} {}", flag, v.error().message));
    return std::nullopt;
  }
  return v.value();
}

std::string list_concentrations(const DrugSpec& d) {
  std::string text;
  for (const Concentration c : d.concentrations.value) {
    text += (text.empty() ? "" : ", ") + host::format_decimal(c.count(), nanograms_per(d.unit));
  }
  return text;
}

// ---- drugs ----

int drugs_list(const State& s) {
  const std::string file = drug_library_path(s.library_file);
  const std::optional<DrugLibrary> library = load_drug_library(file);
  if (!library) return kExitInvalidInput;
  if (s.json) {
    OrderedJson drugs = OrderedJson::array();
    for (const DrugSpec& d : library->drugs()) {
      const std::int64_t per = nanograms_per(d.unit);
      OrderedJson conc = OrderedJson::array();
      for (const Concentration c : d.concentrations.value) {
        conc.push_back(host::decimal_json(c.count(), per));
      }
      drugs.push_back(
          {{"name", d.name},
           {"display_name", d.display_name},
           {"unit", programmer::unit_name(d.unit)},
           {"opioid", d.opioid},
           {"withdrawal_risk", programmer::withdrawal_risk_name(d.withdrawal_risk.value)},
           {"concentrations_per_ml", conc},
           {"soft_max_per_day", host::decimal_json(d.limits.soft_max.value.count(), per)},
           {"hard_max_per_day", host::decimal_json(d.limits.hard_max.value.count(), per)}});
    }
    std::cout << OrderedJson{{"library", file}, {"drugs", drugs}}.dump(2) << '\n';
    return 0;
  }
  std::cout << fmt::format("Drug library {} ({} drugs)\n", file, library->drugs().size());
  std::cout << fmt::format("  {:<14} {:<4} {:<22} {:>14} {:>14}  {:<10} {}\n", "name", "unit",
                           "concentrations per mL", "soft max/day", "hard max/day", "withdrawal",
                           "opioid");
  for (const DrugSpec& d : library->drugs()) {
    const std::int64_t per = nanograms_per(d.unit);
    std::cout << fmt::format(
        "  {:<14} {:<4} {:<22} {:>14} {:>14}  {:<10} {}\n", d.name, programmer::unit_name(d.unit),
        list_concentrations(d), host::format_decimal(d.limits.soft_max.value.count(), per),
        host::format_decimal(d.limits.hard_max.value.count(), per),
        programmer::withdrawal_risk_name(d.withdrawal_risk.value), d.opioid ? "yes" : "no");
  }
  return 0;
}

void show_line(std::string& out, const std::string& label, const std::string& value,
               const host::Provenance& note, const std::string& level = "") {
  out += fmt::format("  {:<26} {}{}\n", label, value, level.empty() ? "" : " (" + level + ")");
  out += fmt::format("  {:<26} {}\n", "", note.label());
}

std::string drug_text(const DrugLibrary& library, const DrugSpec& d) {
  using programmer::format_dose;
  using programmer::format_hours;
  using programmer::level_name;
  std::string out =
      fmt::format("{} ({}): doses in {}, {}\n", d.display_name, d.name,
                  programmer::unit_name(d.unit), d.opioid ? "opioid" : "not an opioid");
  show_line(out, "withdrawal risk", programmer::withdrawal_risk_name(d.withdrawal_risk.value),
            d.withdrawal_risk.note);
  show_line(out, "concentrations",
            fmt::format("{} {}/mL", list_concentrations(d), programmer::unit_name(d.unit)),
            d.concentrations.note);
  const programmer::DoseLimits& l = d.limits;
  if (l.soft_min)
    show_line(out, "lowest usual dose (soft)", format_dose(l.soft_min->value, d.unit),
              l.soft_min->note);
  show_line(out, "soft maximum", format_dose(l.soft_max.value, d.unit), l.soft_max.note);
  show_line(out, "hard maximum", format_dose(l.hard_max.value, d.unit), l.hard_max.note);
  if (l.start_max) {
    show_line(out, "highest starting dose", format_dose(l.start_max->value, d.unit),
              l.start_max->note, level_name(l.start_max->level));
  }
  const programmer::Titration& t = d.titration;
  if (t.max_step) {
    show_line(out, "largest increase", format_dose(t.max_step->value, d.unit), t.max_step->note,
              level_name(t.max_step->level));
  }
  if (t.max_step_percent_hundredths) {
    show_line(out, "largest increase",
              host::format_decimal(t.max_step_percent_hundredths->value, 100) + " %",
              t.max_step_percent_hundredths->note,
              level_name(t.max_step_percent_hundredths->level));
  }
  if (t.min_interval_hard) {
    show_line(out, "between increases (hard)",
              "at least " + format_hours(t.min_interval_hard->value), t.min_interval_hard->note);
  }
  if (t.min_interval_soft) {
    show_line(out, "between increases (soft)",
              "at least " + format_hours(t.min_interval_soft->value), t.min_interval_soft->note);
  }
  if (!t.max_step && !t.max_step_percent_hundredths && !t.min_interval_hard &&
      !t.min_interval_soft) {
    out += fmt::format("  {:<26} none in the library\n", "titration");
  }
  show_line(out, "stability in the pump", fmt::format("{} days", d.stability.days.value),
            d.stability.days.note);
  if (d.stability.undiluted_days) {
    show_line(out, "stability, undiluted",
              fmt::format("{} days", d.stability.undiluted_days->value),
              d.stability.undiluted_days->note);
  }
  if (d.stability.first_fill_days) {
    show_line(out, "stability, first fill",
              fmt::format("{} days", d.stability.first_fill_days->value),
              d.stability.first_fill_days->note);
  }
  show_line(out, "longest refill interval",
            fmt::format("{} days", d.max_refill_interval_days.value),
            d.max_refill_interval_days.note);
  show_line(out, "refill safety margin",
            fmt::format("{} days (all drugs)", library.refill_safety_margin_days().value),
            library.refill_safety_margin_days().note);
  if (d.screening) {
    std::string doses;
    for (const DrugAmount a : d.screening->doses.value) {
      doses += (doses.empty() ? "" : ", ") + programmer::format_amount(a, d.unit);
    }
    show_line(out, "screening boluses", doses, d.screening->doses.note);
    show_line(out, "screening interval",
              "at least " + format_hours(d.screening->min_interval.value),
              d.screening->min_interval.note);
    if (d.screening->starting_dose) {
      const programmer::StartingDoseRule& r = *d.screening->starting_dose;
      show_line(out, "starting dose",
                fmt::format("{} x the effective dose per day",
                            host::format_decimal(r.multiplier_hundredths.value, 100)),
                r.multiplier_hundredths.note);
      show_line(out, "starting dose, long effect",
                fmt::format("{} x the effective dose per day when it lasted over {}",
                            host::format_decimal(r.long_effect_multiplier_hundredths.value, 100),
                            format_hours(r.long_effect_over.value)),
                r.long_effect_over.note);
    }
  } else {
    out += fmt::format("  {:<26} no rule in the library\n", "screening");
  }
  return out;
}

int drugs_show(const State& s) {
  const std::optional<DrugLibrary> library = load_drug_library(drug_library_path(s.library_file));
  if (!library) return kExitInvalidInput;
  const DrugSpec* drug = library->find(s.name);
  if (drug == nullptr) {
    return bad_input(
        fmt::format("{}: not in the drug library (known: {})", s.name, library->names()));
  }
  if (s.json) {
    const auto index = static_cast<std::size_t>(drug - library->drugs().data());
    std::cout << library->to_json()["drugs"][index].dump(2) << '\n';
  } else {
    std::cout << drug_text(*library, *drug);
  }
  return 0;
}

int drugs_export(const State& s) {
  const std::string file = drug_library_path(s.library_file);
  const std::optional<DrugLibrary> library = load_drug_library(file);
  if (!library) return kExitInvalidInput;
  if (std::filesystem::exists(s.out_file) && !s.force) {
    return bad_input(
        fmt::format("--out {}: already exists: add --force to overwrite it", s.out_file));
  }
  std::ofstream out(s.out_file, std::ios::trunc);
  out << library->to_json().dump(2) << '\n';
  out.close();
  if (!out) return failure(fmt::format("--out {}: writing failed", s.out_file));
  if (s.json) {
    std::cout << OrderedJson{{"written", s.out_file},
                             {"from", file},
                             {"drugs", library->drugs().size()}}
                     .dump(2)
              << '\n';
  } else {
    std::cout << fmt::format("wrote {} drugs from {} to {}\n", library->drugs().size(), file,
                             s.out_file);
  }
  return 0;
}

int drugs_check(const State& s) {
  const Checked<DrugLibrary> library = DrugLibrary::load(s.check_file);
  if (!library.ok()) {
    return bad_input(fmt::format("{}: {}", s.check_file, library.error().text()));
  }
  if (s.json) {
    std::cout << OrderedJson{{"file", s.check_file},
                             {"ok", true},
                             {"drugs", library->drugs().size()}}
                     .dump(2)
              << '\n';
  } else {
    std::cout << fmt::format("{}: ok, {} drugs ({})\n", s.check_file, library->drugs().size(),
                             library->names());
  }
  return 0;
}

// ---- dose rate ----

int dose_rate(const State& s) {
  const std::optional<DrugLibrary> library = load_drug_library(drug_library_path(s.library_file));
  if (!library) return kExitInvalidInput;
  const DrugSpec* drug = find_drug(*library, s.drug);
  if (drug == nullptr) return kExitInvalidInput;
  const std::optional<std::int64_t> dose = amount_flag("--dose", s.dose, drug->unit);
  if (!dose) return kExitInvalidInput;
  const std::optional<std::int64_t> conc =
      amount_flag("--concentration", s.concentration, drug->unit);
  if (!conc) return kExitInvalidInput;
  if (*conc == 0)
    return bad_input(fmt::format("--concentration {}: must be above 0", s.concentration));
  std::optional<std::int64_t> current;
  if (!s.current_dose.empty()) {
    current = amount_flag("--current-dose", s.current_dose, drug->unit);
    if (!current) return kExitInvalidInput;
  }
  std::optional<Duration> since_increase;
  if (!s.hours_since_increase.empty()) {
    if (!current) return bad_input("--hours-since-increase: needs --current-dose");
    const Checked<std::int64_t> milli_hours = host::parse_decimal(s.hours_since_increase, 1000);
    if (!milli_hours.ok()) {
      return bad_input(fmt::format("--hours-since-increase {}", milli_hours.error().message));
    }
    since_increase = Duration(milli_hours.value() * (kMillisPerHour / 1000));
  }

  std::optional<programmer::PumpRateLimits> pump;
  if (!s.pump_model.empty()) {
    const std::string models_file = s.pump_models_file.empty()
                                        ? from_env_or("ITDD_PUMP_MODELS", ITDD_DEFAULT_PUMP_MODELS)
                                        : s.pump_models_file;
    const Checked<host::PumpCatalog> catalog = host::PumpCatalog::load(models_file);
    if (!catalog.ok()) return bad_input(fmt::format("{}: {}", models_file, catalog.error().text()));
    const host::PumpModelSpec* model = catalog->find(s.pump_model);
    if (model == nullptr) {
      std::string known;
      for (const std::string& n : catalog->names()) known += (known.empty() ? "" : ", ") + n;
      return bad_input(
          fmt::format("--pump-model {}: not in {} (known: {})", s.pump_model, models_file, known));
    }
    pump = programmer::PumpRateLimits{model->model.min_rate, model->model.max_rate};
  }

  const DoseRate daily(*dose);
  const Concentration concentration(*conc);
  programmer::DoseRateInput input{daily, concentration, std::nullopt, since_increase, pump};
  if (current) input.current = DoseRate(*current);
  const programmer::DoseRateOutcome outcome =
      programmer::calculate_dose_rate(*library, *drug, input);
  const FlowRate flow = outcome.flow;
  const std::optional<Checked<FlowRate>>& pump_check = outcome.pump_check;
  const programmer::DoseCheck& check = outcome.library_check;

  if (s.json) {
    const std::int64_t per = nanograms_per(drug->unit);
    OrderedJson j{
        {"drug", drug->name},
        {"unit", programmer::unit_name(drug->unit)},
        {"dose_per_day", host::decimal_json(daily.count(), per)},
        {"dose_ng_per_day", daily.count()},
        {"concentration_per_ml", host::decimal_json(concentration.count(), per)},
        {"concentration_ng_per_ml", concentration.count()},
        {"rate_ml_per_day", host::decimal_json(flow.count(), kNanolitresPerMillilitre)},
        {"rate_ul_per_hour", host::decimal_json(flow.count() / 24, kNanolitresPerMicrolitre)},
        {"rate_nl_per_day", flow.count()}};
    if (pump_check) {
      j["pump"] = {{"model", s.pump_model},
                   {"min_rate_nl_per_day", pump->min_rate.count()},
                   {"max_rate_nl_per_day", pump->max_rate.count()},
                   {"ok", pump_check->ok()},
                   {"error", pump_check->ok() ? "" : pump_check->error().text()}};
    } else {
      j["pump"] = nullptr;
    }
    j["library_check"] = programmer::dose_check_json(check);
    std::cout << j.dump(2) << '\n';
    return 0;
  }
  std::cout << fmt::format("{}: {} at {}\n", drug->display_name,
                           programmer::format_dose(daily, drug->unit),
                           programmer::format_concentration(concentration, drug->unit));
  std::cout << fmt::format("  rate       {} = {} (rounded down: never more drug than prescribed)\n",
                           programmer::format_flow_ml_per_day(flow),
                           programmer::format_flow_ul_per_hour(flow));
  if (!pump_check) {
    std::cout << "  pump       rates not checked (give --pump-model)\n";
  } else if (pump_check->ok()) {
    std::cout << fmt::format("  pump       {} runs it ({} to {})\n", s.pump_model,
                             programmer::format_flow_ml_per_day(pump->min_rate),
                             programmer::format_flow_ml_per_day(pump->max_rate));
  } else {
    std::cout << fmt::format("  pump       {} CANNOT run it: {}\n", s.pump_model,
                             pump_check->error().message);
  }
  if (!current) std::cout << "  checked as a new therapy (give --current-dose for a change)\n";
  std::cout << programmer::format_dose_check(check);
  return 0;
}

// ---- dose convert ----

int dose_convert(const State& s) {
  const std::string file = s.conversions_file.empty() ? from_env_or("ITDD_OPIOID_CONVERSIONS",
                                                                    ITDD_DEFAULT_OPIOID_CONVERSIONS)
                                                      : s.conversions_file;
  const Checked<programmer::OpioidConversions> table = programmer::OpioidConversions::load(file);
  if (!table.ok()) return bad_input(fmt::format("{}: {}", file, table.error().text()));
  const Checked<programmer::DrugRoute> from = programmer::parse_drug_route(s.from);
  if (!from.ok()) return bad_input("--from " + from.error().message);
  const Checked<programmer::DrugRoute> to = programmer::parse_drug_route(s.to);
  if (!to.ok()) return bad_input("--to " + to.error().message);
  // The dose is in the unit the rules give the --from drug.
  std::optional<DoseUnit> unit;
  for (const programmer::Equivalence& e : table->equivalences()) {
    for (const programmer::EquivalentDose& d : e.doses) {
      if (d.at == from.value()) unit = d.unit;
    }
  }
  if (!unit) {
    return bad_input(
        fmt::format("--from {}: no rule names it (known: {})", s.from, table->known_text()));
  }
  const std::optional<std::int64_t> dose = amount_flag("--dose", s.dose, *unit);
  if (!dose) return kExitInvalidInput;
  const Checked<programmer::Conversion> c =
      programmer::convert(table.value(), from.value(), to.value(), DoseRate(*dose));
  if (!c.ok()) {
    const std::string& field = c.error().field;
    const std::string value = field == "from" ? s.from : field == "to" ? s.to : s.dose;
    return bad_input(fmt::format("--{} {}: {}", field, value, c.error().message));
  }
  if (s.json) {
    std::cout << programmer::conversion_json(c.value()).dump(2) << '\n';
  } else {
    std::cout << programmer::format_conversion(c.value());
  }
  return 0;
}

// ---- trial suggest ----

// DOSE:effective|failed[:DURATION h][:pain=B-A|ashworth=B-A][@YYYY-MM-DDTHH:MM]
std::optional<programmer::ScreeningBolus> parse_step(const std::string& text, DoseUnit unit,
                                                     std::size_t index) {
  const auto refuse = [&](const std::string& why) {
    bad_input(fmt::format("--step {} (step {}): {}", text, index + 1, why));
    return std::nullopt;
  };
  programmer::ScreeningBolus b;
  std::string body = text;
  if (const std::size_t at = body.find('@'); at != std::string::npos) {
    const Checked<WallTime> given = host::parse_wall_time(body.substr(at + 1));
    if (!given.ok()) return refuse("the time after @ " + given.error().message);
    b.given_at = given.value();
    body.resize(at);
  }
  std::vector<std::string> parts;
  for (std::size_t start = 0;;) {
    const std::size_t colon = body.find(':', start);
    parts.push_back(body.substr(start, colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (parts.size() < 2)
    return refuse("expected DOSE:effective or DOSE:failed, e.g. 50:effective:6h");
  const Checked<std::int64_t> dose = host::parse_decimal(parts[0], nanograms_per(unit));
  if (!dose.ok()) return refuse("dose " + dose.error().message);
  b.dose = DrugAmount(dose.value());
  if (parts[1] == "effective") {
    b.effective = true;
  } else if (parts[1] != "failed") {
    return refuse(fmt::format("{}: the result is effective or failed", parts[1]));
  }
  for (std::size_t i = 2; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    if (const std::size_t eq = p.find('='); eq != std::string::npos) {
      const std::string scale = p.substr(0, eq);
      const std::string scores = p.substr(eq + 1);
      const std::size_t dash = scores.find('-');
      programmer::ScreeningResponse r;
      if (scale == "pain") {
        r.scale = programmer::ResponseScale::kPain;
      } else if (scale == "ashworth") {
        r.scale = programmer::ResponseScale::kAshworth;
      } else {
        return refuse(
            fmt::format("{}: the scores are pain=BEFORE-AFTER or ashworth=BEFORE-AFTER", p));
      }
      const Checked<std::int64_t> before = host::parse_decimal(scores.substr(0, dash), 1);
      const Checked<std::int64_t> after = dash == std::string::npos
                                              ? Checked<std::int64_t>(host::Refusal{"", ""})
                                              : host::parse_decimal(scores.substr(dash + 1), 1);
      if (!before.ok() || !after.ok() || before.value() > 100 || after.value() > 100) {
        return refuse(
            fmt::format("{}: the scores are whole numbers, BEFORE-AFTER (e.g. ashworth=3-1)", p));
      }
      r.before = static_cast<int>(before.value());
      r.after = static_cast<int>(after.value());
      b.response = r;
    } else if (!p.empty() && p.back() == 'h') {
      const Checked<std::int64_t> milli_hours =
          host::parse_decimal(p.substr(0, p.size() - 1), 1000);
      if (!milli_hours.ok()) return refuse("effect duration " + milli_hours.error().message);
      b.effect_duration = Duration(milli_hours.value() * (kMillisPerHour / 1000));
    } else {
      return refuse(
          fmt::format("{}: expected an effect duration (6h) or scores (ashworth=3-1)", p));
    }
  }
  return b;
}

const char* outcome_name(programmer::ScreeningOutcome o) {
  switch (o) {
    case programmer::ScreeningOutcome::kNextDose:
      return "next-dose";
    case programmer::ScreeningOutcome::kFailed:
      return "failed";
    case programmer::ScreeningOutcome::kEffective:
      return "effective";
    default:
      return "no-rule";
  }
}

// "history[1].given_at" -> "--step #2 (given_at)".
std::string step_field(const std::string& field) {
  if (field.rfind("history[", 0) != 0) return "--step";
  const std::size_t close = field.find(']');
  const int index = std::atoi(field.substr(8, close - 8).c_str());
  const std::string rest = close + 1 < field.size() ? field.substr(close + 2) : "";
  return fmt::format("--step #{}{}", index + 1, rest.empty() ? "" : " (" + rest + ")");
}

// The patient's screening boluses of `drug` kept in the clinic database, oldest first.
struct PatientTrials {
  std::unique_ptr<programmer::ClinicDb> db;
  programmer::PatientRecord patient;
  std::optional<host::TimeZone> zone;  // the clinic's: trial times are local to it
  std::vector<programmer::ScreeningBolus> history;
};

int read_patient_trials(const State& s, const DrugSpec& drug, PatientTrials& out) {
  const std::string url = s.db.empty() ? from_env_or("ITDD_CLINIC_DB", "clinic.db") : s.db;
  auto opened = programmer::open_clinic_db(url, programmer::OpenMode::kExisting);
  if (!opened.ok()) return db_failure(opened.error());
  out.db = std::move(opened.value());
  auto patient = out.db->find_patient_by_mrn(s.patient);
  if (!patient.ok()) return db_failure(patient.error());
  out.patient = patient.value();
  auto zone = out.db->time_zone();
  if (!zone.ok()) return db_failure(zone.error());
  out.zone = std::move(zone).value();
  host::Checked<std::vector<programmer::ScreeningBolus>> history =
      programmer::read_screening_history(*out.db, out.patient.id, *out.zone, drug);
  if (!history.ok()) return db_failure(history.error());
  out.history = std::move(history.value());
  return 0;
}

int print_suggestion(const State& s, const DrugSpec* drug,
                     const std::vector<programmer::ScreeningBolus>& history);

int trial_suggest(const State& s) {
  const std::optional<DrugLibrary> library = load_drug_library(drug_library_path(s.library_file));
  if (!library) return kExitInvalidInput;
  const DrugSpec* drug = find_drug(*library, s.drug);
  if (drug == nullptr) return kExitInvalidInput;
  std::vector<programmer::ScreeningBolus> history;
  for (std::size_t i = 0; i < s.steps.size(); ++i) {
    const std::optional<programmer::ScreeningBolus> b = parse_step(s.steps[i], drug->unit, i);
    if (!b) return kExitInvalidInput;
    history.push_back(*b);
  }
  if (!s.patient.empty()) {
    if (!history.empty()) return bad_input("give either --patient or --step, not both");
    PatientTrials trials;
    if (const int rc = read_patient_trials(s, *drug, trials); rc != 0) return rc;
    history = trials.history;
  }
  return print_suggestion(s, drug, history);
}

// Records one screening bolus for a patient (checked against the screening rule with the ones
// before it), then says what comes next.
int trial_record(const State& s) {
  const std::optional<DrugLibrary> library = load_drug_library(drug_library_path(s.library_file));
  if (!library) return kExitInvalidInput;
  const DrugSpec* drug = find_drug(*library, s.drug);
  if (drug == nullptr) return kExitInvalidInput;
  if (s.steps.size() != 1) return bad_input("--step: give the one bolus to record");
  const std::optional<programmer::ScreeningBolus> b = parse_step(s.steps[0], drug->unit, 0);
  if (!b) return kExitInvalidInput;
  if (!b->response) {
    return bad_input("--step: record the response too (e.g. 50:effective:6h:ashworth=3-1)");
  }
  PatientTrials trials;
  if (const int rc = read_patient_trials(s, *drug, trials); rc != 0) return rc;
  const host::Checked<programmer::TrialPlan> plan = programmer::prepare_screening_bolus(
      trials.patient, *trials.zone, *drug, trials.history, {*b, s.route, s.notes}, system_now_ms());
  if (!plan.ok()) {
    const host::Refusal& refusal = plan.error();
    if (refusal.field == "given_at") return bad_input(fmt::format("--step: {}", refusal.message));
    return bad_input(fmt::format("{}: {}", step_field(refusal.field), refusal.message));
  }
  const host::Checked<programmer::TrialRecorded> recorded =
      programmer::record_screening_bolus(*trials.db, plan.value());
  if (!recorded.ok()) return db_failure(recorded.error());
  const programmer::TrialRecord& t = recorded->record;
  if (!s.json) {
    std::cout << fmt::format("recorded for {}: {} {} ({}), {}\n", trials.patient.mrn, drug->name,
                             programmer::format_amount(t.dose, drug->unit), s.route,
                             t.effective ? "effective" : "not effective");
  }
  return print_suggestion(s, drug, recorded->history);
}

int print_suggestion(const State& s, const DrugSpec* drug,
                     const std::vector<programmer::ScreeningBolus>& history) {
  const host::Checked<programmer::TrialSuggestion> suggestion =
      programmer::suggest_screening(*drug, history);
  if (!suggestion.ok()) {
    return bad_input(
        fmt::format("{}: {}", step_field(suggestion.error().field), suggestion.error().message));
  }
  const programmer::ScreeningStep& step = suggestion->step;
  const std::optional<programmer::StartingDose>& start = suggestion->start;
  const std::int64_t per = nanograms_per(drug->unit);
  if (s.json) {
    OrderedJson j{{"drug", drug->name},
                  {"unit", programmer::unit_name(drug->unit)},
                  {"outcome", outcome_name(step.outcome)},
                  {"dose", step.outcome == programmer::ScreeningOutcome::kNoRule
                               ? OrderedJson(nullptr)
                               : host::decimal_json(step.dose.count(), per)},
                  {"earliest", step.earliest ? OrderedJson(host::format_wall_time(*step.earliest))
                                             : OrderedJson(nullptr)},
                  {"explanation", step.explanation},
                  {"source", step.source}};
    if (start) {
      j["starting_dose"] = {
          {"dose_per_day", start->dose_per_day
                               ? host::decimal_json(start->dose_per_day->count(), per)
                               : OrderedJson(nullptr)},
          {"rule", start->rule},
          {"source", start->source}};
    } else {
      j["starting_dose"] = nullptr;
    }
    std::cout << j.dump(2) << '\n';
    return 0;
  }
  std::cout << fmt::format("{} screening\n  {}\n", drug->display_name, step.explanation);
  if (!step.source.empty()) std::cout << fmt::format("  {}\n", step.source);
  if (start) {
    if (start->dose_per_day) {
      std::cout << fmt::format("  starting infusion: {}\n  rule: {}\n  {}\n",
                               programmer::format_dose(*start->dose_per_day, drug->unit),
                               start->rule, start->source);
    } else {
      std::cout << fmt::format("  starting infusion: {}\n", start->rule);
    }
  }
  return 0;
}

}  // namespace

ClinicalCommands::ClinicalCommands(CLI::App& app) : state_(std::make_unique<State>()) {
  State& s = *state_;
  const std::string library_help =
      "Drug library file (default: $ITDD_DRUG_LIBRARY, else the source tree's "
      "data/drug-library.json)";

  CLI::App* drugs = app.add_subcommand("drugs", "The drug library: limits and their sources");
  drugs->require_subcommand(1);
  s.list = drugs->add_subcommand("list", "Every drug with its unit, concentrations and limits");
  s.show = drugs->add_subcommand("show", "One drug's figures, each with its source");
  s.show->add_option("NAME", s.name, "Drug name (e.g. ziconotide)")->required();
  s.export_ = drugs->add_subcommand("export", "Write the library to a file for the clinic to edit");
  s.export_->add_option("--out", s.out_file, "Where to write it")->required();
  s.export_->add_flag("--force", s.force, "Overwrite the file if it exists");
  s.check = drugs->add_subcommand("check", "Validate an edited library file");
  s.check->add_option("FILE", s.check_file, "The library file to check")->required();
  for (CLI::App* cmd : {s.list, s.show, s.export_}) {
    cmd->add_option("--library", s.library_file, library_help);
  }
  for (CLI::App* cmd : {s.list, s.show, s.export_, s.check}) {
    cmd->add_flag("--json", s.json, "Print JSON instead of text");
  }

  CLI::App* dose =
      app.add_subcommand("dose", "Clinical calculators: dose to rate, opioid conversion");
  dose->require_subcommand(1);
  s.rate = dose->add_subcommand(
      "rate", "The pump rate for a daily dose at a concentration, and the library's findings");
  s.rate->add_option("--drug", s.drug, "Drug name (drugs list)")->required();
  s.rate->add_option("--dose", s.dose, "Daily dose in the drug's unit (e.g. 3.5)")->required();
  s.rate->add_option("--concentration", s.concentration, "Concentration in the drug's unit per mL")
      ->required();
  s.rate->add_option("--pump-model", s.pump_model,
                     "Check the pump's rate limits (a name from data/pump-models.json)");
  s.rate->add_option("--pump-models", s.pump_models_file,
                     "Pump model file (default: $ITDD_PUMP_MODELS, else the source tree's)");
  s.rate->add_option("--current-dose", s.current_dose,
                     "The daily dose in force, to check the increase against the titration rules");
  s.rate->add_option("--hours-since-increase", s.hours_since_increase,
                     "Hours since the last dose increase (with --current-dose)");
  s.rate->add_option("--library", s.library_file, library_help);
  s.rate->add_flag("--json", s.json, "Print JSON instead of text");

  s.convert = dose->add_subcommand(
      "convert", "Convert a daily opioid dose between drugs and routes (rules of thumb)");
  s.convert->add_option("--from", s.from, "DRUG:ROUTE, e.g. morphine:oral")->required();
  s.convert->add_option("--to", s.to, "DRUG:ROUTE, e.g. morphine:intrathecal")->required();
  s.convert->add_option("--dose", s.dose, "Daily dose in the --from drug's unit (mg/day)")
      ->required();
  s.convert->add_option("--conversions", s.conversions_file,
                        "Conversion rules (default: $ITDD_OPIOID_CONVERSIONS, else the source "
                        "tree's data/opioid-conversions.json)");
  s.convert->add_flag("--json", s.json, "Print JSON instead of text");

  CLI::App* trial = app.add_subcommand("trial", "Screening (trial) boluses before an implant");
  trial->require_subcommand(1);
  s.suggest = trial->add_subcommand(
      "suggest", "The next screening bolus, or the starting infusion after an effective one");
  s.suggest->add_option("--drug", s.drug, "Drug name (e.g. baclofen)")->required();
  s.suggest->add_option("--step", s.steps,
                        "A bolus given, in order: DOSE:effective|failed[:6h][:ashworth=3-1]"
                        "[@YYYY-MM-DDTHH:MM] (6h: how long the effect lasted)");
  s.suggest->add_option("--library", s.library_file, library_help);
  s.suggest->add_option("--patient", s.patient,
                        "Take the boluses recorded for this patient (MRN) in the clinic database");
  s.suggest->add_option("--db", s.db,
                        "Clinic database (default: $ITDD_CLINIC_DB, else clinic.db here)");
  s.suggest->add_flag("--json", s.json, "Print JSON instead of text");
  s.record = trial->add_subcommand(
      "record", "Record a screening bolus and the patient's response in the clinic database");
  s.record->add_option("--patient", s.patient, "The patient's MRN")->required();
  s.record->add_option("--drug", s.drug, "Drug name (e.g. baclofen)")->required();
  s.record
      ->add_option("--step", s.steps,
                   "The bolus given: DOSE:effective|failed[:6h]:ashworth=3-1|pain=7-3"
                   "[@YYYY-MM-DDTHH:MM] (default time: now)")
      ->required();
  s.record->add_option("--route", s.route, "How it was given")->capture_default_str();
  s.record->add_option("--notes", s.notes, "Anything else the clinician observed");
  s.record->add_option("--db", s.db,
                       "Clinic database (default: $ITDD_CLINIC_DB, else clinic.db here)");
  s.record->add_option("--library", s.library_file, library_help);
  s.record->add_flag("--json", s.json, "Print JSON instead of text");
}

ClinicalCommands::~ClinicalCommands() = default;

std::optional<int> ClinicalCommands::run() const {
  const State& s = *state_;
  if (s.list->parsed()) return drugs_list(s);
  if (s.show->parsed()) return drugs_show(s);
  if (s.export_->parsed()) return drugs_export(s);
  if (s.check->parsed()) return drugs_check(s);
  if (s.rate->parsed()) return dose_rate(s);
  if (s.convert->parsed()) return dose_convert(s);
  if (s.suggest->parsed()) return trial_suggest(s);
  if (s.record->parsed()) return trial_record(s);
  return std::nullopt;
}

}  // namespace itdd::cli

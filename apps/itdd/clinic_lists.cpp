// `itdd clinic pump list` and `itdd clinic session list`: what a clinician looks up before a
// visit (the drug, the dose, what is left, when to refill) and the session numbers the report
// asks for. The figures come from programmer/clinic_db (pump_status.h), so a dashboard shows the
// same ones.
#include "clinic_lists.h"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <tuple>
#include <vector>

#include "clinic_context.h"
#include "errors.h"
#include "itdd/host/pump_catalog.h"
#include "itdd/programmer/clinic_db.h"
#include "itdd/programmer/documents.h"
#include "itdd/programmer/fixed_rate_pump.h"
#include "itdd/programmer/pump_status.h"
#include "itdd/programmer/units_text.h"

namespace itdd::cli {
namespace {

using programmer::ClinicDb;

// A dose in the unit that keeps it readable: mcg/day below 1 mg/day, else mg/day.
std::string dose_text(DoseRate dose) {
  const DoseUnit unit =
      dose.count() < kNanogramsPerMilligram ? DoseUnit::kMicrogram : DoseUnit::kMilligram;
  return programmer::format_dose(dose, unit);
}

// A concentration in the same units as dose_text: mcg/mL below 1 mg/mL, else mg/mL.
std::string conc_text(Concentration c) {
  const DoseUnit unit =
      c.count() < kNanogramsPerMilligram ? DoseUnit::kMicrogram : DoseUnit::kMilligram;
  return programmer::format_concentration(c, unit);
}

std::unique_ptr<ClinicDb> open_existing(const ClinicArgs& a, int& rc) {
  auto opened = programmer::open_clinic_db(a.db, programmer::OpenMode::kExisting);
  if (!opened.ok()) {
    rc = db_failure(opened.error());
    return nullptr;
  }
  rc = 0;
  return std::move(opened.value());
}

// --patient MRN: that patient's id, or nothing when not given; rc set on a refusal.
std::optional<std::int64_t> patient_filter(const ClinicArgs& a, ClinicDb& db, int& rc) {
  rc = 0;
  if (a.mrn.empty()) return std::nullopt;
  const auto patient = db.find_patient_by_mrn(a.mrn);
  if (!patient.ok()) {
    host::Refusal e = patient.error();
    if (e.field == "mrn") e.field = "patient_id";  // reported as --patient
    rc = db_failure(e);
    return std::nullopt;
  }
  return patient->id;
}

double ml(Volume v) {
  return static_cast<double>(v.count()) / kNanolitresPerMillilitre;
}

nlohmann::json nullable(const std::optional<std::string>& s) {
  return s ? nlohmann::json(*s) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json pump_json(const programmer::PumpRecord& p, const std::string& patient_mrn) {
  return {{"id", p.id},
          {"patient_id", p.patient_id},
          {"patient_mrn", patient_mrn},
          {"model", p.model},
          {"serial", p.serial},
          {"implant_date", programmer::utc_date(p.implant_date_ms)},
          {"implant_date_ms", p.implant_date_ms},
          {"catheter_length_cm", static_cast<double>(p.catheter_length_mm) / 10.0},
          {"catheter_length_mm", p.catheter_length_mm},
          {"catheter_volume_ml", ml(p.catheter_volume)},
          {"catheter_volume_nl", p.catheter_volume.count()},
          {"reservoir_capacity_ml", ml(p.reservoir_capacity)},
          {"reservoir_capacity_nl", p.reservoir_capacity.count()},
          {"implant_public_key_hex", p.implant_public_key_hex.empty()
                                         ? nlohmann::json(nullptr)
                                         : nlohmann::json(p.implant_public_key_hex)},
          {"active", p.active}};
}

int run_pump_list(const ClinicArgs& a, const std::string& default_pump_models) {
  // The battery's replacement planning needs the drug library (the overview's rows) and the
  // pump models' lead time.
  const std::optional<programmer::DrugLibrary> library =
      load_drug_library(drug_library_path(a.library_file));
  if (!library) return kExitInvalidInput;
  const std::string models = a.pump_models_file.empty() ? default_pump_models : a.pump_models_file;
  const host::Checked<host::PumpCatalog> catalog = host::PumpCatalog::load(models);
  if (!catalog.ok()) return bad_input(fmt::format("{}: {}", models, catalog.error().text()));
  int rc = 0;
  const std::unique_ptr<ClinicDb> db = open_existing(a, rc);
  if (!db) return rc;
  const std::int64_t now = system_now_ms();
  const auto statuses = programmer::pump_statuses(*db, now);
  if (!statuses.ok()) return db_failure(statuses.error());
  const auto replacements = programmer::replacement_plans({*db, *library, *catalog, now});
  if (!replacements.ok()) return db_failure(replacements.error());
  const auto plan_of = [&](const std::string& serial) -> const programmer::ReplacementPlan* {
    for (const programmer::PumpReplacement& r : *replacements) {
      if (r.serial == serial) return &r.plan;
    }
    return nullptr;
  };
  // Refill dates are the clinic's local dates, as `clinic due` and `clinic report` say them.
  const auto zone = db->time_zone();
  if (!zone.ok()) return db_failure(zone.error());
  // Fixed-rate pumps are their own kind: listed apart, with what they have (no prescription).
  const auto snapshot = db->clinic_snapshot();
  if (!snapshot.ok()) return db_failure(snapshot.error());
  std::vector<programmer::FixedRateStatus> fixed;
  for (const programmer::FixedRatePumpSnapshot& f : snapshot->fixed_rate_pumps) {
    fixed.push_back(programmer::fixed_rate_status(f, now));
  }
  const auto is_fixed = [&fixed](const programmer::PumpRecord& p) {
    return std::any_of(fixed.begin(), fixed.end(),
                       [&p](const programmer::FixedRateStatus& f) { return f.pump.id == p.id; });
  };
  const auto mrn_of = [&snapshot](std::int64_t patient_id) {
    for (const programmer::PatientRecord& p : snapshot->patients) {
      if (p.id == patient_id) return p.mrn;
    }
    return std::string("?");
  };
  if (a.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const programmer::FixedRateStatus& f : fixed) {
      nlohmann::json j = pump_json(f.pump, mrn_of(f.pump.patient_id));
      j.update(
          {{"kind", "gas-fixed-rate"},
           {"programmable", false},
           {"nominal_flow_nl_per_day", f.figures.nominal_flow.count()},
           {"flow_tolerance_permille", f.figures.flow_tolerance_permille},
           {"drug", f.last_fill ? nlohmann::json(f.last_fill->drug) : nlohmann::json()},
           {"concentration_ng_per_ml",
            f.last_fill ? nlohmann::json(f.last_fill->concentration.count()) : nlohmann::json()},
           {"daily_dose_ng_per_day", f.daily_dose.count()},
           {"reservoir_estimate_nl", f.left_at_worst.count()},
           {"last_refill_date",
            f.last_fill ? nlohmann::json(zone->date_at(f.last_fill->at_ms)) : nlohmann::json()},
           {"next_refill_date", f.last_fill
                                    ? nlohmann::json(zone->date_at(f.last_fill->next_refill_ms))
                                    : nlohmann::json()},
           {"next_refill_ms",
            f.last_fill ? nlohmann::json(f.last_fill->next_refill_ms) : nlohmann::json()}});
      out.push_back(std::move(j));
    }
    for (const programmer::PumpStatus& s : *statuses) {
      if (is_fixed(s.pump)) continue;
      const programmer::PumpRecord& p = s.pump;
      nlohmann::json j = pump_json(p, s.patient.mrn);
      j.update({
          {"drug", nullptr},
          {"max_daily_dose_ng_per_day", nullptr},
          {"concentration_ng_per_ml", nullptr},
          {"reservoir_estimate_nl", s.reservoir_estimate
                                        ? nlohmann::json(s.reservoir_estimate->count())
                                        : nlohmann::json(nullptr)},
          {"last_refill_date", nullptr},
          {"last_refill_ms", nullptr},
          {"next_refill_date", nullptr},
          {"next_refill_ms", nullptr},
      });
      if (s.prescription) {
        j["drug"] = s.prescription->drug;
        j["max_daily_dose_ng_per_day"] = s.prescription->max_daily_dose.count();
        j["concentration_ng_per_ml"] = s.prescription->concentration.count();
      }
      if (s.last_refill) {
        j["last_refill_date"] = zone->date_at(s.last_refill->at_ms);
        j["last_refill_ms"] = s.last_refill->at_ms;
        j["next_refill_date"] = zone->date_at(s.last_refill->next_refill_ms);
        j["next_refill_ms"] = s.last_refill->next_refill_ms;
      }
      j["replacement"] = nullptr;
      if (const programmer::ReplacementPlan* plan = plan_of(p.serial)) {
        j["replacement"] = {
            {"text", plan->text},
            {"eri_projected_date",
             plan->eri_ms ? nlohmann::json(zone->date_at(*plan->eri_ms)) : nlohmann::json(nullptr)},
            {"schedule_by_date", plan->schedule_by_ms
                                     ? nlohmann::json(zone->date_at(*plan->schedule_by_ms))
                                     : nlohmann::json(nullptr)},
            {"eri_reached", plan->eri_reached},
            {"end_of_service", plan->end_of_service},
            {"lead_days", plan->lead_days},
            {"lead_days_source", plan->source}};
      }
      out.push_back(std::move(j));
    }
    std::cout << out.dump(2) << '\n';
    return 0;
  }
  std::cout << fmt::format("{:<12} {:<15} {:<10} {:<10} {:>14} {:>16} {:<11} {:<11} {}\n", "serial",
                           "model", "patient", "drug", "dose (max)", "reservoir (est.)",
                           "last refill", "next refill", "active");
  std::size_t listed = 0;
  for (const programmer::PumpStatus& s : *statuses) {
    if (is_fixed(s.pump)) continue;
    ++listed;
    const std::string drug = s.prescription  ? s.prescription->drug
                             : s.last_refill ? s.last_refill->drug
                                             : "-";
    const std::string dose = s.prescription ? dose_text(s.prescription->max_daily_dose) : "-";
    // To the hundredth of a mL, cut toward less (an estimate, not a measurement).
    const std::string left =
        s.reservoir_estimate ? fmt::format("{} of {}",
                                           programmer::format_volume_ml(Volume(
                                               s.reservoir_estimate->count() / 10'000 * 10'000)),
                                           programmer::format_volume_ml(s.pump.reservoir_capacity))
                             : "?";
    std::cout << fmt::format("{:<12} {:<15} {:<10} {:<10} {:>14} {:>16} {:<11} {:<11} {}\n",
                             s.pump.serial, s.pump.model, s.patient.mrn, drug, dose, left,
                             s.last_refill ? zone->date_at(s.last_refill->at_ms) : "-",
                             s.last_refill ? zone->date_at(s.last_refill->next_refill_ms) : "?",
                             s.pump.active ? "yes" : "no");
  }
  // Replacement planning: the battery's projected ERI, and when to schedule the surgery.
  for (const programmer::PumpReplacement& r : *replacements) {
    std::cout << fmt::format("{:<12} battery: {}\n", r.serial, r.plan.text);
  }
  std::cout << fmt::format(
      "{} pump(s). Reservoir: the last refill less what the prescriptions since deliver at "
      "their most (? without a refill and a prescription); dates in {}; catheters and implant "
      "dates: --json\n",
      listed, zone->name());
  if (fixed.empty()) return 0;
  std::cout << fmt::format("\n{}:\n", programmer::kFixedRateLabel);
  std::cout << fmt::format(
      "{:<12} {:<15} {:<10} {:<10} {:>16} {:>14} {:>14} {:>16} {:<11} {:<11} {}\n", "serial",
      "model", "patient", "drug", "concentration", "flow", "dose", "reservoir (est.)",
      "last refill", "next refill", "active");
  for (const programmer::FixedRateStatus& f : fixed) {
    const std::string flow = programmer::format_flow_ml_per_day(f.figures.nominal_flow);
    std::string drug = "-", concentration = "-", dose = "-";
    if (f.last_fill) {
      drug = f.last_fill->drug;
      dose = dose_text(f.daily_dose);
      concentration = conc_text(f.last_fill->concentration);
    }
    std::cout << fmt::format(
        "{:<12} {:<15} {:<10} {:<10} {:>16} {:>14} {:>14} {:>16} {:<11} {:<11} {}\n", f.pump.serial,
        f.pump.model, mrn_of(f.pump.patient_id), drug, concentration, flow, dose,
        fmt::format("{} of {}",
                    programmer::format_volume_ml(Volume(f.left_at_worst.count() / 10'000 * 10'000)),
                    programmer::format_volume_ml(f.pump.reservoir_capacity)),
        f.last_fill ? zone->date_at(f.last_fill->at_ms) : "-",
        f.last_fill ? zone->date_at(f.last_fill->next_refill_ms) : "?",
        f.pump.active ? "yes" : "no");
  }
  std::cout << fmt::format(
      "{} fixed-rate pump(s). Dose: the concentration at the nominal flow; reservoir: the last "
      "fill less the fastest flow (+tolerance) since; the next refill is a bound at that flow "
      "(the pump has no alarm)\n",
      fixed.size());
  return 0;
}

int run_session_list(const ClinicArgs& a) {
  int rc = 0;
  const std::unique_ptr<ClinicDb> db = open_existing(a, rc);
  if (!db) return rc;
  const std::optional<std::int64_t> patient_id = patient_filter(a, *db, rc);
  if (rc != 0) return rc;
  const auto zone = db->time_zone();
  if (!zone.ok()) return db_failure(zone.error());
  const auto pumps = patient_id ? db->pumps_of(*patient_id) : db->list_pumps();
  if (!pumps.ok()) return db_failure(pumps.error());
  struct Row {
    programmer::SessionRecord session;
    programmer::PumpRecord pump;
    std::string mrn;
  };
  std::vector<Row> rows;
  for (const programmer::PumpRecord& p : *pumps) {
    const auto owner = db->patient(p.patient_id);
    if (!owner.ok()) return db_failure(owner.error());
    const auto sessions = db->sessions_of(p.id);
    if (!sessions.ok()) return db_failure(sessions.error());
    for (const programmer::SessionRecord& s : *sessions) rows.push_back(Row{s, p, owner->mrn});
  }
  // Newest last, as a log reads; the number is what `clinic report --session N` takes.
  std::sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) {
    return std::tie(x.session.started_at_ms, x.session.id) <
           std::tie(y.session.started_at_ms, y.session.id);
  });
  if (a.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const Row& r : rows) {
      out.push_back({{"session", r.session.id},
                     {"pump_serial", r.pump.serial},
                     {"patient_mrn", r.mrn},
                     {"operator", r.session.operator_name},
                     {"device", r.session.device},
                     {"started", zone->minute_at(r.session.started_at_ms)},
                     {"started_at_ms", r.session.started_at_ms},
                     {"ended", nullable(r.session.ended_at_ms
                                            ? std::optional(zone->minute_at(*r.session.ended_at_ms))
                                            : std::nullopt)},
                     {"summary", r.session.summary}});
    }
    std::cout << out.dump(2) << '\n';
    return 0;
  }
  std::cout << fmt::format("{:>7}  {:<20}  {:<12} {:<10} {:<16} {}\n", "session", "started", "pump",
                           "patient", "clinician", "summary");
  for (const Row& r : rows) {
    std::cout << fmt::format(
        "{:>7}  {:<20}  {:<12} {:<10} {:<16} {}\n", r.session.id,
        zone->minute_at(r.session.started_at_ms), r.pump.serial, r.mrn, r.session.operator_name,
        r.session.ended_at_ms ? r.session.summary : "(still open) " + r.session.summary);
  }
  std::cout << fmt::format("{} session(s){}; details: itdd clinic report --session N\n",
                           rows.size(), a.mrn.empty() ? "" : " of patient " + a.mrn);
  return 0;
}

}  // namespace itdd::cli

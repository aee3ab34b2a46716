// What goes on the session report and the ID card (documents.h): read from the clinic database,
// every number with its unit, every date in the clinic's time zone, the rule behind each date.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "content_common.h"
#include "itdd/alarms/alarm_kind.h"
#include "itdd/alarms/tone_patterns.h"
#include "itdd/programmer/documents.h"
#include "itdd/programmer/units_text.h"

namespace itdd::programmer {
namespace {

using detail::dose_unit_of;
using detail::find_row;
using detail::pump_line;

std::string catheter_text(const PumpRecord& pump, const std::optional<CatheterTip>& tip) {
  return fmt::format("{:.1f} cm, {}; tip {}", static_cast<double>(pump.catheter_length_mm) / 10.0,
                     format_volume_ml(pump.catheter_volume),
                     tip ? "at " + tip->vertebral_level : std::string("level not recorded"));
}

// The rate a daily dose takes at a concentration, rounded up (the reservoir is never
// overestimated from it).
FlowRate rate_of(DoseRate dose, Concentration c) {
  if (c.count() <= 0) return FlowRate(0);
  __extension__ typedef __int128 Wide;
  const Wide nl = static_cast<Wide>(dose.count()) * kNanolitresPerMillilitre;
  return FlowRate(static_cast<std::int64_t>((nl + c.count() - 1) / c.count()));
}

std::string finding_text(const nlohmann::json& f) {
  std::string text = fmt::format("Finding ({}): {}", f.value("level", std::string("?")),
                                 f.value("message", std::string()));
  if (const std::string limit = f.value("limit", std::string()); !limit.empty()) {
    text += fmt::format(" (limit {})", limit);
  }
  if (const std::string source = f.value("source", std::string()); !source.empty()) {
    text += fmt::format(" [{}]", source);
  }
  return text;
}

// The program's old and new values side by side, as the clinician reviewed them, and what the
// drug library found.
void add_prescription(const PrescriptionRecord& p, const DocumentSources& src,
                      const host::TimeZone& zone, DocumentSection& program,
                      DocumentSection& library) {
  const nlohmann::json recorded = nlohmann::json::parse(p.prescription_json, nullptr, false);
  const std::optional<DoseUnit> unit = dose_unit_of(src.library, p.drug);
  program.fields.push_back(
      {"Programmed at", fmt::format("{} (token {:016x})", zone.minute_at(p.at_ms), p.token)});
  if (unit) {
    program.fields.push_back(
        {"New program",
         fmt::format("{} {}, {}, at most {} ({})", p.drug,
                     format_concentration(p.concentration, *unit), p.mode,
                     format_dose(p.max_daily_dose, *unit),
                     format_flow_ml_per_day(rate_of(p.max_daily_dose, p.concentration)))});
  }
  DocumentTable table;
  table.columns = {"", "Before", "New"};
  if (recorded.is_object() && recorded.contains("review") && recorded["review"].is_array()) {
    for (const nlohmann::json& row : recorded["review"]) {
      if (!row.is_object()) continue;
      table.rows.push_back({row.value("item", std::string()), row.value("now", std::string()),
                            row.value("new", std::string())});
      table.marked.push_back(row.value("changed", false));
    }
  }
  if (table.rows.empty()) {
    program.notes.push_back("The review of this program was not recorded with it.");
  } else {
    program.tables.push_back(std::move(table));
  }
  if (recorded.is_object() && recorded.contains("findings") && recorded["findings"].is_array()) {
    if (recorded["findings"].empty()) {
      library.notes.push_back(fmt::format("{} at {}: within every limit of the drug library.",
                                          p.drug, zone.minute_at(p.at_ms)));
    }
    for (const nlohmann::json& f : recorded["findings"]) {
      if (f.is_object()) library.notes.push_back(finding_text(f));
    }
  } else {
    library.notes.push_back(fmt::format(
        "{} at {}: the drug library's findings were not recorded with this program (programs "
        "recorded before itdd kept them); its overrides are below.",
        p.drug, zone.minute_at(p.at_ms)));
  }
}

void add_refill(const RefillRecord& r, const DocumentSources& src, const host::TimeZone& zone,
                DocumentSection& out) {
  const std::optional<DoseUnit> unit = dose_unit_of(src.library, r.drug);
  out.fields.push_back({"Refilled at", zone.minute_at(r.at_ms)});
  out.fields.push_back({"Withdrawn", format_volume_ml(r.withdrawn)});
  out.fields.push_back({"Expected (implant)", format_volume_ml(r.expected)});
  out.fields.push_back({"Discrepancy", fmt::format("{} ({})", format_volume_ml(r.difference),
                                                   refill_finding_name(r.finding))});
  out.fields.push_back({"Acknowledged", r.finding == RefillFinding::kAsExpected
                                            ? std::string("not needed: as expected")
                                            : (r.acknowledged ? "yes: " + r.acknowledgement_reason
                                                              : std::string("no"))});
  out.fields.push_back(
      {"Filled", fmt::format("{} of {} {}", format_volume_ml(r.volume), r.drug,
                             unit ? format_concentration(r.concentration, *unit)
                                  : fmt::format("{} ng/mL", r.concentration.count()))});
  out.fields.push_back({"Low-reservoir alarm", format_volume_ml(r.low_reservoir_alarm)});
  out.fields.push_back({"Bridge bolus", r.bridge_bolus ? "yes" : "no"});
}

// "a single steady tone (1000 Hz) for 1 s, repeated every 60 min"
std::string tone_in_words(const alarms::TonePattern& p) {
  std::vector<std::int64_t> pitches;
  for (const hal::ToneSegment& s : p.tones()) {
    if (s.frequency_hz != 0 &&
        std::find(pitches.begin(), pitches.end(), s.frequency_hz) == pitches.end()) {
      pitches.push_back(s.frequency_hz);
    }
  }
  std::string sound;
  const double seconds = static_cast<double>(p.duration().count()) / 1000.0;
  if (pitches.size() == 1) {
    sound = fmt::format("a single steady tone ({} Hz) for {:g} s", pitches[0], seconds);
  } else if (pitches.size() == 2) {
    sound =
        fmt::format("two tones ({} Hz and {} Hz) alternating, high-low, for {:g} s",
                    std::max(pitches[0], pitches[1]), std::min(pitches[0], pitches[1]), seconds);
  } else {
    sound = fmt::format("a sequence of {} tones for {:g} s", pitches.size(), seconds);
  }
  if (p.repeat.count() > 0) {
    sound += fmt::format(", repeated every {} min", p.repeat.count() / 60'000);
  }
  return sound;
}

const alarms::TonePattern& pattern_of(alarms::AlarmKind kind) {
  const bool critical = alarms::info(kind).alarm_class == alarms::AlarmClass::kCritical;
  return alarms::kTonePatterns[static_cast<std::size_t>(
      critical ? alarms::TonePatternId::kCritical : alarms::TonePatternId::kNonCritical)];
}

}  // namespace

host::Checked<SessionReportDocument> session_report_document(const DocumentSources& src,
                                                             std::int64_t session_id) {
  ClinicDb& db = src.db;
  const host::Checked<SessionReport> report = db.session_report(session_id);
  if (!report.ok()) return report.error();
  const host::Checked<host::TimeZone> zone = db.time_zone();
  if (!zone.ok()) return zone.error();
  const host::Checked<ClinicContact> contact = db.clinic_contact();
  if (!contact.ok()) return contact.error();
  const PumpRecord& pump = report->pump;
  const PatientRecord& patient = report->patient;
  const SessionRecord& s = report->session;
  const auto tip = db.catheter_tip(pump.id);
  if (!tip.ok()) return tip.error();
  const auto history = db.prescription_history(pump.id);
  if (!history.ok()) return history.error();
  const auto refills = db.refills(pump.id);
  if (!refills.ok()) return refills.error();
  const auto overrides = db.overrides_in(session_id);
  if (!overrides.ok()) return overrides.error();
  const auto snapshot = db.clinic_snapshot(patient.id);
  if (!snapshot.ok()) return snapshot.error();
  const std::vector<OverviewRow> rows = build_overview(*snapshot, src.library, src.now_ms, *zone);
  const OverviewRow* row = find_row(rows, pump.id);

  SessionReportDocument doc;
  doc.title = fmt::format("Programming session {}", s.id);
  doc.subtitle = fmt::format("{}: {} {}, pump {}. Times in the clinic's time zone, {}.",
                             contact->name.empty() ? std::string("Clinic") : contact->name,
                             patient.name, patient.mrn, pump.serial, zone->name());
  doc.footer = fmt::format("itdd session report {}, printed {} ({})", s.id,
                           zone->minute_at(src.now_ms), zone->name());

  doc.sections.push_back(
      {"Clinic",
       {{"Clinic", contact->name.empty() ? "not set (itdd clinic settings)" : contact->name},
        {"Emergency phone",
         contact->emergency_phone.empty() ? "not set" : contact->emergency_phone},
        {"Time zone", zone->name()}},
       {},
       {}});
  doc.sections.push_back({"Patient",
                          {{"Name", patient.name},
                           {"MRN", patient.mrn},
                           {"Born", utc_date(patient.birth_date_ms)},
                           {"Indication", indication_name(patient.indication)}},
                          {},
                          {}});
  doc.sections.push_back({"Pump",
                          {{"Model", pump_line(pump, src.catalog)},
                           {"Serial", pump.serial},
                           {"Implanted", utc_date(pump.implant_date_ms)},
                           {"Reservoir", format_volume_ml(pump.reservoir_capacity)},
                           {"Catheter", catheter_text(pump, *tip)}},
                          {},
                          {}});
  doc.sections.push_back(
      {"Session",
       {{"Clinician", s.operator_name},
        {"Programmer", s.device},
        {"Started", zone->minute_at(s.started_at_ms)},
        {"Ended", s.ended_at_ms ? zone->minute_at(*s.ended_at_ms) : "still open"},
        {"Summary", s.summary.empty() ? "-" : s.summary}},
       {},
       {}});

  // The program, old and new side by side; the drug library's findings and overrides.
  DocumentSection program{"Program", {}, {}, {}};
  DocumentSection library{"Drug library", {}, {}, {}};
  const PrescriptionRecord* in_force = nullptr;
  for (const PrescriptionRecord& p : *history) {
    if (p.session_id == s.id) add_prescription(p, src, *zone, program, library);
    if (p.at_ms <= s.ended_at_ms.value_or(s.started_at_ms) || p.session_id == s.id) in_force = &p;
  }
  if (program.fields.empty()) {
    program.notes.push_back("The prescription was not changed in this session.");
    if (in_force != nullptr) {
      const std::optional<DoseUnit> unit = dose_unit_of(src.library, in_force->drug);
      if (unit) {
        program.fields.push_back(
            {"In force", fmt::format("{} {}, {}, at most {} ({}), since {}", in_force->drug,
                                     format_concentration(in_force->concentration, *unit),
                                     in_force->mode, format_dose(in_force->max_daily_dose, *unit),
                                     format_flow_ml_per_day(rate_of(in_force->max_daily_dose,
                                                                    in_force->concentration)),
                                     zone->minute_at(in_force->at_ms))});
      }
    }
    library.notes.push_back("No program was checked in this session.");
  }
  if (!overrides->empty()) {
    DocumentTable t;
    t.columns = {"Override of", "Reason", "By", "At"};
    for (const OverrideRecord& o : *overrides) {
      t.rows.push_back({o.limit_text, o.reason, o.clinician, zone->minute_at(o.at_ms)});
    }
    library.tables.push_back(std::move(t));
  } else {
    library.notes.push_back("No limit was overridden.");
  }
  doc.sections.push_back(std::move(program));
  doc.sections.push_back(std::move(library));

  // The refill, and the next refill's date with the rule that set it.
  DocumentSection refill{"Refill", {}, {}, {}};
  const RefillRecord* latest = nullptr;
  for (const RefillRecord& r : *refills) {
    if (r.session_id == s.id) add_refill(r, src, *zone, refill);
    if (r.session_id == s.id || r.at_ms <= s.ended_at_ms.value_or(s.started_at_ms)) latest = &r;
  }
  if (refill.fields.empty()) refill.notes.push_back("The pump was not refilled in this session.");
  if (latest != nullptr) {
    refill.fields.push_back({"Next refill", zone->date_at(latest->next_refill_ms)});
    refill.fields.push_back({"Rule", latest->next_refill_rule});
  } else {
    refill.fields.push_back({"Next refill",
                             "unknown: no refill recorded (interrogate the pump to learn what is "
                             "left)"});
  }
  doc.sections.push_back(std::move(refill));

  // Everything the session recorded, in order.
  DocumentSection changes{"What the session recorded", {}, {}, {}};
  if (report->changes.empty()) {
    changes.notes.push_back("Nothing was recorded.");
  } else {
    DocumentTable t;
    t.columns = {"At", "Kind", "What"};
    for (const ChangeRecord& c : report->changes) {
      t.rows.push_back({zone->minute_at(c.at_ms), change_kind_name(c.kind), c.what});
    }
    changes.tables.push_back(std::move(t));
  }
  doc.sections.push_back(std::move(changes));

  // Alarms, battery and the replacement, as the latest upload of the event log says.
  DocumentSection state{"Alarms and battery (latest upload)", {}, {}, {}};
  if (row != nullptr) {
    std::string alarms;
    for (const std::string& a : row->open_alarms) alarms += (alarms.empty() ? "" : ", ") + a;
    state.fields.push_back({"Open alarms", alarms.empty() ? "none" : alarms});
    const ReplacementPlan plan = plan_replacement(*row, src.catalog, *zone, src.now_ms);
    state.fields.push_back({"Battery and ERI", plan.text});
    if (!plan.source.empty()) state.notes.push_back("Replacement lead time: " + plan.source);
  }
  doc.sections.push_back(std::move(state));
  return doc;
}

ReplacementPlan plan_replacement(const OverviewRow& row, const host::PumpCatalog& catalog,
                                 const host::TimeZone& zone, std::int64_t now_ms) {
  ReplacementPlan plan;
  plan.eri_reached = row.eri_reached;
  plan.end_of_service = row.end_of_service;
  const std::string model = row.pump ? row.pump->model : std::string();
  const host::PumpModelSpec* spec = catalog.find(model);
  if (spec == nullptr) {
    plan.text = catalog.find_gas(model) != nullptr
                    ? "no battery: a gas-driven pump is replaced when its flow or its body fails"
                    : fmt::format("pump model {} is not in the pump model file", model);
    return plan;
  }
  plan.lead_days = spec->replacement_lead_days;
  for (const auto& [key, note] : spec->provenance) {
    if (key == "replacement_lead_days") {
      plan.source = fmt::format("{} days before ERI ({})", plan.lead_days, note);
    }
  }
  plan.act_soon = row.end_of_service || row.eri_reached;
  if (row.end_of_service) {
    plan.text = "END OF SERVICE: the pump has stopped; replace it now";
  } else if (row.eri_reached) {
    plan.text = "elective replacement indicator (ERI) reached: schedule the replacement now";
  } else if (row.battery_eri_ms) {
    plan.eri_ms = row.battery_eri_ms;
    plan.schedule_by_ms = *row.battery_eri_ms - plan.lead_days * kMillisPerDay;
    plan.act_soon = *plan.schedule_by_ms - now_ms <= 90 * kMillisPerDay;
    plan.text = fmt::format(
        "ERI projected {} at the current program; schedule the replacement by {} ({} days "
        "before){}",
        zone.date_at(*plan.eri_ms), zone.date_at(*plan.schedule_by_ms), plan.lead_days,
        *plan.schedule_by_ms <= now_ms ? ": that date has passed, schedule it now" : "");
  } else {
    plan.text =
        "no projection yet: no battery assessment read with the implant's clock in the uploaded "
        "event log (download a recent log and upload it: itdd programmer log, itdd clinic "
        "upload)";
  }
  return plan;
}

host::Checked<std::vector<PumpReplacement>> replacement_plans(const DocumentSources& src) {
  const host::Checked<host::TimeZone> zone = src.db.time_zone();
  if (!zone.ok()) return zone.error();
  const host::Checked<ClinicSnapshot> snapshot = src.db.clinic_snapshot();
  if (!snapshot.ok()) return snapshot.error();
  std::vector<PumpReplacement> out;
  for (const OverviewRow& row : build_overview(*snapshot, src.library, src.now_ms, *zone)) {
    if (!row.pump || !row.pump->active) continue;
    out.push_back(
        {row.pump->serial, row.patient.mrn, plan_replacement(row, src.catalog, *zone, src.now_ms)});
  }
  std::sort(out.begin(), out.end(),
            [](const PumpReplacement& a, const PumpReplacement& b) { return a.serial < b.serial; });
  return out;
}

host::Checked<ImplantCardDocument> implant_card_document(const DocumentSources& src,
                                                         std::string_view mrn) {
  ClinicDb& db = src.db;
  const host::Checked<PatientRecord> patient = db.find_patient_by_mrn(mrn);
  if (!patient.ok()) return patient.error();
  const host::Checked<ClinicContact> contact = db.clinic_contact();
  if (!contact.ok()) return contact.error();
  if (contact->name.empty() || contact->emergency_phone.empty()) {
    return host::Refusal{"clinic_contact",
                         "the card gives the clinic's name and emergency phone, and the clinic "
                         "database has none: set them first (itdd clinic settings --name NAME "
                         "--emergency-phone NUMBER)",
                         host::RefusalKind::kInvalidArgument};
  }
  const auto pumps = db.pumps_of(patient->id);
  if (!pumps.ok()) return pumps.error();
  const PumpRecord* pump = nullptr;
  for (const PumpRecord& p : *pumps) {
    if (p.active && (pump == nullptr || p.implant_date_ms >= pump->implant_date_ms)) pump = &p;
  }
  if (pump == nullptr) {
    return host::Refusal{"mrn",
                         fmt::format("patient {} has no active pump: the card describes an "
                                     "implanted pump (add it with itdd clinic pump add)",
                                     patient->mrn),
                         host::RefusalKind::kInvalidArgument};
  }
  const auto tip = db.catheter_tip(pump->id);
  if (!tip.ok()) return tip.error();
  const auto refills = db.refills(pump->id);
  if (!refills.ok()) return refills.error();
  const auto prescription = db.latest_prescription(pump->id);
  if (!prescription.ok()) return prescription.error();

  ImplantCardDocument card;
  card.heading = "Implanted drug pump";
  card.patient_name = patient->name;
  card.front.push_back({"Pump", pump_line(*pump, src.catalog)});
  card.front.push_back({"Serial", pump->serial});
  card.front.push_back({"Implanted", utc_date(pump->implant_date_ms)});
  // What is in the reservoir: the last refill's drug, else the drug last programmed.
  std::string drug = "not filled yet";
  if (!refills->empty()) {
    const RefillRecord& r = refills->back();
    const std::optional<DoseUnit> unit = dose_unit_of(src.library, r.drug);
    drug =
        unit ? fmt::format("{} {}", r.drug, format_concentration(r.concentration, *unit)) : r.drug;
  } else if (*prescription) {
    const PrescriptionRecord& p = **prescription;
    const std::optional<DoseUnit> unit = dose_unit_of(src.library, p.drug);
    drug =
        unit ? fmt::format("{} {}", p.drug, format_concentration(p.concentration, *unit)) : p.drug;
  }
  card.front.push_back({"Drug", drug});
  card.front.push_back(
      {"Catheter tip", *tip ? (*tip)->vertebral_level : std::string("level not recorded")});
  card.metal_detector_note = "Implanted drug pump: may set off metal detectors. Show this card.";

  const host::GasPumpSpec* gas = src.catalog.find_gas(pump->model);
  const host::PumpModelSpec* spec = src.catalog.find(pump->model);
  card.mri_note = "The pump must be checked by the clinic after any MRI scan.";
  card.mr_conditions = spec != nullptr  ? spec->mr_conditions
                       : gas != nullptr ? gas->mr_conditions
                                        : "MR conditions not known for this model: ask the "
                                          "clinic before any scan.";
  if (gas != nullptr) {
    card.alarm_sounds.push_back({"Alarms",
                                 "none: this pump has no electronics and makes no "
                                 "sound. Refill on the date the clinic gives."});
  } else {
    card.alarm_sounds.push_back({"Low reservoir (call the clinic for a refill)",
                                 tone_in_words(pattern_of(alarms::AlarmKind::kLowReservoir))});
    card.alarm_sounds.push_back({"Critical (drug not flowing or about to stop: call now)",
                                 tone_in_words(pattern_of(alarms::AlarmKind::kReservoirEmpty))});
  }
  card.clinic_name = contact->name;
  card.emergency_phone = contact->emergency_phone;
  return card;
}

}  // namespace itdd::programmer

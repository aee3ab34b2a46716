// `itdd clinic ...`: the clinic database from the command line (programmer/clinic_db).
// Every option is read and checked before the database is opened, and a command that would
// write opens an existing database only (`init` alone creates one), so bad input changes
// nothing. Errors name the option to fix.
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>

#include "clinic_context.h"
#include "clinic_fixed_rate.h"
#include "clinic_lists.h"
#include "commands.h"
#include "errors.h"
#include "itdd/host/decimal.h"
#include "itdd/host/pump_catalog.h"
#include "itdd/host/wall_time.h"
#include "itdd/programmer/clinic_db.h"
#include "itdd/programmer/clinic_overview.h"
#include "itdd/programmer/fixed_rate_pump.h"
#include "itdd/programmer/text_input.h"
#include "itdd/programmer/uploads.h"

namespace itdd::cli {
namespace {

using programmer::ClinicDb;
using programmer::DueRow;
using programmer::PatientRecord;
using programmer::PumpRecord;

// A PostgreSQL URL may carry a password: never print it.
std::string printable_url(const std::string& url) {
  static const std::regex in_authority("(://[^:/@]*):[^@/]*@");
  static const std::regex in_query("([?&]password=)[^&]*");
  return std::regex_replace(std::regex_replace(url, in_authority, "$1:***@"), in_query, "$1***");
}

std::string ml_text(Volume v) {
  return fmt::format("{:.3f} mL", static_cast<double>(v.count()) / kNanolitresPerMillilitre);
}

nlohmann::json patient_json(const PatientRecord& p) {
  return {{"id", p.id},
          {"mrn", p.mrn},
          {"name", p.name},
          {"birth_date", programmer::utc_date(p.birth_date_ms)},
          {"birth_date_ms", p.birth_date_ms},
          {"indication", programmer::indication_name(p.indication)}};
}

int open_db(const ClinicArgs& a, programmer::OpenMode mode, std::unique_ptr<ClinicDb>& db) {
  auto opened = programmer::open_clinic_db(a.db, mode);
  if (!opened.ok()) return db_failure(opened.error());
  db = std::move(opened.value());
  return 0;
}

int run_init(const ClinicArgs& a, bool create) {
  // The zone first: a name the tz database does not hold creates nothing.
  if (!a.time_zone.empty()) {
    if (const host::Checked<host::TimeZone> z = host::find_time_zone(a.time_zone); !z.ok()) {
      return bad_input(fmt::format("--time-zone {}: {}", a.time_zone, z.error().message));
    }
  }
  std::unique_ptr<ClinicDb> db;
  if (const int rc =
          open_db(a, create ? programmer::OpenMode::kCreate : programmer::OpenMode::kExisting, db);
      rc != 0) {
    return rc;
  }
  const auto before = db->schema_version();
  if (!before.ok()) return db_failure(before.error());
  const auto after = db->migrate();
  if (!after.ok()) return db_failure(after.error());
  if (!a.time_zone.empty()) {
    if (const auto set = db->set_time_zone(a.time_zone); !set.ok()) return db_failure(set.error());
  }
  const auto zone = db->time_zone();
  if (!zone.ok()) return db_failure(zone.error());
  if (a.json) {
    std::cout << nlohmann::json{{"db", printable_url(a.db)},
                                {"backend", db->backend_name()},
                                {"schema_version_before", *before},
                                {"schema_version", *after},
                                {"time_zone", zone->name()}}
                     .dump(2)
              << '\n';
    return 0;
  }
  if (*before == *after) {
    std::cout << fmt::format("clinic database {} ({}): schema version {}, up to date\n",
                             printable_url(a.db), db->backend_name(), *after);
  } else {
    std::cout << fmt::format("clinic database {} ({}): schema version {} (was {})\n",
                             printable_url(a.db), db->backend_name(), *after, *before);
  }
  std::cout << fmt::format("clinic time zone: {}{}\n", zone->name(),
                           a.time_zone.empty() && zone->name() == "UTC"
                               ? " (name the clinic's own: itdd clinic time-zone Europe/Paris)"
                               : "");
  return 0;
}

// Shows the clinic's time zone, or sets it (checked against the tz database first).
int run_time_zone(const ClinicArgs& a) {
  if (!a.time_zone.empty()) {
    if (const host::Checked<host::TimeZone> z = host::find_time_zone(a.time_zone); !z.ok()) {
      return bad_input(fmt::format("time-zone {}: {}", a.time_zone, z.error().message));
    }
  }
  std::unique_ptr<ClinicDb> db;
  if (const int rc = open_db(a, programmer::OpenMode::kExisting, db); rc != 0) return rc;
  if (!a.time_zone.empty()) {
    if (const auto set = db->set_time_zone(a.time_zone); !set.ok()) return db_failure(set.error());
  }
  const auto zone = db->time_zone();
  if (!zone.ok()) return db_failure(zone.error());
  const std::int64_t now = system_now_ms();
  if (a.json) {
    std::cout << nlohmann::json{{"time_zone", zone->name()},
                                {"local_now", zone->minute_at(now)},
                                {"utc_offset_ms", zone->offset_ms(now)}}
                     .dump(2)
              << '\n';
  } else {
    std::cout << fmt::format("clinic time zone: {} (now {} there)\n", zone->name(),
                             zone->minute_at(now));
  }
  return 0;
}

int run_patient_add(const ClinicArgs& a) {
  PatientRecord p;
  p.mrn = a.mrn;
  p.name = a.name;
  const auto birth = programmer::parse_utc_date(a.birth_date);
  if (!birth)
    return bad_input(fmt::format("--birth-date {}: expected a date as YYYY-MM-DD", a.birth_date));
  p.birth_date_ms = *birth;
  const auto indication = programmer::parse_indication(a.indication);
  if (!indication) {
    return bad_input(fmt::format("--indication {}: pain or spasticity", a.indication));
  }
  p.indication = *indication;
  std::unique_ptr<ClinicDb> db;
  if (const int rc = open_db(a, programmer::OpenMode::kExisting, db); rc != 0) return rc;
  const auto id = db->add_patient(p);
  if (!id.ok()) return db_failure(id.error());
  p.id = *id;
  if (a.json) {
    std::cout << patient_json(p).dump(2) << '\n';
  } else {
    std::cout << fmt::format("patient {} ({}) added, id {}\n", p.mrn, p.name, p.id);
  }
  return 0;
}

int run_patient_list(const ClinicArgs& a) {
  std::unique_ptr<ClinicDb> db;
  if (const int rc = open_db(a, programmer::OpenMode::kExisting, db); rc != 0) return rc;
  const auto patients = db->list_patients();
  if (!patients.ok()) return db_failure(patients.error());
  if (a.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const PatientRecord& p : *patients) out.push_back(patient_json(p));
    std::cout << out.dump(2) << '\n';
    return 0;
  }
  std::cout << fmt::format("{:<12} {:<28} {:<10} {}\n", "MRN", "name", "born", "indication");
  for (const PatientRecord& p : *patients) {
    std::cout << fmt::format("{:<12} {:<28} {:<10} {}\n", p.mrn, p.name,
                             programmer::utc_date(p.birth_date_ms),
                             programmer::indication_name(p.indication));
  }
  std::cout << fmt::format("{} patient(s)\n", patients->size());
  return 0;
}

int run_pump_add(const ClinicArgs& a, const std::string& default_pump_models) {
  PumpRecord p;
  p.model = a.model;
  p.serial = a.serial;
  const auto implanted = programmer::parse_utc_date(a.implant_date);
  if (!implanted) {
    return bad_input(
        fmt::format("--implant-date {}: expected a date as YYYY-MM-DD", a.implant_date));
  }
  p.implant_date_ms = *implanted;
  // To the mm (one decimal in cm) and the nL (six in mL), exactly (host/text's one reader;
  // its message names the value, so it is not repeated). The model's range is checked by the
  // database (programmer/clinic_db, clinic_checks.h), which names it.
  const host::Checked<std::int64_t> length_mm = host::parse_decimal(a.catheter_length_cm, 10);
  if (!length_mm) {
    return bad_input(
        fmt::format("--catheter-length-cm {} (a length in cm, at most one decimal, "
                    "e.g. 42.5)",
                    length_mm.error().message));
  }
  p.catheter_length_mm = *length_mm;
  const Result<Volume> volume = programmer::parse_volume_ml_or_zero(a.catheter_volume_ml);
  if (!volume.ok()) {
    return bad_input(
        fmt::format("--catheter-volume-ml {}: {} (a volume in mL, at most 6 decimals, e.g. 0.17)",
                    a.catheter_volume_ml, volume.error().message));
  }
  p.catheter_volume = volume.value();
  // The reservoir's capacity is the model's, from the pump model file.
  const std::string models_file =
      a.pump_models_file.empty() ? default_pump_models : a.pump_models_file;
  const host::Checked<host::PumpCatalog> catalog = host::PumpCatalog::load(models_file);
  if (!catalog.ok()) {
    return bad_input(fmt::format("--pump-models {}: {}", models_file, catalog.error().text()));
  }
  const host::PumpModelSpec* spec = catalog->find(a.model);
  const host::GasPumpSpec* gas = catalog->find_gas(a.model);
  if (spec == nullptr && gas == nullptr) {
    std::string known;
    for (const std::string& n : catalog->names()) known += (known.empty() ? "" : ", ") + n;
    for (const std::string& n : catalog->gas_names()) known += (known.empty() ? "" : ", ") + n;
    return bad_input(fmt::format("--model {}: not in {} (known: {})", a.model, models_file, known));
  }
  // A programmable pump's drug is put in by its first refill in a programming session.
  if (spec != nullptr) {
    for (const auto& [flag, value] : {std::pair<const char*, const std::string*>{"--drug", &a.drug},
                                      {"--concentration", &a.concentration},
                                      {"--volume-ml", &a.fill_volume_ml},
                                      {"--filled-at", &a.filled_at}}) {
      if (!value->empty()) {
        return bad_input(fmt::format(
            "{}: {} is programmable: its drug goes in at its first refill in a programming "
            "session (`itdd programmer refill`); these options are for a fixed-rate model's "
            "first fill",
            flag, a.model));
      }
    }
    p.reservoir_capacity = spec->model.reservoir_capacity;
  }
  if (a.mrn.empty()) return bad_input("--patient: give the patient's MRN");

  std::unique_ptr<ClinicDb> db;
  if (const int rc = open_db(a, programmer::OpenMode::kExisting, db); rc != 0) return rc;
  const auto patient = db->find_patient_by_mrn(a.mrn);
  if (!patient.ok()) {
    host::Refusal e = patient.error();
    if (e.field == "mrn") e.field = "patient_id";
    return db_failure(e);
  }
  p.patient_id = patient->id;
  if (gas != nullptr) return run_fixed_rate_pump_add(a, *gas, p, patient->mrn, *db);
  // The catheter's range is the model's too; the database refuses what lies outside it.
  const programmer::CatheterRange catheter{spec->min_catheter_length_mm,
                                           spec->max_catheter_length_mm, spec->min_catheter_volume,
                                           spec->max_catheter_volume};
  const auto id = db->add_pump(p, catheter);
  if (!id.ok()) return db_failure(id.error());
  p.id = *id;
  if (a.json) {
    std::cout << pump_json(p, patient->mrn).dump(2) << '\n';
  } else {
    std::cout << fmt::format(
        "pump {} ({}, reservoir {}) added for patient {}, id {}; catheter {:.1f} cm, {}\n",
        p.serial, p.model, ml_text(p.reservoir_capacity), patient->mrn, p.id,
        static_cast<double>(p.catheter_length_mm) / 10.0, ml_text(p.catheter_volume));
  }
  return 0;
}

int run_due(const ClinicArgs& a, const programmer::RiskRank& risk_rank) {
  // A duration as everywhere on the command line (programmer/input).
  const Result<Duration> within_duration = programmer::parse_duration(a.within);
  if (!within_duration.ok()) {
    return bad_input(fmt::format("--within {}: {}", a.within, within_duration.error().message));
  }
  const std::int64_t within = within_duration->count();
  std::optional<std::int64_t> day;
  if (!a.now.empty()) {
    const host::Checked<std::int64_t> d = host::parse_date(a.now);
    if (!d.ok()) return bad_input(fmt::format("--now {}: expected a date as YYYY-MM-DD", a.now));
    day = *d;
  }
  std::unique_ptr<ClinicDb> db;
  if (const int rc = open_db(a, programmer::OpenMode::kExisting, db); rc != 0) return rc;
  const auto zone = db->time_zone();
  if (!zone.ok()) return db_failure(zone.error());
  // --now DATE: the start of that day in the clinic's time.
  const std::int64_t now = day ? zone->start_of_day(*day) : system_now_ms();
  const auto rows = db->due(now, within, risk_rank);
  if (!rows.ok()) return db_failure(rows.error());
  if (a.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const DueRow& r : *rows) {
      nlohmann::json j = {
          {"status", programmer::due_status_name(r.status)},
          {"patient_mrn", r.patient.mrn},
          {"patient_name", r.patient.name},
          {"pump_serial", r.pump.serial},
          {"pump_model", r.pump.model},
          {"drug", r.drug.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.drug)},
          {"next_refill_date", nullptr},
          {"next_refill_ms", nullptr},
          {"days_left", nullptr},
          {"low_reservoir_date", nullptr},
          {"reason", r.reason},
          {"kind", r.fixed_rate ? "gas-fixed-rate" : "programmable"},
      };
      if (r.next_refill_ms) {
        j["next_refill_date"] = r.next_refill_date;
        j["next_refill_ms"] = *r.next_refill_ms;
        j["days_left"] = r.days_left;
      }
      if (r.low_reservoir_ms) j["low_reservoir_date"] = zone->date_at(*r.low_reservoir_ms);
      out.push_back(std::move(j));
    }
    std::cout << out.dump(2) << '\n';
    return 0;
  }
  std::cout << fmt::format("refills due by {} (today {}, {}), most at risk first\n",
                           zone->date_at(now + within), zone->date_at(now), zone->name());
  std::cout << fmt::format("{:<8} {:<24} {:<12} {:<12} {:<11} {:>9}  {}\n", "status", "patient",
                           "pump", "drug", "next refill", "days left", "reason");
  for (const DueRow& r : *rows) {
    std::cout << fmt::format(
        "{:<8} {:<24} {:<12} {:<12} {:<11} {:>9}  {}\n", programmer::due_status_name(r.status),
        fmt::format("{} {}", r.patient.mrn, r.patient.name), r.pump.serial,
        r.drug.empty() ? "?" : r.drug, r.next_refill_ms ? r.next_refill_date : "?",
        r.next_refill_ms ? fmt::format("{} d", r.days_left) : "?",
        r.fixed_rate ? fmt::format("{}, no alarm: {}", programmer::kFixedRateLabel, r.reason)
                     : r.reason);
  }
  std::cout << fmt::format("{} pump(s)\n", rows->size());
  return 0;
}

int run_report(const ClinicArgs& a) {
  if (a.session_id <= 0) return bad_input("--session: a session number from 1");
  std::unique_ptr<ClinicDb> db;
  if (const int rc = open_db(a, programmer::OpenMode::kExisting, db); rc != 0) return rc;
  const auto report = db->session_report(a.session_id);
  if (!report.ok()) return db_failure(report.error());
  const auto zone = db->time_zone();
  if (!zone.ok()) return db_failure(zone.error());
  // Times in the clinic's time, its zone named once.
  const auto minute = [&](std::int64_t ms) { return zone->minute_at(ms); };
  const programmer::SessionRecord& s = report->session;
  if (a.json) {
    nlohmann::json changes = nlohmann::json::array();
    for (const programmer::ChangeRecord& c : report->changes) {
      changes.push_back({{"at", minute(c.at_ms)},
                         {"at_ms", c.at_ms},
                         {"kind", programmer::change_kind_name(c.kind)},
                         {"what", c.what},
                         {"detail", nlohmann::json::parse(c.detail_json, nullptr, false)}});
    }
    nlohmann::json out = {
        {"session", s.id},
        {"operator", s.operator_name},
        {"device", s.device},
        {"time_zone", zone->name()},
        {"started", minute(s.started_at_ms)},
        {"started_at_ms", s.started_at_ms},
        {"ended", s.ended_at_ms ? nlohmann::json(minute(*s.ended_at_ms)) : nlohmann::json(nullptr)},
        {"ended_at_ms", s.ended_at_ms ? nlohmann::json(*s.ended_at_ms) : nlohmann::json(nullptr)},
        {"summary", s.summary},
        {"pump", pump_json(report->pump, report->patient.mrn)},
        {"patient", patient_json(report->patient)},
        {"changes", changes},
    };
    std::cout << out.dump(2) << '\n';
    return 0;
  }
  std::cout << fmt::format("session {}: pump {} ({}), patient {} {}\n", s.id, report->pump.serial,
                           report->pump.model, report->patient.mrn, report->patient.name);
  std::cout << fmt::format(
      "by {} on {}, from {} to {} ({})\n", s.operator_name, s.device, minute(s.started_at_ms),
      s.ended_at_ms ? minute(*s.ended_at_ms) : std::string("(still open)"), zone->name());
  if (!s.summary.empty()) std::cout << "summary: " << s.summary << '\n';
  if (report->changes.empty()) std::cout << "no changes\n";
  for (const programmer::ChangeRecord& c : report->changes) {
    std::cout << fmt::format("  {}  {:<8}  {}\n", minute(c.at_ms),
                             programmer::change_kind_name(c.kind), c.what);
  }
  return 0;
}

// One downloaded file, checked whole before anything is stored.
struct Upload {
  std::string file;
  programmer::DownloadedRecords records;
};

int run_upload(const ClinicArgs& a) {
  std::vector<Upload> uploads;
  for (const std::string& f : a.upload_files) {
    host::Checked<programmer::DownloadedRecords> read = programmer::read_downloaded_records(f);
    if (!read.ok()) {
      return bad_input(
          fmt::format("{}: {} (upload the files `itdd programmer log|history --out "
                      "FILE` writes)",
                      f, read.error().text()));
    }
    uploads.push_back(Upload{f, std::move(read).value()});
  }
  std::unique_ptr<ClinicDb> db;
  if (const int rc = open_db(a, programmer::OpenMode::kExisting, db); rc != 0) return rc;
  const auto pumps = db->list_pumps();
  if (!pumps.ok()) return db_failure(pumps.error());
  nlohmann::json out = nlohmann::json::array();
  for (const Upload& u : uploads) {
    std::optional<PumpRecord> pump;
    for (const PumpRecord& p : pumps.value()) {
      if ((!a.serial.empty() && p.serial == a.serial) ||
          (a.serial.empty() && p.implant_public_key_hex == u.records.implant_key)) {
        pump = p;
      }
    }
    if (!pump) {
      return bad_input(
          fmt::format("{}: no pump in the clinic database has implant key {}: give "
                      "--serial",
                      u.file, u.records.implant_key));
    }
    if (!pump->implant_public_key_hex.empty() &&
        pump->implant_public_key_hex != u.records.implant_key) {
      return bad_input(fmt::format("{}: read from implant {}, but pump {} has implant key {}",
                                   u.file, u.records.implant_key, pump->serial,
                                   pump->implant_public_key_hex));
    }
    const bool log = u.records.kind == programmer::DownloadedRecords::Kind::kEventLog;
    const auto stored = log ? db->store_event_log(pump->id, u.records.records)
                            : db->store_delivery_hours(pump->id, u.records.hours);
    if (!stored.ok()) return db_failure(stored.error());
    // The implant's clock as read with the file: places its hours on the clinic's time line.
    if (u.records.wall_offset_ms) {
      const auto clock =
          db->set_implant_clock_offset(pump->id, {*u.records.wall_offset_ms, system_now_ms()});
      if (!clock.ok()) return db_failure(clock.error());
    }
    const std::size_t total = log ? u.records.records.size() : u.records.hours.size();
    out.push_back({{"file", u.file},
                   {"pump", pump->serial},
                   {"kind", log ? "event log" : "delivery history"},
                   {"in_file", total},
                   {"new", stored.value()}});
    if (!a.json) {
      std::cout << fmt::format("{}: {} of pump {}: {} {}, {} new (the rest already stored)\n",
                               u.file, log ? "event log" : "delivery history", pump->serial, total,
                               log ? "records" : "hours", stored.value());
    }
  }
  if (a.json) std::cout << out.dump(2) << '\n';
  return 0;
}

}  // namespace

CLI::App* add_clinic(CLI::App& app, ClinicArgs& a) {
  CLI::App* clinic = app.add_subcommand(
      "clinic", "The clinic database: patients, pumps, sessions and the refill calendar");
  clinic->require_subcommand(1);
  if (const char* env = std::getenv("ITDD_CLINIC_DB"); env != nullptr && *env != '\0') {
    a.db = env;
  }
  clinic
      ->add_option("--db", a.db,
                   "Database: a file (or sqlite:PATH) or postgresql://... "
                   "(default: $ITDD_CLINIC_DB, else clinic.db here)")
      ->capture_default_str();
  clinic->add_flag("--json", a.json, "Print JSON instead of text");

  // Leaf commands accept --db and --json after their own name too.
  const auto leaf = [](CLI::App* parent, const char* name, const char* help) {
    CLI::App* c = parent->add_subcommand(name, help);
    c->fallthrough();
    return c;
  };
  a.init = leaf(clinic, "init", "Create the database (SQLite) or its tables, and migrate");
  a.init->add_option("--time-zone", a.time_zone,
                     "The clinic's time zone, an IANA name such as Europe/Paris (kept in the "
                     "database; every date shown is local to it; default UTC)");
  a.time_zone_cmd = leaf(clinic, "time-zone",
                         "Show the clinic's time zone, or set it (an IANA name: Europe/Paris)");
  a.time_zone_cmd->add_option("NAME", a.time_zone, "The zone to set, e.g. America/New_York");
  a.migrate = leaf(clinic, "migrate", "Bring an existing database's schema up to date");

  CLI::App* patient = clinic->add_subcommand("patient", "Patients");
  patient->require_subcommand(1);
  patient->fallthrough();
  a.patient_add = leaf(patient, "add", "Add a patient");
  a.patient_add->add_option("--mrn", a.mrn, "The clinic's medical record number")->required();
  a.patient_add->add_option("--name", a.name, "The patient's name")->required();
  a.patient_add->add_option("--birth-date", a.birth_date, "YYYY-MM-DD")->required();
  a.patient_add->add_option("--indication", a.indication, "pain or spasticity")->required();
  a.patient_list = leaf(patient, "list", "List the patients by MRN");

  CLI::App* pump = clinic->add_subcommand("pump", "Implanted pumps");
  pump->require_subcommand(1);
  pump->fallthrough();
  a.pump_add = leaf(pump, "add", "Add a pump implanted in a patient");
  a.pump_add->add_option("--patient", a.mrn, "The patient's MRN")->required();
  a.pump_add->add_option("--model", a.model, "Pump model, as in the pump model file")->required();
  a.pump_add->add_option("--serial", a.serial, "The pump's serial number")->required();
  a.pump_add->add_option("--implant-date", a.implant_date, "YYYY-MM-DD")->required();
  a.pump_add->add_option("--catheter-length-cm", a.catheter_length_cm, "e.g. 42.5")->required();
  a.pump_add->add_option("--catheter-volume-ml", a.catheter_volume_ml, "e.g. 0.17")->required();
  a.pump_add->add_option("--pump-models", a.pump_models_file,
                         "Pump model file (default: $ITDD_PUMP_MODELS, else the source tree's "
                         "data/pump-models.json)");
  // A fixed-rate (gas-driven) model's first fill is recorded with it.
  a.pump_add->add_option("--drug", a.drug, "Fixed-rate model: the drug of its first fill");
  a.pump_add->add_option("--concentration", a.concentration,
                         "Fixed-rate model: the concentration, in the drug's unit per mL");
  a.pump_add->add_option("--volume-ml", a.fill_volume_ml,
                         "Fixed-rate model: the volume put in (mL)");
  a.pump_add->add_option("--clinician", a.clinician, "Fixed-rate model: who filled it");
  a.pump_add->add_option("--filled-at", a.filled_at,
                         "Fixed-rate model: when, \"YYYY-MM-DD HH:MM\" in the clinic's time "
                         "(default: now)");
  a.pump_add->add_option("--library", a.library_file,
                         "Drug library (default: $ITDD_DRUG_LIBRARY, else the source tree's)");
  a.pump_refill = leaf(pump, "refill",
                       "Refill a fixed-rate (gas-driven) pump, with a new concentration to change "
                       "its dose (a programmable pump is refilled with `itdd programmer refill`)");
  a.pump_refill->add_option("--pump", a.serial, "The pump's serial")->required();
  a.pump_refill->add_option("--drug", a.drug, "The drug put in")->required();
  a.pump_refill
      ->add_option("--concentration", a.concentration,
                   "Its concentration, in the drug's unit per mL (`itdd dose "
                   "fixed-rate` gives the one for a daily dose)")
      ->required();
  a.pump_refill->add_option("--volume-ml", a.fill_volume_ml, "The volume put in (mL)")->required();
  a.pump_refill->add_option("--withdrawn-ml", a.withdrawn_ml, "What was withdrawn first (mL)")
      ->required();
  a.pump_refill->add_option("--clinician", a.clinician, "Who refilled it")->required();
  a.pump_refill->add_option("--filled-at", a.filled_at,
                            "When, \"YYYY-MM-DD HH:MM\" in the clinic's time (default: now)");
  a.pump_refill->add_option("--library", a.library_file,
                            "Drug library (default: $ITDD_DRUG_LIBRARY, else the source tree's)");
  a.pump_list = leaf(pump, "list",
                     "List the pumps by serial: drug, dose, reservoir estimate, last and next "
                     "refill");

  CLI::App* session = clinic->add_subcommand("session", "Programming sessions");
  session->require_subcommand(1);
  session->fallthrough();
  a.session_list = leaf(session, "list",
                        "List the programming sessions, oldest first, with the number `clinic "
                        "report --session N` takes");
  a.session_list->add_option("--patient", a.mrn, "Only this patient's sessions (MRN)");

  a.due = leaf(clinic, "due",
               "Pumps to refill soon, overdue or never refilled here, most at risk first");
  a.due->add_option("--within", a.within, "How far ahead: days (14d) or hours (36h)")
      ->capture_default_str();
  a.due->add_option(
      "--now", a.now,
      "Count from the start of this day (YYYY-MM-DD, the clinic's time) instead of now");
  a.due->add_option("--library", a.library_file,
                    "Drug library that ranks withdrawal risk (default: $ITDD_DRUG_LIBRARY, else "
                    "the source tree's data/drug-library.json)");

  a.report = leaf(clinic, "report", "What a programming session changed, by whom, when");
  a.report->add_option("--session", a.session_id, "The session's number")->required();
  a.upload = leaf(clinic, "upload",
                  "Store event logs and delivery histories downloaded with `itdd programmer log|"
                  "history --out FILE` (the pump is found by the implant's key; a record already "
                  "stored is not stored twice)");
  a.upload->add_option("FILE", a.upload_files, "itdd-event-log or itdd-delivery-history files")
      ->required();
  a.upload->add_option("--serial", a.serial,
                       "The pump's serial, when the clinic database does not know its implant "
                       "key yet");
  a.export_cmd = leaf(clinic, "export",
                      "A patient's record as an HL7 FHIR R4 Bundle (JSON), on stdout or into a "
                      "file (docs/fhir.md)");
  a.export_cmd->add_flag("--fhir", a.fhir, "FHIR R4 JSON (the one format there is)")->required();
  a.export_cmd->add_option("--patient", a.mrn, "The patient's MRN")->required();
  a.export_cmd->add_option("--out", a.out_file,
                           "Write the bundle to this file (complete or not at all) instead of "
                           "stdout");
  a.export_cmd->add_option("--library", a.library_file,
                           "Drug library giving each drug's unit (default: $ITDD_DRUG_LIBRARY, "
                           "else the source tree's data/drug-library.json)");
  add_clinic_documents(clinic, pump, a);
  return clinic;
}

int run_clinic(const ClinicArgs& a, const std::string& default_pump_models,
               const programmer::RiskRank& risk_rank) {
  if (a.db.empty()) return bad_input("--db: give a database file or URL");
  if (const std::optional<int> rc = run_clinic_documents(a, default_pump_models)) return *rc;
  if (a.init->parsed()) return run_init(a, true);
  if (a.migrate->parsed()) return run_init(a, false);
  if (a.patient_add->parsed()) return run_patient_add(a);
  if (a.patient_list->parsed()) return run_patient_list(a);
  if (a.pump_add->parsed()) return run_pump_add(a, default_pump_models);
  if (a.pump_list->parsed()) return run_pump_list(a, default_pump_models);
  if (a.pump_refill->parsed()) return run_fixed_rate_refill(a);
  if (a.session_list->parsed()) return run_session_list(a);
  if (a.due->parsed()) {
    if (risk_rank) return run_due(a, risk_rank);
    // Most at risk first: the drug library's withdrawal risk (baclofen high).
    const std::optional<programmer::DrugLibrary> library =
        load_drug_library(drug_library_path(a.library_file));
    if (!library) return kExitInvalidInput;
    return run_due(a, programmer::withdrawal_risk_rank(*library));
  }
  if (a.report->parsed()) return run_report(a);
  if (a.upload->parsed()) return run_upload(a);
  if (a.export_cmd->parsed()) return run_clinic_export(a);
  if (a.time_zone_cmd->parsed()) return run_time_zone(a);
  return bad_input(
      "clinic: name a command (init, migrate, time-zone, settings, patient, pump, session, due, "
      "report, summary, card, upload, export)");
}

}  // namespace itdd::cli

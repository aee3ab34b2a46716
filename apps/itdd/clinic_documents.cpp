// `itdd clinic report --pdf`, `summary`, `card`, `settings` and `pump catheter-tip`: the clinic's
// printed documents and what they need, over programmer/documents. Options are read and checked
// before the database is opened; a document is written whole or not at all.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "clinic_context.h"
#include "commands.h"
#include "errors.h"
#include "itdd/host/pump_catalog.h"
#include "itdd/host/wall_time.h"
#include "itdd/programmer/clinic_checks.h"
#include "itdd/programmer/clinic_db.h"
#include "itdd/programmer/documents.h"

namespace itdd::cli {
namespace {

using programmer::ClinicDb;

CLI::App* leaf(CLI::App* parent, const char* name, const char* help) {
  CLI::App* c = parent->add_subcommand(name, help);
  c->fallthrough();
  return c;
}

int open_existing(const ClinicArgs& a, std::unique_ptr<ClinicDb>& db) {
  auto opened = programmer::open_clinic_db(a.db, programmer::OpenMode::kExisting);
  if (!opened.ok()) return db_failure(opened.error());
  db = std::move(opened.value());
  return 0;
}

// The drug library and the pump catalog a document is built with; exit status 2 when either
// cannot be read.
struct Data {
  std::optional<programmer::DrugLibrary> library;
  std::optional<host::PumpCatalog> catalog;
};
int load_data(const ClinicArgs& a, const std::string& default_pump_models, Data& data) {
  data.library = load_drug_library(drug_library_path(a.library_file));
  if (!data.library) return kExitInvalidInput;
  const std::string models = a.pump_models_file.empty() ? default_pump_models : a.pump_models_file;
  host::Checked<host::PumpCatalog> catalog = host::PumpCatalog::load(models);
  if (!catalog.ok()) return bad_input(fmt::format("{}: {}", models, catalog.error().text()));
  data.catalog = std::move(catalog).value();
  return 0;
}

// Writes the rendered document and says so (text or JSON).
int write_document(const ClinicArgs& a, const host::Checked<programmer::RenderedPdf>& pdf,
                   const std::string& what) {
  if (!pdf.ok()) return refused(pdf.error());
  if (const host::Checked<void> w = programmer::write_pdf_file(a.pdf, pdf->bytes); !w.ok()) {
    return refused(w.error(), "--pdf");
  }
  if (a.json) {
    std::cout << nlohmann::json{{"outcome", "ok"},     {"exit_status", 0},
                                {"document", what},    {"pdf", a.pdf},
                                {"pages", pdf->pages}, {"bytes", pdf->bytes.size()}}
                     .dump(2)
              << '\n';
  } else {
    std::cout << fmt::format("{} written to {} ({} page{}, {} bytes)\n", what, a.pdf, pdf->pages,
                             pdf->pages == 1 ? "" : "s", pdf->bytes.size());
  }
  return 0;
}

int run_report_pdf(const ClinicArgs& a, const std::string& default_pump_models) {
  if (a.session_id <= 0) return bad_input("--session: a session number from 1");
  Data data;
  if (const int rc = load_data(a, default_pump_models, data); rc != 0) return rc;
  std::unique_ptr<ClinicDb> db;
  if (const int rc = open_existing(a, db); rc != 0) return rc;
  const programmer::DocumentSources sources{*db, *data.library, *data.catalog, system_now_ms()};
  const auto doc = programmer::session_report_document(sources, a.session_id);
  if (!doc.ok()) return db_failure(doc.error());
  return write_document(a, programmer::render_session_report(*doc),
                        fmt::format("session report {}", a.session_id));
}

// --from and --to: local days of the clinic, both included; by default the last 90 days.
int run_summary(const ClinicArgs& a, const std::string& default_pump_models) {
  std::optional<std::int64_t> from_day;
  std::optional<std::int64_t> to_day;
  for (const auto& [text, option, out] :
       {std::tuple{&a.from, "--from", &from_day}, std::tuple{&a.to, "--to", &to_day}}) {
    if (text->empty()) continue;
    const host::Checked<std::int64_t> d = host::parse_date(*text);
    if (!d.ok()) {
      return bad_input(
          fmt::format("{} {}: expected a date as YYYY-MM-DD (the clinic's day)", option, *text));
    }
    *out = *d;
  }
  if (from_day && to_day && *from_day > *to_day) {
    return bad_input(
        fmt::format("--from {} is after --to {}: give the first day, then the last", a.from, a.to));
  }
  Data data;
  if (const int rc = load_data(a, default_pump_models, data); rc != 0) return rc;
  std::unique_ptr<ClinicDb> db;
  if (const int rc = open_existing(a, db); rc != 0) return rc;
  const auto zone = db->time_zone();
  if (!zone.ok()) return db_failure(zone.error());
  const std::int64_t now = system_now_ms();
  const std::int64_t today = (now + zone->offset_ms(now)) / kMillisPerDay;
  const std::int64_t last = to_day.value_or(today);
  const std::int64_t first = from_day.value_or(last - 89);
  if (first > last) {
    return bad_input(fmt::format("--from {} is after the last day {}: give an earlier --from",
                                 a.from, zone->date_at(zone->start_of_day(last))));
  }
  const programmer::DocumentSources sources{*db, *data.library, *data.catalog, now};
  const auto doc = programmer::patient_summary_document(sources, a.mrn, zone->start_of_day(first),
                                                        zone->start_of_day(last + 1));
  if (!doc.ok()) {
    if (doc.error().field == "mrn") return refused(doc.error(), "--patient");
    return db_failure(doc.error());
  }
  return write_document(a, programmer::render_patient_summary(*doc),
                        fmt::format("patient summary of {}", a.mrn));
}

int run_card(const ClinicArgs& a, const std::string& default_pump_models) {
  Data data;
  if (const int rc = load_data(a, default_pump_models, data); rc != 0) return rc;
  std::unique_ptr<ClinicDb> db;
  if (const int rc = open_existing(a, db); rc != 0) return rc;
  const programmer::DocumentSources sources{*db, *data.library, *data.catalog, system_now_ms()};
  const auto doc = programmer::implant_card_document(sources, a.mrn);
  if (!doc.ok()) {
    if (doc.error().field == "mrn") return refused(doc.error(), "--patient");
    return db_failure(doc.error());
  }
  return write_document(a, programmer::render_implant_card(*doc),
                        fmt::format("implant ID card of {}", a.mrn));
}

// Shows the clinic's name and emergency phone, or sets them (both at once).
int run_settings(const ClinicArgs& a) {
  const bool setting = !a.name.empty() || !a.emergency_phone.empty();
  if (setting && (a.name.empty() || a.emergency_phone.empty())) {
    return bad_input("settings: give --name and --emergency-phone together (the card prints both)");
  }
  std::unique_ptr<ClinicDb> db;
  if (const int rc = open_existing(a, db); rc != 0) return rc;
  if (setting) {
    const host::Checked<void> set = db->set_clinic_contact({a.name, a.emergency_phone});
    if (!set.ok()) return db_failure(set.error());
  }
  const auto contact = db->clinic_contact();
  if (!contact.ok()) return db_failure(contact.error());
  const auto zone = db->time_zone();
  if (!zone.ok()) return db_failure(zone.error());
  if (a.json) {
    std::cout << nlohmann::json{{"name", contact->name},
                                {"emergency_phone", contact->emergency_phone},
                                {"time_zone", zone->name()}}
                     .dump(2)
              << '\n';
    return 0;
  }
  const auto shown = [](const std::string& v) { return v.empty() ? std::string("(not set)") : v; };
  std::cout << fmt::format("clinic name:     {}\nemergency phone: {}\ntime zone:       {}\n",
                           shown(contact->name), shown(contact->emergency_phone), zone->name());
  if (contact->name.empty()) {
    std::cout << "set them with: itdd clinic settings --name NAME --emergency-phone NUMBER\n";
  }
  return 0;
}

int run_pump_tip(const ClinicArgs& a) {
  // The level's own check first: a typing error opens nothing.
  if (const std::optional<host::Refusal> e = programmer::check_vertebral_level(a.level)) {
    return refused(*e, "--level");
  }
  std::unique_ptr<ClinicDb> db;
  if (const int rc = open_existing(a, db); rc != 0) return rc;
  const auto pump = db->find_pump_by_serial(a.serial);
  if (!pump.ok()) return db_failure(pump.error());
  const std::int64_t now = system_now_ms();
  if (const auto set = db->set_catheter_tip(pump->id, {a.level, now}); !set.ok()) {
    return db_failure(set.error());
  }
  if (a.json) {
    std::cout << nlohmann::json{{"pump", pump->serial}, {"catheter_tip", a.level}}.dump(2) << '\n';
  } else {
    std::cout << fmt::format("pump {}: catheter tip at {}\n", pump->serial, a.level);
  }
  return 0;
}

}  // namespace

void add_clinic_documents(CLI::App* clinic, CLI::App* pump, ClinicArgs& a) {
  const auto data_options = [&a](CLI::App* c) {
    c->add_option("--library", a.library_file,
                  "Drug library (default: $ITDD_DRUG_LIBRARY, else data/drug-library.json)");
    c->add_option("--pump-models", a.pump_models_file,
                  "Pump model file (default: $ITDD_PUMP_MODELS, else data/pump-models.json)");
  };
  data_options(a.pump_list);  // its battery replacement planning
  a.report->add_option("--pdf", a.pdf,
                       "Write the session report as PDF to FILE (whole or not at all)");
  data_options(a.report);

  a.summary = leaf(clinic, "summary",
                   "A patient's summary as PDF: the dashboard's plots and the sessions of a "
                   "period");
  a.summary->add_option("--patient", a.mrn, "The patient's MRN")->required();
  a.summary->add_option("--from", a.from,
                        "First day, YYYY-MM-DD in the clinic's time (default: 89 days before "
                        "--to)");
  a.summary->add_option("--to", a.to, "Last day, YYYY-MM-DD in the clinic's time (default: today)");
  a.summary->add_option("--pdf", a.pdf, "The PDF file to write")->required();
  data_options(a.summary);

  a.card = leaf(clinic, "card",
                "The patient's implant ID card as PDF (ID-1, 85.60 x 53.98 mm, front and back)");
  a.card->add_option("--patient", a.mrn, "The patient's MRN")->required();
  a.card->add_option("--pdf", a.pdf, "The PDF file to write")->required();
  data_options(a.card);

  a.settings = leaf(clinic, "settings",
                    "Show the clinic's name and emergency phone (printed on implant ID cards), "
                    "or set them");
  a.settings->add_option("--name", a.name, "The clinic's name, as patients know it");
  a.settings->add_option("--emergency-phone", a.emergency_phone,
                         "The number to call in an emergency, e.g. \"+33 1 23 45 67 89\"");

  a.pump_tip = leaf(pump, "catheter-tip",
                    "Record where a pump's catheter tip lies (its vertebral level, from imaging)");
  a.pump_tip->add_option("--serial", a.serial, "The pump's serial number")->required();
  a.pump_tip->add_option("--level", a.level, "C1-C7, T1-T12 or L1-L5, e.g. T10")->required();
}

std::optional<int> run_clinic_documents(const ClinicArgs& a,
                                        const std::string& default_pump_models) {
  if (a.report->parsed() && !a.pdf.empty()) return run_report_pdf(a, default_pump_models);
  if (a.summary->parsed()) return run_summary(a, default_pump_models);
  if (a.card->parsed()) return run_card(a, default_pump_models);
  if (a.settings->parsed()) return run_settings(a);
  if (a.pump_tip->parsed()) return run_pump_tip(a);
  return std::nullopt;
}

}  // namespace itdd::cli

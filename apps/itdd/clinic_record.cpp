#include "clinic_record.h"

#include <fmt/format.h>

#include <iostream>

#include "clinic_context.h"
#include "clinic_fixed_rate.h"
#include "itdd/programmer/key_files.h"
#include "link_session.h"

namespace itdd::cli {

void add_record_options(CLI::App* cmd, RecordArgs& a, LinkArgs& link) {
  cmd->add_option("--db", link.clinic_db,
                  "Clinic database to record the session in (default: $ITDD_CLINIC_DB; none: "
                  "not recorded)");
  cmd->add_option("--clinician", a.clinician, "Who is at the programmer (recorded)");
  cmd->add_option("--pump", a.pump_serial,
                  "The pump's serial in the clinic database (needed once: then its implant key "
                  "finds it)");
  // Several commands share one RecordArgs: the one parsed names itself.
  cmd->parse_complete_callback([&a, cmd] { a.command = command_name(cmd); });
}

int ClinicRecord::open(const RecordArgs& a, const LinkArgs& link) {
  args_ = a;
  const std::string url =
      link.clinic_db.empty() ? from_env_or("ITDD_CLINIC_DB", "") : link.clinic_db;
  if (url.empty()) return 0;
  if (a.clinician.empty()) {
    return bad_input(
        "--clinician: name the clinician: the clinic database records who changed what");
  }
  auto opened = programmer::open_clinic_db(url, programmer::OpenMode::kExisting);
  if (!opened.ok()) return db_failure(opened.error());
  std::unique_ptr<programmer::ClinicDb> db = std::move(opened.value());
  const Result<link::PublicKey> key = programmer::read_public_key_file(link.implant_key);
  const std::string key_hex = key.ok() ? programmer::to_hex(key.value()) : "";
  if (!a.pump_serial.empty()) {
    auto pump = db->find_pump_by_serial(a.pump_serial);
    if (!pump.ok()) return db_failure(pump.error());
    pump_ = pump.value();
    // A fixed-rate pump has nothing to talk to: refused before anything is sent.
    if (const int rc = refuse_if_fixed_rate(*db, pump_, a.command); rc != 0) return rc;
    if (!pump_.implant_public_key_hex.empty() && !key_hex.empty() &&
        pump_.implant_public_key_hex != key_hex) {
      return bad_input(
          fmt::format("--pump {}: the clinic database knows this pump by another implant key than "
                      "--implant-key {}: check which patient is at the programmer",
                      a.pump_serial, link.implant_key));
    }
    if (pump_.implant_public_key_hex.empty() && !key_hex.empty()) {
      if (auto set = db->set_implant_public_key(pump_.id, key_hex); !set.ok()) {
        return db_failure(set.error());
      }
      pump_.implant_public_key_hex = key_hex;
    }
    db_ = std::move(db);
    return 0;
  }
  auto pumps = db->list_pumps();
  if (!pumps.ok()) return db_failure(pumps.error());
  for (const programmer::PumpRecord& p : pumps.value()) {
    if (!key_hex.empty() && p.implant_public_key_hex == key_hex) {
      pump_ = p;
      db_ = std::move(db);
      return 0;
    }
  }
  return bad_input(
      "--pump: no pump in the clinic database has this implant's key: give the "
      "pump's serial (--pump SERIAL) once, and it is remembered");
}

programmer::UseCaseSession ClinicRecord::session(programmer::Client& client, hal::Crypto& crypto,
                                                 const LinkArgs& link,
                                                 const SessionOpening& opening) {
  recorder_.db = db_.get();
  recorder_.pump = pump_;
  recorder_.clinician = args_.clinician;
  return programmer::UseCaseSession{
      client,        crypto,    link.implant, opening.zone.zone ? &*opening.zone.zone : nullptr,
      system_now_ms, &recorder_};
}

int ClinicRecord::show(nlohmann::json j, std::string text, bool json,
                       const programmer::Recorded& recorded) {
  j["clinic_session"] = nullptr;
  if (recorded.session_id) {
    j["clinic_session"] = *recorded.session_id;
    text += fmt::format("recorded as session {}\n", *recorded.session_id);
  }
  if (!recorded.error.empty()) j["clinic_record_error"] = recorded.error;
  if (json) {
    std::cout << j.dump(2) << '\n';
  } else {
    std::cout << text;
  }
  if (!recorded.error.empty()) {
    return applied_not_recorded(
        fmt::format("the implant applied the change but the clinic database did not "
                    "record it ({}): record it by hand",
                    recorded.error));
  }
  return 0;
}

}  // namespace itdd::cli

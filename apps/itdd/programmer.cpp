// `itdd programmer ...`: the clinician programmer's (or patient device's) side of the link.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <vector>

#include "clinic_context.h"
#include "clinic_fixed_rate.h"
#include "clinic_record.h"
#include "commands.h"
#include "itdd/host/sodium_crypto.h"
#include "itdd/host/whole_file.h"
#include "itdd/programmer/bolus_review.h"
#include "itdd/programmer/client.h"
#include "itdd/programmer/dose_check.h"
#include "itdd/programmer/implant_clock.h"
#include "itdd/programmer/implant_log.h"
#include "itdd/programmer/key_files.h"
#include "itdd/programmer/passphrase_input.h"
#include "itdd/programmer/records_report.h"
#include "itdd/programmer/requests.h"
#include "itdd/programmer/status_report.h"
#include "itdd/programmer/tcp_transport.h"
#include "itdd/programmer/text_input.h"
#include "itdd/programmer/units_text.h"
#include "itdd/programmer/use_cases/access.h"
#include "itdd/programmer/use_cases/device_care.h"
#include "itdd/protocol/prescription_wire.h"
#include "link_session.h"

namespace itdd::cli {

ProgrammerCommands add_programmer(CLI::App& programmer, ProgrammerArgs& a) {
  ProgrammerCommands c;
  c.keygen = programmer.add_subcommand(
      "keygen", "Make this device's key pair (file mode 0600) and print its public key");
  c.keygen->add_option("--key", a.link.key_file, "Where to write it (never overwritten)")
      ->required();
  c.keygen->add_flag("--passphrase", a.passphrase,
                     "Seal the secret key under a passphrase (at least 12 characters; asked "
                     "twice on the terminal, or --passphrase-file, or $ITDD_KEY_PASSPHRASE)");
  c.keygen->add_option("--passphrase-file", a.link.passphrase_file,
                       "Take the passphrase from this file's first line (mode 0600; implies "
                       "--passphrase)");
  c.keygen->add_flag("--json", a.json, "Print JSON instead of text");

  c.pair = programmer.add_subcommand(
      "pair", "Pair with an implant through the one-time code a clinician's programmer shows");
  add_link_options(c.pair, a.link, false);
  c.pair->add_option("--code", a.code, "The 6-digit pairing code")->required();
  c.pair->add_option("--out", a.out_file, "Where to keep the implant's key (never overwritten)")
      ->required();
  c.pair->add_flag("--json", a.json, "Print JSON instead of text");

  c.interrogate = programmer.add_subcommand(
      "interrogate", "Read the implant's status: reservoir, prescription, battery, alarms, clocks");
  add_link_options(c.interrogate, a.link, true);
  c.interrogate->add_flag("--json", a.json, "Print JSON instead of text");
  add_clinic_clock_options(c.interrogate, a.link);
  c.interrogate->add_option("--db", a.link.clinic_db,
                            "The clinic database whose time zone the implant's clock is checked "
                            "against (default: $ITDD_CLINIC_DB)");

  c.pairing_window = programmer.add_subcommand(
      "pairing-window",
      "Open a pairing window on the implant (clinician or service) and print its one-time code");
  add_link_options(c.pairing_window, a.link, true);
  add_clinic_clock_options(c.pairing_window, a.link);
  c.pairing_window
      ->add_option("--role", a.role,
                   "The role the next device to pair gets: patient, clinician "
                   "or service")
      ->required();
  c.pairing_window
      ->add_option("--window-s", a.window_s,
                   "How long the code stays valid, in the implant's seconds (at most 300)")
      ->capture_default_str();
  c.pairing_window->add_flag("--json", a.json, "Print JSON instead of text");
  c.pairing_window->add_option("--db", a.link.clinic_db,
                               "The clinic database (default: $ITDD_CLINIC_DB)");
  // A pump the clinic database records as fixed-rate (gas-driven) has no implant: said at once.
  for (CLI::App* cmd : {c.interrogate, c.pairing_window}) {
    cmd->add_option("--pump", a.pump_serial,
                    "The pump's serial in the clinic database (a fixed-rate pump is refused: it "
                    "has nothing to talk to)");
  }
  return c;
}

int run_keygen(const ProgrammerArgs& a) {
  host::SodiumCrypto crypto;
  std::error_code ec;
  if (std::filesystem::symlink_status(a.link.key_file, ec).type() !=
      std::filesystem::file_type::not_found) {
    return bad_input(
        fmt::format("--key {}: already exists: a key is never overwritten (every "
                    "pairing made with it would be lost); choose another file",
                    a.link.key_file));
  }
  // The passphrase first: nothing is made if it cannot be had or is too short.
  const bool protect = a.passphrase || !a.link.passphrase_file.empty();
  programmer::Passphrase passphrase;
  if (protect) {
    programmer::PassphraseOptions from;
    from.file = a.link.passphrase_file;
    if (const Status s = programmer::obtain_passphrase(
            from, fmt::format("passphrase for the new key {}: ", a.link.key_file), true,
            passphrase);
        !s) {
      const bool file = std::string_view(s.error().field) == "passphrase file";
      return bad_input(fmt::format(
          "{}: {}",
          file ? "--passphrase-file " + a.link.passphrase_file : std::string("--passphrase"),
          programmer::error_text(s.error())));
    }
    if (passphrase.size() < programmer::Passphrase::kMinNewSize) {
      return bad_input(fmt::format(
          "--passphrase: too short ({} characters): a new key's passphrase has at least {}",
          passphrase.size(), programmer::Passphrase::kMinNewSize));
    }
  }
  Result<hal::KeyPair> keys = crypto.generate_key_pair();
  if (!keys.ok()) return failure(programmer::error_text(keys.error()));
  const Status written =
      protect ? programmer::write_protected_key_pair_file(a.link.key_file, keys.value(), passphrase)
              : programmer::write_key_pair_file(a.link.key_file, keys.value());
  programmer::wipe(keys.value().secret_key);
  if (!written) {
    return bad_input(
        fmt::format("--key {}: {}", a.link.key_file, programmer::error_text(written.error())));
  }
  if (a.json) {
    std::cout << nlohmann::json{{"command", "keygen"},
                                {"key_file", a.link.key_file},
                                {"public_key", programmer::to_hex(keys->public_key)},
                                {"passphrase_protected", protect}}
                     .dump(2)
              << '\n';
  } else {
    std::cout << programmer::to_hex(keys->public_key) << '\n';
  }
  return 0;
}

int run_pair(const ProgrammerArgs& a) {
  if (a.code.size() != 6 || a.code.find_first_not_of("0123456789") != std::string::npos) {
    return bad_input(fmt::format(
        "--code {}: the pairing code is 6 digits, as the clinician's programmer shows it", a.code));
  }
  if (std::filesystem::exists(a.out_file)) {
    return bad_input(
        fmt::format("--out {}: already exists: choose another file or remove it", a.out_file));
  }
  host::SodiumCrypto crypto;
  Session s;
  if (const int rc = check_common(a.link, crypto, s, false); rc != 0) return rc;
  programmer::TcpTransport transport;
  if (const Status c = transport.connect(s.endpoint, s.options.reply_timeout); !c) {
    return failure(fmt::format("{}: {}", a.link.implant, programmer::error_text(c.error())));
  }
  const Result<link::Paired> paired =
      programmer::pair(crypto, s.own.pair(), a.code, transport, s.options.reply_timeout);
  if (!paired.ok()) {
    if (std::string_view(paired.error().field) == "busy") {
      return failure(fmt::format("{}: {}", a.link.implant, link_failure(paired.error())));
    }
    return failure(
        fmt::format("pairing failed ({}): a wrong code, no pairing window open, or it expired",
                    programmer::error_text(paired.error())));
  }
  if (const Status w = programmer::write_implant_file(a.out_file, paired.value()); !w) {
    return failure(
        fmt::format("--out {}: {} (the implant paired this device: pair again to "
                    "learn its key)",
                    a.out_file, programmer::error_text(w.error())));
  }
  itdd_Role role = itdd_Role_ROLE_UNSPECIFIED;
  switch (paired->role) {
    case link::Role::kClinician:
      role = itdd_Role_ROLE_CLINICIAN;
      break;
    case link::Role::kPatient:
      role = itdd_Role_ROLE_PATIENT;
      break;
    case link::Role::kService:
      role = itdd_Role_ROLE_SERVICE;
      break;
    case link::Role::kNone:
      break;
  }
  if (a.json) {
    std::cout << nlohmann::json{{"command", "pair"},
                                {"implant_key", programmer::to_hex(paired->implant)},
                                {"role", programmer::role_name(role)},
                                {"device_id", paired->peer},
                                {"implant_file", a.out_file}}
                     .dump(2)
              << '\n';
    return 0;
  }
  std::cout << fmt::format("paired with implant {} as {} (device id {}); its key is in {}\n",
                           programmer::to_hex(paired->implant), programmer::role_name(role),
                           paired->peer, a.out_file);
  return 0;
}

// The implant's clock against the clinic's time as a line of the text (the JSON is the
// session's clock_check_json): a warning, or that it was not compared.
static std::string clock_text(const SessionOpening& o) {
  if (!o.clock) {
    return "implant clock: not compared with the clinic's time (name its zone: --time-zone "
           "Europe/Paris, or --db with the clinic database)\n";
  }
  if (o.clock->differs) return "warning: " + o.clock->message + "\n";
  return fmt::format("implant clock: agrees with the clinic's time ({}, {})\n", o.zone.zone->name(),
                     host::format_wall_time(o.clock->clinic_local));
}

int run_interrogate(const ProgrammerArgs& a) {
  if (const int rc =
          refuse_if_fixed_rate(a.pump_serial, a.link.clinic_db, "itdd programmer interrogate")) {
    return rc;
  }
  // The interrogation shows the clock check itself, in its text and its JSON.
  LinkArgs link = a.link;
  link.clinic_clock = ClinicClock::kCommandSays;
  return with_session(
      link, true,
      [&](programmer::Client& client, host::SodiumCrypto& crypto, const SessionOpening& opening) {
        programmer::UseCaseSession session = reading_session(client, crypto, a.link);
        // The session's opening interrogated the implant when the clinic's zone is known.
        const host::Checked<programmer::ImplantStatus> status = programmer::interrogation(
            session, programmer::ClinicOpening{opening.status, opening.clock});
        if (!status.ok()) return said(status.error());
        const std::string implant_hex =
            programmer::to_hex(programmer::read_public_key_file(a.link.implant_key).value());
        if (a.json) {
          nlohmann::json j = programmer::status_json(status.value());
          j["implant_key"] = implant_hex;
          j["clock_check"] = clock_check_json(opening);
          std::cout << j.dump(2) << '\n';
        } else {
          std::cout << fmt::format("{:<14}{}\n", "implant", implant_hex)
                    << programmer::format_status(status.value()) << clock_text(opening);
        }
        return 0;
      });
}

int run_pairing_window(const ProgrammerArgs& a) {
  if (const int rc =
          refuse_if_fixed_rate(a.pump_serial, a.link.clinic_db, "itdd programmer pairing-window")) {
    return rc;
  }
  const link::Role role = programmer::role_from_name(a.role);
  if (const std::optional<host::Refusal> bad = programmer::check_pairing_window(role, a.window_s)) {
    return bad_input(bad->field == "role" ? fmt::format("--role {}: {}", a.role, bad->message)
                                          : fmt::format("--window-s: {}", bad->message));
  }
  return with_session(
      a.link, true,
      [&](programmer::Client& client, host::SodiumCrypto& crypto, const SessionOpening&) {
        programmer::UseCaseSession session = reading_session(client, crypto, a.link);
        const host::Checked<programmer::PairingWindow> w =
            programmer::open_pairing_window(session, role, a.window_s);
        if (!w.ok()) return said(w.error());
        if (a.json) {
          std::cout << nlohmann::json{{"command", "pairing-window"},
                                      {"code", w->code},
                                      {"role", programmer::role_name(w->role)},
                                      {"expires_at",
                                       programmer::format_wall(w->expires_at_wall_ms)},
                                      {"expires_at_wall_ms", w->expires_at_wall_ms}}
                           .dump(2)
                    << '\n';
          return 0;
        }
        std::cout << fmt::format("pairing code: {}\nrole: {}\nexpires: {} (the implant's time)\n",
                                 w->code, programmer::role_name(w->role),
                                 programmer::format_wall(w->expires_at_wall_ms));
        return 0;
      });
}

// ---------------------------------------------------------------- the clinician's commands
// prime, bolus, alarm silence|test, set-clock, log, history: each checks its input before
// anything is sent (exit 2), and says the implant's refusal in words (exit 1).

struct ClinicianCommands::State {
  LinkArgs link;
  RecordArgs record;  // the clinic database, when kept
  bool json = false;
  bool yes = false;
  std::string catheter_volume_ml;  // prime
  std::string dose;                // bolus
  std::string unit;
  std::string duration;
  std::string drug;
  std::string library_file;
  std::string override_reason;
  std::string kind;  // alarm silence
  std::string silence_for;
  bool now = false;  // set-clock
  std::string wall;
  std::uint32_t from_seq = 1;  // log
  std::string out_file;        // log, history
  // The implant keeps at least 90 days of hours (storage/layout.h): all of them by default.
  std::int64_t hours = 90 * 24;
  CLI::App* prime = nullptr;
  CLI::App* bolus = nullptr;
  CLI::App* silence = nullptr;
  CLI::App* alarm_test = nullptr;
  CLI::App* set_clock = nullptr;
  CLI::App* log = nullptr;
  CLI::App* history = nullptr;
};

namespace {

using State = ClinicianCommands::State;

std::string implant_hex(const LinkArgs& a) {
  const Result<link::PublicKey> k = programmer::read_public_key_file(a.implant_key);
  return k.ok() ? programmer::to_hex(k.value()) : std::string();
}

std::string ml_text(Volume v) {
  return fmt::format("{:.3f} mL", static_cast<double>(v.count()) / 1e6);
}

// A JSON document or its summary to stdout; text otherwise.
void print(const State& s, const nlohmann::json& j, const std::string& text) {
  if (s.json) {
    std::cout << j.dump(2) << '\n';
  } else {
    std::cout << text;
  }
}

// Whether `file` can be written: its folder exists and it is not a folder itself.
std::optional<std::string> unwritable(const std::string& file) {
  namespace fs = std::filesystem;
  const fs::path p(file);
  std::error_code ec;
  if (fs::is_directory(p, ec)) return "is a folder: name a file";
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec)) return "its folder does not exist";
  if (::access(dir.c_str(), W_OK) != 0) return "its folder cannot be written";
  return std::nullopt;
}

// Writes `j` whole or not at all: a reader never sees half a file, a failure leaves none.
host::Checked<void> write_json(const std::string& file, const nlohmann::json& j) {
  return host::write_whole_file(file, j.dump(2) + "\n");
}

nlohmann::json read_at(const programmer::ImplantStatus& st) {
  return {{"wall", programmer::format_wall(st.wall.ms())},
          {"wall_ms", st.wall.ms()},
          {"implant_ms", st.implant_time.ms()}};
}

int run_prime(const State& s) {
  // A fixed-rate pump first: its kind, not a vial or a dose, is what is wrong.
  if (const int rc = refuse_if_fixed_rate(s.record.pump_serial, s.link.clinic_db, s.record.command);
      rc != 0) {
    return rc;
  }
  const Result<Volume> catheter = programmer::parse_volume_ml_or_zero(s.catheter_volume_ml);
  if (!catheter.ok()) {
    return bad_input(
        fmt::format("--catheter-volume-ml {}: {}", s.catheter_volume_ml, catheter.error().message));
  }
  ClinicRecord record;
  if (const int rc = record.open(s.record, s.link); rc != 0) return rc;
  return with_session(
      s.link, true,
      [&](programmer::Client& client, host::SodiumCrypto& crypto, const SessionOpening& opening) {
        programmer::UseCaseSession session = record.session(client, crypto, s.link, opening);
        const host::Checked<programmer::PrimePlan> plan =
            programmer::prepare_prime(session, catheter.value());
        if (!plan.ok()) return said(plan.error());
        std::string preview = fmt::format("priming: pump dead volume {} + catheter {} = {}\n",
                                          ml_text(plan->pump_dead_volume), ml_text(plan->catheter),
                                          ml_text(plan->total));
        preview +=
            plan->rate.count() > 0
                ? fmt::format("at {:.3f} mL/day: about {}; the basal program pauses meanwhile\n",
                              static_cast<double>(plan->rate.count()) / 1e6,
                              programmer::format_duration(plan->takes))
                : "the basal program pauses meanwhile\n";
        if (!s.yes && !confirm(preview, s.json)) return kExitFailure;
        const programmer::PrimeOutcome done = programmer::commit_prime(session, plan.value());
        const programmer::Sent& sent = done.sent;
        if (const int rc = check_applied(sent.result, "priming", sent.command_id, s.json);
            rc != 0) {
          return rc;
        }
        nlohmann::json j = {{"command", "prime"}};
        add_delivery(j, sent.result, sent.command_id);
        if (!done.started) {
          j["answer_lost"] = true;
          return record.show(j, fmt::format("priming applied ({})\n", sent.result.detail), s.json,
                             done.recorded);
        }
        const itdd_Priming& p = *done.started;
        j["volume_nl"] = p.volume_nl;
        j["volume_ml"] = static_cast<double>(p.volume_nl) / 1e6;
        j["ends_at"] = programmer::format_wall(p.ends_at_wall_ms);
        j["ends_at_wall_ms"] = p.ends_at_wall_ms;
        return record.show(
            j,
            fmt::format("priming started: {}, ends {} (the implant's time)\n",
                        ml_text(Volume(p.volume_nl)), programmer::format_wall(p.ends_at_wall_ms)),
            s.json, done.recorded);
      });
}

// A clinician bolus: the drug library checks it as it checks a program (hard limits block, soft
// ones need --override-reason), the review shows the verdict before the confirmation, and the
// implant checks it again against its own limits.
int run_bolus(const State& s) {
  // A fixed-rate pump first: its kind, not a vial or a dose, is what is wrong.
  if (const int rc = refuse_if_fixed_rate(s.record.pump_serial, s.link.clinic_db, s.record.command);
      rc != 0) {
    return rc;
  }
  const std::optional<DoseUnit> unit = programmer::parse_dose_unit(s.unit);
  if (!unit) return bad_input(fmt::format("--unit {}: must be mg or mcg", s.unit));
  const Result<DrugAmount> dose = programmer::parse_amount(s.dose, *unit);
  if (!dose.ok()) return bad_input(fmt::format("--dose {}: {}", s.dose, dose.error().message));
  const Result<Duration> duration = programmer::parse_duration(s.duration);
  if (!duration.ok()) {
    return bad_input(fmt::format("--duration {}: {}", s.duration, duration.error().message));
  }
  const std::optional<programmer::DrugLibrary> library =
      load_drug_library(drug_library_path(s.library_file));
  if (!library) return kExitInvalidInput;
  ClinicRecord record;
  if (const int rc = record.open(s.record, s.link); rc != 0) return rc;
  return with_session(
      s.link, true,
      [&](programmer::Client& client, host::SodiumCrypto& crypto, const SessionOpening& opening) {
        programmer::UseCaseSession session = record.session(client, crypto, s.link, opening);
        const programmer::BolusInput input{dose.value(), *unit, duration.value(), s.drug,
                                           s.override_reason};
        const host::Checked<programmer::BolusPlan> plan =
            programmer::prepare_bolus(session, *library, input);
        if (!plan.ok()) {
          const host::Refusal& stop = plan.error();
          if (stop.field == "drug")
            return bad_input(fmt::format("--drug {}: {}", s.drug, stop.message));
          if (stop.field == "unit")
            return bad_input(fmt::format("--unit {}: {}", s.unit, stop.message));
          return said(stop);
        }
        const programmer::BolusReview& b = plan->review;
        const programmer::DoseCheck& check = b.check;
        const std::string review = programmer::format_bolus_review(b, s.override_reason);
        nlohmann::json j = programmer::bolus_review_json(b);
        j["command"] = "bolus";
        if (const Status& ok = plan->accepted; !ok.ok()) {
          if (s.json) {
            j["delivery"] = "not sent";
            j["error"] = programmer::error_text(ok.error());
            std::cout << j.dump(2) << '\n';
          } else {
            std::cout << review;
          }
          return drug_library_refusal(check.blocked(), ok.error(), "bolus");
        }
        if (!s.yes && !confirm(review, s.json)) return kExitFailure;
        const host::Checked<programmer::BolusOutcome> done =
            programmer::commit_bolus(session, plan.value());
        if (!done.ok()) return said(done.error());
        const programmer::Sent& sent = done->sent;
        if (const int rc = check_applied(sent.result, "the bolus", sent.command_id, s.json);
            rc != 0) {
          return rc;
        }
        add_delivery(j, sent.result, sent.command_id);
        if (check.needs_override()) j["override_reason"] = s.override_reason;
        std::string text = s.yes ? review : "";
        if (!done->started) {
          j["answer_lost"] = true;
          text += fmt::format("bolus applied ({})\n", sent.result.detail);
        } else {
          const itdd_BolusStarted& started = *done->started;
          j["ends_at"] = programmer::format_wall(started.ends_at_wall_ms);
          j["ends_at_wall_ms"] = started.ends_at_wall_ms;
          text += fmt::format("bolus started: {} ({}), ends {} (the implant's time)\n",
                              programmer::format_amount(DrugAmount(started.dose_ng), b.drug.unit),
                              programmer::format_volume_ml(b.volume),
                              programmer::format_wall(started.ends_at_wall_ms));
        }
        return record.show(j, text, s.json, done->recorded);
      });
}

int run_silence(const State& s) {
  std::string known;
  const std::optional<itdd_AlarmKind> kind = programmer::alarm_kind_named(s.kind, &known);
  if (!kind) return bad_input(fmt::format("--kind {}: unknown alarm (one of {})", s.kind, known));
  const Result<Duration> length = programmer::parse_duration(s.silence_for);
  if (!length.ok()) {
    return bad_input(fmt::format("--for {}: {}", s.silence_for, length.error().message));
  }
  ClinicRecord record;
  if (const int rc = record.open(s.record, s.link); rc != 0) return rc;
  return with_session(
      s.link, true,
      [&](programmer::Client& client, host::SodiumCrypto& crypto, const SessionOpening& opening) {
        programmer::UseCaseSession session = record.session(client, crypto, s.link, opening);
        const host::Checked<programmer::Recorded> done =
            programmer::silence_alarm(session, *kind, length.value());
        if (!done.ok()) return said(done.error());
        const std::string text = programmer::format_duration(length.value());
        const nlohmann::json j = {{"command", "alarm silence"},
                                  {"kind", s.kind},
                                  {"for_ms", length->count()},
                                  {"for", text}};
        return record.show(j, fmt::format("{} alarm silenced for {}\n", s.kind, text), s.json,
                           done.value());
      });
}

int run_alarm_test(const State& s) {
  ClinicRecord record;
  if (const int rc = record.open(s.record, s.link); rc != 0) return rc;
  return with_session(
      s.link, true,
      [&](programmer::Client& client, host::SodiumCrypto& crypto, const SessionOpening& opening) {
        programmer::UseCaseSession session = record.session(client, crypto, s.link, opening);
        const host::Checked<programmer::Recorded> done = programmer::test_alarm(session);
        if (!done.ok()) return said(done.error());
        const nlohmann::json j = {{"command", "alarm test"}, {"started", true}};
        return record.show(j, "alarm test started: the implant sounds its test tones\n", s.json,
                           done.value());
      });
}

int run_set_clock(const State& s) {
  if (s.now == !s.wall.empty()) {
    return bad_input("set-clock: give either --now or --wall \"YYYY-MM-DD HH:MM\"");
  }
  const ClinicZone zone = clinic_time_zone(s.link.time_zone, s.link.clinic_db);
  if (zone.exit_code != 0) return zone.exit_code;
  if (s.now && !zone.zone) {
    return bad_input(
        "set-clock --now: the clinic's time, in which zone? Give --time-zone Europe/Paris (an "
        "IANA name), or the clinic database that keeps it (--db, $ITDD_CLINIC_DB), or "
        "$ITDD_TIME_ZONE (this computer's zone is never assumed)");
  }
  std::optional<WallTime> wall;
  if (!s.now) {
    const Result<WallTime> w = programmer::parse_local_wall(s.wall);
    if (!w.ok()) return bad_input(fmt::format("--wall {}: {}", s.wall, w.error().message));
    wall = w.value();
    // In a known zone, a time the clocks skip is refused (a doubled one is allowed: the implant
    // keeps wall time, and shows it as typed).
    if (zone.zone && zone.zone->does_not_exist(*wall)) {
      return bad_input(
          fmt::format("--wall {}: {}", s.wall, zone.zone->instant_typed(*wall).error().message));
    }
  }
  ClinicRecord record;
  if (const int rc = record.open(s.record, s.link); rc != 0) return rc;
  return with_session(
      s.link, true,
      [&](programmer::Client& client, host::SodiumCrypto& crypto, const SessionOpening& opening) {
        programmer::UseCaseSession session = record.session(client, crypto, s.link, opening);
        const host::Checked<programmer::ClockPlan> plan =
            programmer::prepare_set_clock(session, wall);
        if (!plan.ok()) return said(plan.error());
        // Flexible programs follow the wall clock: moving it changes when their steps run, so it is
        // confirmed as the other therapy-affecting commands are.
        if (!s.yes) {
          const std::string preview = fmt::format(
              "set the implant's clock to {}{} (it reads {}); flexible programs follow it\n",
              programmer::format_wall(plan->to.ms()),
              s.now ? fmt::format(" (the clinic's time, {})", zone.zone->name()) : std::string(),
              programmer::format_wall(plan->implant_reads.ms()));
          if (!confirm(preview, s.json)) return kExitFailure;
        }
        const host::Checked<programmer::ClockOutcome> done =
            programmer::commit_set_clock(session, plan.value());
        if (!done.ok()) return said(done.error());
        const std::int64_t moved = done->moved_ms;
        // Said to the minute (to the second under a minute): the exact ms are in the JSON.
        const std::int64_t size = moved < 0 ? -moved : moved;
        const std::int64_t unit = size >= kMillisPerMinute ? kMillisPerMinute : 1000;
        const Duration shown((size + unit / 2) / unit * unit);
        const nlohmann::json j = {
            {"command", "set-clock"},        {"wall", programmer::format_wall(done->to.ms())},
            {"wall_ms", done->to.ms()},      {"was", programmer::format_wall(done->was.ms())},
            {"was_wall_ms", done->was.ms()}, {"moved_ms", moved}};
        return record.show(j,
                           fmt::format("implant clock set to {} (it read {}: moved {}{})\n",
                                       programmer::format_wall(done->to.ms()),
                                       programmer::format_wall(done->was.ms()),
                                       moved < 0 ? "-" : "+", programmer::format_duration(shown)),
                           s.json, done->recorded);
      });
}

int run_log(const State& s) {
  if (!s.out_file.empty()) {
    if (const auto why = unwritable(s.out_file)) {
      return bad_input(fmt::format("--out {}: {}", s.out_file, *why));
    }
  }
  return with_session(
      s.link, true,
      [&](programmer::Client& client, host::SodiumCrypto& crypto, const SessionOpening& opening) {
        ClinicRecord none;  // reading changes nothing: no clinic session
        programmer::UseCaseSession session = none.session(client, crypto, s.link, opening);
        const host::Checked<programmer::EventLogDownload> log =
            programmer::download_event_log(session, s.from_seq);
        if (!log.ok()) return said(log.error());
        const std::int64_t offset = log->wall_offset_ms;
        nlohmann::json records = nlohmann::json::array();
        std::string text;
        for (const itdd_LogRecord& r : log->records) {
          records.push_back(programmer::log_record_json(r, offset));
          text += programmer::format_log_record(r, offset) + '\n';
        }
        const nlohmann::json doc = {
            {"format", "itdd-event-log"},         {"version", 1},
            {"implant_key", implant_hex(s.link)}, {"read_at", read_at(log->read_at)},
            {"wall_offset_ms", offset},           {"from_seq", s.from_seq},
            {"newest_seq", log->newest_seq},      {"records", records}};
        const std::string summary = records.empty()
                                        ? std::string("no records")
                                        : fmt::format("{} records, seq {} to {}", records.size(),
                                                      records.front()["seq"].get<std::uint32_t>(),
                                                      records.back()["seq"].get<std::uint32_t>());
        if (s.out_file.empty()) {
          print(s, doc,
                fmt::format("{:>7}  {:<16}  {}\n", "seq", "time (local)", "event") + text +
                    summary + "\n");
          return 0;
        }
        if (const host::Checked<void> w = write_json(s.out_file, doc); !w.ok()) {
          return failure(fmt::format("--out {}: {}", s.out_file, w.error().message));
        }
        print(s,
              {{"file", s.out_file}, {"records", records.size()}, {"newest_seq", log->newest_seq}},
              fmt::format("{} written to {}\n", summary, s.out_file));
        return 0;
      });
}

int run_history(const State& s) {
  if (s.hours < 1 || s.hours > 100'000) return bad_input("--hours: from 1 to 100000");
  if (!s.out_file.empty()) {
    if (const auto why = unwritable(s.out_file)) {
      return bad_input(fmt::format("--out {}: {}", s.out_file, *why));
    }
  }
  return with_session(
      s.link, true,
      [&](programmer::Client& client, host::SodiumCrypto& crypto, const SessionOpening& opening) {
        ClinicRecord none;  // reading changes nothing: no clinic session
        programmer::UseCaseSession session = none.session(client, crypto, s.link, opening);
        const host::Checked<programmer::HistoryDownload> got =
            programmer::download_history(session, s.hours);
        if (!got.ok()) return said(got.error());
        const std::int64_t offset = got->wall_offset_ms;
        nlohmann::json doc = programmer::history_json(got->hours, offset);
        doc["format"] = "itdd-delivery-history";
        doc["version"] = 1;
        doc["implant_key"] = implant_hex(s.link);
        doc["read_at"] = read_at(got->read_at);
        doc["wall_offset_ms"] = offset;
        doc["from_hour"] = got->from_hour;
        doc["newest_hour"] = got->newest_hour;
        if (s.out_file.empty()) {
          print(s, doc, programmer::format_history(got->hours, offset));
          return 0;
        }
        if (const host::Checked<void> w = write_json(s.out_file, doc); !w.ok()) {
          return failure(fmt::format("--out {}: {}", s.out_file, w.error().message));
        }
        print(s, {{"file", s.out_file}, {"hours", got->hours.size()}, {"total", doc["total"]}},
              fmt::format("{} recorded hours, {:.3f} mL, written to {}\n", got->hours.size(),
                          doc["total"]["volume_ml"].get<double>(), s.out_file));
        return 0;
      });
}

}  // namespace

ClinicianCommands::ClinicianCommands(CLI::App& programmer) : state_(std::make_unique<State>()) {
  State& s = *state_;
  const auto common = [&](CLI::App* cmd) {
    add_link_options(cmd, s.link, true);
    add_clinic_clock_options(cmd, s.link);
    cmd->add_flag("--json", s.json, "Print JSON instead of text");
    return cmd;
  };
  s.prime = common(programmer.add_subcommand(
      "prime", "Prime the pump's dead volume and the catheter (after implant or a revision)"));
  s.prime
      ->add_option("--catheter-volume-ml", s.catheter_volume_ml,
                   "The catheter's internal volume in mL (0 to 2)")
      ->required();
  s.prime->add_flag("--yes", s.yes, "Do not ask before priming");

  s.bolus = common(programmer.add_subcommand(
      "bolus",
      "Give a clinician bolus over a set time (the basal program pauses), checked against the "
      "drug library with the program in force"));
  s.bolus->add_option("--dose", s.dose, "The dose, in --unit (e.g. 1.5)")->required();
  s.bolus->add_option("--unit", s.unit, "mg or mcg: must be the implant's drug's unit")->required();
  s.bolus->add_option("--duration", s.duration, "Over how long, e.g. 30m, 2h")->required();
  s.bolus->add_option("--drug", s.drug, "The drug expected in the implant (checked if given)");
  s.bolus->add_option("--library", s.library_file,
                      "Drug library (default: $ITDD_DRUG_LIBRARY, else the source tree's "
                      "data/drug-library.json)");
  s.bolus->add_option("--override-reason", s.override_reason,
                      "Why a soft limit of the drug library is exceeded (recorded)");
  s.bolus->add_flag("--yes", s.yes, "Do not ask before the bolus");

  CLI::App* alarm = programmer.add_subcommand("alarm", "Silence or test the implant's alarms");
  alarm->require_subcommand(1);
  s.silence = common(alarm->add_subcommand("silence", "Silence an active alarm for a while"));
  s.silence->add_option("--kind", s.kind, "The alarm, e.g. low-reservoir")->required();
  s.silence->add_option("--for", s.silence_for, "How long, e.g. 24h")->required();
  s.alarm_test = common(alarm->add_subcommand("test", "Sound the implant's alarm test tones"));

  s.set_clock = common(programmer.add_subcommand(
      "set-clock", "Set the implant's local wall clock (flexible programs follow it)"));
  s.set_clock->add_flag("--now", s.now,
                        "To the clinic's local time now (its zone: --time-zone, the clinic "
                        "database's, or $ITDD_TIME_ZONE)");
  s.set_clock->add_option("--wall", s.wall, "To this local time, \"YYYY-MM-DD HH:MM\"");
  s.set_clock->add_flag("--yes", s.yes, "Do not ask before setting the clock");
  // The commands that change the implant are recorded in the clinic database, when kept.
  for (CLI::App* changes : {s.prime, s.bolus, s.silence, s.alarm_test, s.set_clock}) {
    add_record_options(changes, s.record, s.link);
  }

  s.log = common(programmer.add_subcommand("log", "Read the implant's whole event log"));
  s.log->add_option("--from", s.from_seq, "The first sequence number wanted")
      ->capture_default_str();
  s.log->add_option("--out", s.out_file, "Write the records to this JSON file");

  s.history =
      common(programmer.add_subcommand("history", "Read the implant's hourly delivery history"));
  s.history->add_option("--hours", s.hours, "The newest hours wanted")->capture_default_str();
  s.history->add_option("--out", s.out_file, "Write the hours to this JSON file");
}

ClinicianCommands::~ClinicianCommands() = default;

std::optional<int> ClinicianCommands::run() const {
  const State& s = *state_;
  if (s.prime->parsed()) return run_prime(s);
  if (s.bolus->parsed()) return run_bolus(s);
  if (s.silence->parsed()) return run_silence(s);
  if (s.alarm_test->parsed()) return run_alarm_test(s);
  if (s.set_clock->parsed()) return run_set_clock(s);
  if (s.log->parsed()) return run_log(s);
  if (s.history->parsed()) return run_history(s);
  return std::nullopt;
}

}  // namespace itdd::cli

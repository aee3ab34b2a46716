// The `itdd implant ...` and `itdd programmer ...` subcommands (the secured link and the virtual
// implant). Each add_* declares its options on `parent` and returns its subcommand; run_* does
// the work once parsing is done and returns the exit status: one of programmer/outcome.h's
// (0 ok, 1 refused, 2 invalid input, 3 uncertain, 4 applied but not recorded).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "itdd/programmer/outcome.h"

namespace itdd::cli {

inline constexpr int kExitInvalidInput =
    programmer::exit_status(programmer::Outcome::kInvalidInput);
// Not done, nothing changed: refused (by the implant or the clinician at the confirmation), or
// the implant could not be reached before anything was sent.
inline constexpr int kExitFailure = programmer::exit_status(programmer::Outcome::kRefused);
inline constexpr int kExitUncertain = programmer::exit_status(programmer::Outcome::kUncertain);
inline constexpr int kExitAppliedNotRecorded =
    programmer::exit_status(programmer::Outcome::kAppliedNotRecorded);

struct ServeArgs {
  std::string state_dir;
  std::string listen = "127.0.0.1:0";
  double speed = 1.0;
  std::string pump_model;
  std::string pump_models_file;  // empty: the default file
  std::vector<std::string> provision;
  double drop = 0.0;
  double corrupt = 0.0;
  std::int64_t delay_ms = 0;
  std::int64_t silence_after_command_ms = 0;  // fault: a lost reply after each new command
  std::uint64_t seed = 1;
  std::string pocket_fill_ml = "0";  // mL, read exactly (programmer::parse_volume_ml_or_zero)
  bool verbose = false;
  // `itdd implant advance --state DIR --by DURATION` (the stopped implant's clock moved on).
  CLI::App* advance = nullptr;
  std::string advance_by;
  bool json = false;  // the start-up line as one JSON object
};
// Declares `implant serve` (returned) and `implant advance`.
CLI::App* add_serve(CLI::App& implant, ServeArgs& args);
int run_advance(const ServeArgs& args, const std::string& default_pump_models);
// `started` is called once the start-up line is printed, before serving (main: --json's one
// object is complete then).
int run_serve(const ServeArgs& args, const std::string& default_pump_models,
              const std::function<void()>& started = {});

// Whether a session checks the implant's clock against the clinic's time when it opens, and who
// says the result: the session (a warning on stderr) or the command itself (interrogate).
enum class ClinicClock { kNotChecked, kWarn, kCommandSays };

// What every command that talks to an implant needs.
struct LinkArgs {
  std::string implant;          // HOST:PORT
  std::string key_file;         // this device's key pair
  std::string passphrase_file;  // its passphrase, when the key pair is protected by one
  std::string implant_key;      // the implant's public key (file)
  std::int64_t timeout_ms = 2000;
  int attempts = 3;
  // The clinic's side (link_session.h, add_clinic_clock_options): a clinician's session checks
  // the implant's clock against the clinic's time zone when it opens. The patient's device
  // does not (it knows no clinic).
  ClinicClock clinic_clock = ClinicClock::kNotChecked;
  std::string time_zone;  // --time-zone: the clinic's, when no database keeps it
  std::string clinic_db;  // --db: the clinic database (empty: $ITDD_CLINIC_DB, else none)
};

struct ProgrammerArgs {
  LinkArgs link;
  bool passphrase = false;  // keygen: protect the new key with a passphrase
  std::string code;         // pair
  std::string out_file;     // pair
  bool json = false;        // every command: print JSON instead of text
  std::string role;         // pairing-window
  std::string pump_serial;  // interrogate, pairing-window: refused when fixed-rate
  std::int64_t window_s = 300;
};

struct ProgrammerCommands {
  CLI::App* keygen = nullptr;
  CLI::App* pair = nullptr;
  CLI::App* interrogate = nullptr;
  CLI::App* pairing_window = nullptr;
};
ProgrammerCommands add_programmer(CLI::App& programmer, ProgrammerArgs& args);
int run_keygen(const ProgrammerArgs& args);
int run_pair(const ProgrammerArgs& args);
int run_interrogate(const ProgrammerArgs& args);
int run_pairing_window(const ProgrammerArgs& args);

// `itdd clinic ...`: the clinic database (clinic.cpp).
struct ClinicArgs {
  std::string db = "clinic.db";  // add_clinic puts $ITDD_CLINIC_DB here when set
  bool json = false;
  std::string mrn, name, birth_date, indication;  // patient add (--patient for pump add)
  std::string model, serial, implant_date, catheter_length_cm, catheter_volume_ml;
  std::string pump_models_file;  // empty: the default file
  std::string within = "14d";
  std::string now;           // due: YYYY-MM-DD instead of today
  std::string time_zone;     // init, time-zone: the clinic's IANA zone name
  std::string library_file;  // due: the drug library ranking withdrawal risk
  std::int64_t session_id = 0;
  // pump add (a fixed-rate model's first fill) and pump refill (a fixed-rate pump's): the drug,
  // its concentration (the drug's unit per mL), the volume put in, who, when (the clinic's
  // local time; default now), and what was withdrawn first (refill).
  std::string drug, concentration, fill_volume_ml, withdrawn_ml, clinician, filled_at;
  CLI::App* pump_refill = nullptr;
  CLI::App* init = nullptr;
  CLI::App* migrate = nullptr;
  CLI::App* patient_add = nullptr;
  CLI::App* patient_list = nullptr;
  CLI::App* pump_add = nullptr;
  CLI::App* pump_list = nullptr;
  CLI::App* session_list = nullptr;  // --patient MRN in `mrn`
  CLI::App* due = nullptr;
  CLI::App* report = nullptr;
  CLI::App* upload = nullptr;
  CLI::App* time_zone_cmd = nullptr;
  std::vector<std::string> upload_files;  // upload: event-log and delivery-history files
  // The printed documents (clinic_documents.cpp): report --pdf, summary, card, settings, pump tip.
  std::string pdf, from, to, level, emergency_phone;
  CLI::App* summary = nullptr;
  CLI::App* card = nullptr;
  CLI::App* settings = nullptr;
  CLI::App* pump_tip = nullptr;
  CLI::App* export_cmd = nullptr;  // export --fhir --patient MRN [--out FILE]
  bool fhir = false;
  std::string out_file;
};
// `itdd clinic export` (clinic_export.cpp).
int run_clinic_export(const ClinicArgs& args);
CLI::App* add_clinic(CLI::App& app, ClinicArgs& args);
// The clinic's documents and what they need (clinic_documents.cpp): `report --pdf`, `summary`,
// `card`, `settings` and `pump catheter-tip`, added to `clinic` and its `pump` command; run
// gives the exit status of the one parsed, or nothing when none of them was.
void add_clinic_documents(CLI::App* clinic, CLI::App* pump, ClinicArgs& args);
std::optional<int> run_clinic_documents(const ClinicArgs& args,
                                        const std::string& default_pump_models);
// `risk_rank` orders `due` (higher first: the drug library's withdrawal risk); empty ranks all
// drugs alike.
int run_clinic(const ClinicArgs& args, const std::string& default_pump_models,
               const std::function<int(std::string_view drug)>& risk_rank = {});
// `itdd drugs|dose|trial ...` (clinical.cpp): the drug library and the clinical calculators.
// The constructor declares the subcommands on `app`; run() after parsing gives the exit status
// of the one given, or nullopt when none of them was.
class ClinicalCommands {
 public:
  explicit ClinicalCommands(CLI::App& app);
  ~ClinicalCommands();
  std::optional<int> run() const;
  struct State;

 private:
  std::unique_ptr<State> state_;
};

// The clinician's therapy commands under `itdd programmer` (programmer.cpp: prime, bolus, alarm
// silence|test, set-clock, log, history) and the patient's device, `itdd ptm status|bolus`
// (ptm.cpp). Each adds its subcommands and options when made; run() gives the exit status of
// the one that was parsed, or nothing if none of its own was.
class ClinicianCommands {
 public:
  explicit ClinicianCommands(CLI::App& programmer);
  ~ClinicianCommands();
  std::optional<int> run() const;
  struct State;  // the options, in programmer.cpp

 private:
  std::unique_ptr<State> state_;
};

// `itdd programmer program|refill` (therapy.cpp): the commands that change what the implant
// delivers, with the drug library, the review, the read-back and the clinic record.
class TherapyCommands {
 public:
  explicit TherapyCommands(CLI::App& programmer);
  ~TherapyCommands();
  std::optional<int> run() const;
  struct State;

 private:
  std::unique_ptr<State> state_;
};

// `itdd programmer devices|revoke` (devices.cpp): the implant's paired devices, and removing
// one, recorded in the clinic database.
class DeviceCommands {
 public:
  explicit DeviceCommands(CLI::App& programmer);
  ~DeviceCommands();
  std::optional<int> run() const;
  struct State;

 private:
  std::unique_ptr<State> state_;
};

class PtmCommands {
 public:
  explicit PtmCommands(CLI::App& app);
  ~PtmCommands();
  std::optional<int> run() const;
  struct State;  // the options, in ptm.cpp

 private:
  std::unique_ptr<State> state_;
};

}  // namespace itdd::cli

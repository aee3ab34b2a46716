// itdd: the project's command line.
//   itdd sim run SCENARIO.json       a scenario on the simulated pump, and its summary
//   itdd sim trumpet SCENARIO.json   its IEC 60601-2-24 trumpet curve (sim_commands.cpp)
//   itdd sim fleet CAMPAIGN.json     a fleet campaign (sim_commands.cpp, sim/fleet)
//   itdd sim tones --out DIR         the alarm tone patterns as WAV files
//   itdd implant serve ...           a virtual implant programmers connect to (serve.cpp)
//   itdd programmer keygen|pair|interrogate|pairing-window ...   the programmer's side of the
//                                    secured link (programmer.cpp)
//   itdd clinic init|patient|pump|due|report ...   the clinic database (clinic.cpp)
//   itdd drugs|dose|trial ...        the drug library and clinical calculators (clinical.cpp)
//   itdd programmer prime|bolus|alarm|set-clock|log|history ...  the clinician's commands
//   itdd programmer program|refill ...   therapy changes, with the drug library (therapy.cpp)
//   itdd programmer devices|revoke ...   the implant's paired devices, removing one (devices.cpp)
//   itdd ptm status|bolus ...        the patient's device (ptm.cpp)
//
// Exit status (programmer/outcome.h defines them; kExitStatusHelp says them in --help):
//   0 ok; 1 refused (nothing changed); 2 invalid input (nothing ran, nothing changed);
//   3 uncertain (a therapy command's reply was lost and the implant could not say: interrogate);
//   4 applied but not recorded in the clinic database.
// With --json, every run prints one JSON object on stdout whatever it came to (json_outcome.h).
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "clinic_fixed_rate.h"
#include "commands.h"
#include "dashboard.h"
#include "errors.h"
#include "escaped_stderr.h"
#include "itdd/host/pump_catalog.h"
#include "itdd/scenario/gas_scenario.h"
#include "itdd/scenario/scenario.h"
#include "itdd/sim/runner.h"
#include "itdd/sim/summary.h"
#include "itdd/tones/tones.h"
#include "json_outcome.h"
#include "sim_commands.h"

namespace {

constexpr const char* kExitStatusHelp =
    "Exit status: 0 ok (applied, or the answer given); 1 refused: nothing changed (the implant "
    "refused, the confirmation was answered no, or the implant could not be reached before "
    "anything was sent); 2 invalid input: nothing sent, nothing changed (an option or file to "
    "fix, or a dose the drug library blocks); "
    "3 uncertain: a therapy command was sent, its reply was lost and the implant could not say "
    "whether it applied it: interrogate before anything else; 4 applied but not recorded in the "
    "clinic database: record it by hand. With --json every command prints one JSON object on "
    "stdout, whatever the outcome, with \"outcome\" (ok, refused, invalid_input, uncertain, "
    "applied_not_recorded) and \"exit_status\"; list commands print their array when ok.";

// "programmer bolus": the subcommands parsed, outermost first.
std::string command_path(const CLI::App& app) {
  std::string path;
  const CLI::App* at = &app;
  while (true) {
    const auto subs = at->get_subcommands();
    if (subs.empty()) break;
    at = subs.front();
    path += (path.empty() ? "" : " ") + at->get_name();
  }
  return path;
}

// Was --json given, to the command or to a group holding it (`clinic --json ...`)?
bool json_asked(const CLI::App& app) {
  const CLI::App* at = &app;
  while (true) {
    const CLI::Option* json = at->get_option_no_throw("--json");
    if (json != nullptr && json->count() > 0) return true;
    const auto subs = at->get_subcommands();
    if (subs.empty()) return false;
    at = subs.front();
  }
}

// Before parsing succeeded: the words up to the first option, and whether --json is among
// the arguments.
std::string command_words(int argc, char** argv) {
  std::string words;
  for (int i = 1; i < argc && argv[i][0] != '-'; ++i) {
    words += (words.empty() ? "" : " ") + std::string(argv[i]);
  }
  return words;
}

bool json_in_arguments(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--json") return true;
  }
  return false;
}

// `itdd sim tones --json`: the files written, as one object.
int sim_tones_json(const std::string& dir) {
  const itdd::tones::WriteResult result = itdd::tones::write_tone_files(dir);
  if (!result.ok) {
    return itdd::cli::bad_input(result.error);
  }
  nlohmann::ordered_json files = nlohmann::ordered_json::array();
  for (const itdd::tones::WrittenTone& w : result.files) {
    files.push_back({{"pattern", w.pattern},
                     {"file", w.file.string()},
                     {"seconds", w.seconds},
                     {"segments", w.segments}});
  }
  std::cout
      << nlohmann::ordered_json{{"command", "sim tones"}, {"dir", dir}, {"files", files}}.dump(2)
      << '\n';
  return 0;
}

using itdd::cli::kExitFailure;
using itdd::cli::kExitInvalidInput;

struct SimRunArgs {
  std::string scenario_file;
  std::string csv_file;
  std::string pump_models_file;
  std::string csf_pk_file;
  bool json = false;
  bool quiet = false;
  bool progress = false;
  bool timing = false;
};

// "error: FILE: FIELD: MESSAGE" (or without the field), exit status 2.
int input_error(const std::string& file, const itdd::host::Refusal& refusal) {
  return itdd::cli::bad_input(fmt::format("{}: {}", file, refusal.text()));
}

// --pump-models, else $ITDD_PUMP_MODELS, else the source tree's file.
std::string default_pump_models() {
  if (const char* env = std::getenv("ITDD_PUMP_MODELS"); env != nullptr && *env != '\0') {
    return env;
  }
  return ITDD_DEFAULT_PUMP_MODELS;
}

std::string pump_models_path(const SimRunArgs& args) {
  if (!args.pump_models_file.empty()) return args.pump_models_file;
  return default_pump_models();
}

int sim_run(const SimRunArgs& args) {
  using namespace itdd;
  // Everything is read and checked before anything runs.
  const std::string models_file = pump_models_path(args);
  const host::Checked<host::PumpCatalog> catalog = host::PumpCatalog::load(models_file);
  if (!catalog.ok()) return input_error(models_file, catalog.error());
  const host::Checked<scenario::AnyScenario> read =
      scenario::load_any_scenario_file(args.scenario_file, catalog.value());
  if (!read.ok()) return input_error(args.scenario_file, read.error());
  // The virtual patient, when the scenario (either pump kind) has a "patient" block: its figures
  // over the population's (--csf-pk, else $ITDD_CSF_PK, else the source tree's file).
  std::optional<sim::PatientSetup> patient;
  const auto* patient_block = std::visit(
      [](const auto& s) -> const sim::PatientOverrides* {
        return s.patient ? &*s.patient : nullptr;
      },
      read.value());
  if (patient_block != nullptr) {
    const char* env = std::getenv("ITDD_CSF_PK");
    const std::string pk_file = !args.csf_pk_file.empty()        ? args.csf_pk_file
                                : env != nullptr && *env != '\0' ? std::string(env)
                                                                 : std::string(ITDD_DEFAULT_CSF_PK);
    const host::Checked<sim::CsfCatalog> pk = sim::CsfCatalog::load(pk_file);
    if (!pk.ok()) return input_error(pk_file, pk.error());
    std::vector<std::string> drugs;
    for (const scenario::DrugGiven& d :
         std::visit([](const auto& s) { return scenario::drugs_given(s); }, read.value())) {
      drugs.push_back(d.name);
    }
    host::Checked<sim::PatientSetup> setup = sim::resolve_patient(*patient_block, *pk, drugs);
    if (!setup.ok()) return input_error(args.scenario_file, setup.error());
    patient = std::move(setup).value();
  }
  if (const auto* gas = std::get_if<scenario::GasScenario>(&read.value())) {
    return itdd::cli::run_gas_sim(*gas, patient ? &*patient : nullptr, args.json, args.quiet,
                                  args.csv_file);
  }
  const scenario::Scenario& scenario = std::get<scenario::Scenario>(read.value());
  std::ofstream csv;
  if (!args.csv_file.empty()) {
    csv.open(args.csv_file);
    if (!csv) {
      return itdd::cli::bad_input(fmt::format("{}: cannot write the CSV file", args.csv_file));
    }
  }

  sim::RunOptions options;
  options.patient = patient ? &*patient : nullptr;
  if (args.progress || (!args.quiet && isatty(STDERR_FILENO))) {
    options.on_progress = [](Duration elapsed, Duration total) {
      std::cerr << fmt::format("  simulated day {:.0f} of {:.0f}\n",
                               static_cast<double>(elapsed.count()) / kMillisPerDay,
                               static_cast<double>(total.count()) / kMillisPerDay);
    };
  }
  const std::clock_t cpu_start = std::clock();
  const sim::SimulationResult result = sim::run_scenario(scenario, options);
  const double cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;

  if (args.json) {
    std::cout << sim::summary_json(scenario, result).dump(2) << '\n';
  } else if (!args.quiet) {
    std::cout << sim::format_text_summary(scenario, result);
  }
  if (csv.is_open()) {
    sim::write_hourly_csv(csv, scenario, result);
    if (!csv) {
      return itdd::cli::failure(fmt::format("{}: writing the CSV file failed", args.csv_file));
    }
  }
  if (args.timing) {
    const double years = static_cast<double>(scenario.duration.count()) / kMillisPerDay / 365.25;
    std::cerr << fmt::format(
        "timing: {:.3f} simulated years in {:.3f} CPU-s = {:.1f} pump-years "
        "per CPU-second ({} strokes)\n",
        years, cpu_seconds, cpu_seconds > 0 ? years / cpu_seconds : 0.0, result.strokes);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Messages quote what was typed: raw invalid bytes and control characters are escaped.
  const itdd::cli::EscapedStderr escaped_stderr;
  CLI::App app{"itdd: tools for the open intrathecal drug delivery system"};
  app.footer(kExitStatusHelp);
  app.require_subcommand(1);
  CLI::App* sim = app.add_subcommand("sim", "Simulate the implant on a PC");
  sim->require_subcommand(1);
  CLI::App* run = sim->add_subcommand("run", "Run a scenario file and summarise what happened");
  SimRunArgs args;
  run->add_option("SCENARIO", args.scenario_file, "Scenario file (JSON, docs/scenario-format.md)")
      ->required();
  run->add_flag("--json", args.json, "Print the summary as JSON instead of text");
  run->add_option("--csv", args.csv_file, "Also write delivery per hour to this CSV file");
  run->add_flag("--quiet", args.quiet, "Print no text summary (nor progress unless --progress)");
  run->add_flag("--progress", args.progress,
                "Report progress on stderr every 30 simulated days even when not a terminal");
  run->add_flag("--timing", args.timing, "Report simulated pump-years per CPU-second on stderr");
  run->add_option("--pump-models", args.pump_models_file,
                  "Pump model file (default: $ITDD_PUMP_MODELS, else the source tree's "
                  "data/pump-models.json)");
  run->add_option("--csf-pk", args.csf_pk_file,
                  "Virtual patient's population figures, for a scenario with a \"patient\" block "
                  "(default: $ITDD_CSF_PK, else the source tree's data/csf-pharmacokinetics.json)");
  itdd::cli::TrumpetArgs trumpet_args;
  CLI::App* trumpet = itdd::cli::add_sim_trumpet(*sim, trumpet_args);
  itdd::cli::FleetArgs fleet_args;
  CLI::App* fleet = itdd::cli::add_sim_fleet(*sim, fleet_args);
  CLI::App* tones = sim->add_subcommand(
      "tones",
      "Render every alarm tone pattern to a WAV file (critical, non-critical, alarm test)");
  std::string tones_dir;
  tones->add_option("--out", tones_dir, "Directory for the WAV files (created if missing)")
      ->required();
  bool tones_json = false;
  tones->add_flag("--json", tones_json, "Print JSON instead of text");

  CLI::App* implant = app.add_subcommand("implant", "A virtual implant");
  implant->require_subcommand(1);
  itdd::cli::ServeArgs serve_args;
  CLI::App* serve = itdd::cli::add_serve(*implant, serve_args);

  CLI::App* programmer =
      app.add_subcommand("programmer", "The clinician programmer's side of the secured link");
  programmer->require_subcommand(1);
  itdd::cli::ProgrammerArgs programmer_args;
  const itdd::cli::ProgrammerCommands commands =
      itdd::cli::add_programmer(*programmer, programmer_args);
  const itdd::cli::ClinicianCommands clinician(*programmer);
  const itdd::cli::TherapyCommands therapy(*programmer);
  const itdd::cli::DeviceCommands devices(*programmer);
  const itdd::cli::PtmCommands ptm(app);

  itdd::cli::ClinicArgs clinic_args;
  CLI::App* clinic = itdd::cli::add_clinic(app, clinic_args);
  const itdd::cli::DashboardCommands dashboard(clinic, clinic_args);
  const itdd::cli::ClinicalCommands clinical(app);
  const itdd::cli::FixedRateDoseCommand fixed_rate_dose(app);

  // CLI11's refusals in itdd's form: "error: ...", and a value it cannot convert to the option's
  // number named with the option, as every other refusal is.
  app.failure_message([](const CLI::App* from, const CLI::Error& e) {
    const std::string what = e.what();
    constexpr std::string_view kConvert = "Could not convert: ";
    if (what.rfind(kConvert, 0) == 0) {
      const std::size_t eq = what.find(" = ", kConvert.size());
      if (eq != std::string::npos) {
        return fmt::format("error: {} {}: not a number this option takes (see --help)\n",
                           what.substr(kConvert.size(), eq - kConvert.size()), what.substr(eq + 3));
      }
    }
    return CLI::FailureMessage::simple(from, e);
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    if (code == 0) return 0;
    if (json_in_arguments(argc, argv)) {
      std::cout << itdd::cli::outcome_json_line(command_words(argc, argv), kExitInvalidInput,
                                                e.what())
                << '\n';
    }
    return kExitInvalidInput;
  }
  // `implant serve` runs until stopped: its start-up line is its own JSON (serve.cpp).
  if (serve->parsed()) {
    std::optional<itdd::cli::JsonOutcome> start_line;
    if (serve_args.json) start_line.emplace("implant serve", /*one_line=*/true);
    bool started = false;
    const auto on_started = [&] {
      if (start_line) start_line->finish(0);
      started = true;
    };
    int rc = kExitFailure;
    try {
      rc = itdd::cli::run_serve(serve_args, default_pump_models(), on_started);
    } catch (const std::exception& e) {
      rc = itdd::cli::failure(e.what());
    }
    // Refused before it started: the one object says why.
    if (start_line && !started) return start_line->finish(rc);
    return rc;
  }
  const auto run_command = [&]() -> int {
    if (tones->parsed()) {
      return tones_json ? sim_tones_json(tones_dir)
                        : itdd::tones::run_tones_command(tones_dir, std::cout, std::cerr);
    }
    if (run->parsed()) return sim_run(args);
    if (trumpet->parsed()) {
      return itdd::cli::run_sim_trumpet(trumpet_args, trumpet_args.pump_models_file.empty()
                                                          ? default_pump_models()
                                                          : trumpet_args.pump_models_file);
    }
    if (fleet->parsed()) {
      return itdd::cli::run_sim_fleet(fleet_args, fleet_args.pump_models_file.empty()
                                                      ? default_pump_models()
                                                      : fleet_args.pump_models_file);
    }
    if (serve_args.advance->parsed()) {
      return itdd::cli::run_advance(serve_args, default_pump_models());
    }
    if (commands.keygen->parsed()) return itdd::cli::run_keygen(programmer_args);
    if (commands.pair->parsed()) return itdd::cli::run_pair(programmer_args);
    if (commands.interrogate->parsed()) return itdd::cli::run_interrogate(programmer_args);
    if (commands.pairing_window->parsed()) return itdd::cli::run_pairing_window(programmer_args);
    if (const std::optional<int> rc = dashboard.run()) return *rc;
    if (clinic->parsed()) return itdd::cli::run_clinic(clinic_args, default_pump_models());
    if (const std::optional<int> rc = fixed_rate_dose.run()) return *rc;
    if (const std::optional<int> rc = clinical.run()) return *rc;
    if (const std::optional<int> rc = clinician.run()) return *rc;
    if (const std::optional<int> rc = therapy.run()) return *rc;
    if (const std::optional<int> rc = devices.run()) return *rc;
    if (const std::optional<int> rc = ptm.run()) return *rc;
    return kExitInvalidInput;
  };
  std::optional<itdd::cli::JsonOutcome> json_outcome;
  if (json_asked(app)) json_outcome.emplace(command_path(app));
  const auto finish = [&](int exit_status) {
    return json_outcome ? json_outcome->finish(exit_status) : exit_status;
  };
  try {
    return finish(run_command());
  } catch (const std::exception& e) {
    return finish(itdd::cli::failure(e.what()));
  }
}

// `itdd sim run` for a fixed-rate gas-driven pump's scenario, and `itdd sim trumpet`: parse,
// call sim/ (gas_pump, trumpet), print. Kept apart from main.cpp's programmable-pump run.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "itdd/scenario/gas_scenario.h"
#include "itdd/sim/patient_params.h"

namespace itdd::cli {

// Runs a gas-pump scenario read by `itdd sim run` and prints it the same ways: the text
// summary, or --json, and the hourly --csv FILE; with `patient`, the virtual patient beside it.
// Exit status as sim run's.
int run_gas_sim(const scenario::GasScenario& scenario, const sim::PatientSetup* patient, bool json,
                bool quiet, const std::string& csv_file);

struct TrumpetArgs {
  std::string scenario_file;
  std::string out_dir;  // empty: print only
  std::string pump_models_file;
  std::string from_hours = "1";
  std::string hours = "48";
  bool json = false;
};

CLI::App* add_sim_trumpet(CLI::App& sim, TrumpetArgs& args);
int run_sim_trumpet(const TrumpetArgs& args, const std::string& pump_models_file);

// `itdd sim fleet CAMPAIGN.json --out DIR`: a fleet campaign on this machine (sim/fleet,
// docs/fleet.md); under MPI, the companion `itdd-fleet-mpi` runs the same campaign on ranks.
struct FleetArgs {
  std::string campaign_file;
  std::string out_dir;
  std::string pump_models_file;
  std::string csf_pk_file;
  bool quiet = false;
};

CLI::App* add_sim_fleet(CLI::App& sim, FleetArgs& args);
int run_sim_fleet(const FleetArgs& args, const std::string& pump_models_file);

}  // namespace itdd::cli

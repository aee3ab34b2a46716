// The fixed-rate gas-driven pump on the command line (programmer/fixed_rate): `itdd clinic pump
// add --model gas-fixed-30 ... --drug --concentration --volume-ml` (its first fill), `itdd clinic
// pump refill` (a new concentration changes its dose), `itdd dose fixed-rate` (the concentration
// for a daily dose), and the refusal a programmable-only command gives such a pump. Parse, call,
// print: the decisions are programmer/'s.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "commands.h"
#include "itdd/host/gas_pump_spec.h"
#include "itdd/programmer/clinic_db.h"

namespace itdd::cli {

// `clinic pump add` for a fixed-rate model (clinic.cpp has parsed the pump's own options into
// `pump`, found the patient, and opened `db`).
int run_fixed_rate_pump_add(const ClinicArgs& a, const host::GasPumpSpec& model,
                            programmer::PumpRecord pump, const std::string& mrn,
                            programmer::ClinicDb& db);
// `clinic pump refill`.
int run_fixed_rate_refill(const ClinicArgs& a);

// 0, or after saying on stderr why `command` cannot run for this fixed-rate pump, its exit
// status (2): called before anything is sent to an implant.
int refuse_if_fixed_rate(programmer::ClinicDb& db, const programmer::PumpRecord& pump,
                         std::string_view command);
// The same for a pump named by serial in the clinic database (--db, else $ITDD_CLINIC_DB); no
// database or no serial: nothing to check (0).
int refuse_if_fixed_rate(const std::string& serial, const std::string& db_flag,
                         std::string_view command);
// "itdd programmer alarm silence": the command as typed, from its CLI11 subcommand.
std::string command_name(const CLI::App* cmd);

// `itdd dose fixed-rate`, under the `dose` group ClinicalCommands made.
class FixedRateDoseCommand {
 public:
  explicit FixedRateDoseCommand(CLI::App& app);
  ~FixedRateDoseCommand();
  std::optional<int> run() const;
  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace itdd::cli

// `itdd clinic serve` (the dashboard: web/server over programmer/clinic_view) and
// `itdd clinic user add|list` (its accounts). Parsing and printing only.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>

#include "commands.h"

namespace itdd::cli {

class DashboardCommands {
 public:
  // Declares the subcommands under `clinic`; `clinic_args.db` is the database they use.
  DashboardCommands(CLI::App* clinic, const ClinicArgs& clinic_args);
  ~DashboardCommands();
  // The exit status of the one given, or nullopt when none of them was.
  std::optional<int> run() const;
  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace itdd::cli

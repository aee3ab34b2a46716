#include "sim_commands.h"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "commands.h"
#include "itdd/host/decimal.h"
#include "itdd/host/pump_catalog.h"
#include "itdd/sim/fleet/fleet.h"
#include "itdd/sim/gas_runner.h"
#include "itdd/sim/gas_summary.h"
#include "itdd/sim/trumpet.h"
#include "itdd/sim/trumpet_run.h"

namespace itdd::cli {
namespace {

int invalid(const std::string& what) {
  std::cerr << "error: " << what << '\n';
  return kExitInvalidInput;
}

// Hours to the thousandth (3.6 s), exactly.
std::optional<Duration> hours_option(const std::string& text, const char* flag, int& rc) {
  const host::Checked<std::int64_t> milli = host::parse_decimal(text, 1000);
  if (!milli.ok()) {
    rc = invalid(fmt::format("{}: {} (hours, e.g. 1 or 0.5)", flag, milli.error().message));
    return std::nullopt;
  }
  return Duration(*milli * (kMillisPerHour / 1000));
}

}  // namespace

int run_gas_sim(const scenario::GasScenario& scenario, const sim::PatientSetup* patient, bool json,
                bool quiet, const std::string& csv_file) {
  std::ofstream csv;
  if (!csv_file.empty()) {
    csv.open(csv_file);
    if (!csv) return invalid(fmt::format("{}: cannot write the CSV file", csv_file));
  }
  sim::GasRunOptions options;
  options.patient = patient;
  const sim::GasRunResult result = sim::run_gas_scenario(scenario, options);
  if (json) {
    std::cout << sim::gas_summary_json(scenario, result).dump(2) << '\n';
  } else if (!quiet) {
    std::cout << sim::format_gas_text_summary(scenario, result);
  }
  if (csv.is_open()) {
    sim::write_gas_hourly_csv(csv, scenario, result);
    if (!csv) {
      std::cerr << fmt::format("error: {}: writing the CSV file failed\n", csv_file);
      return kExitFailure;
    }
  }
  return 0;
}

CLI::App* add_sim_trumpet(CLI::App& sim, TrumpetArgs& args) {
  CLI::App* t = sim.add_subcommand(
      "trumpet",
      "The IEC 60601-2-24 trumpet curve of a scenario's pump (either kind): Ep(max) and Ep(min) "
      "for observation windows of 2 min to 24 h, and the overall mean flow error");
  t->add_option("SCENARIO", args.scenario_file, "Scenario file (JSON, docs/scenario-format.md)")
      ->required();
  t->add_option("--out", args.out_dir,
                "Write trumpet.csv, flow.csv and trumpet.svg to this directory (created if "
                "missing)");
  t->add_option("--from-hours", args.from_hours,
                "Start of the analysis period, hours of elapsed time (default 1)");
  t->add_option("--hours", args.hours, "Length of the analysis period, hours (default 48)");
  t->add_option("--pump-models", args.pump_models_file,
                "Pump model file (default: $ITDD_PUMP_MODELS, else the source tree's "
                "data/pump-models.json)");
  t->add_flag("--json", args.json, "Print the curve as JSON instead of text");
  return t;
}

int run_sim_trumpet(const TrumpetArgs& args, const std::string& models_file) {
  int rc = 0;
  const std::optional<Duration> from = hours_option(args.from_hours, "--from-hours", rc);
  if (!from) return rc;
  const std::optional<Duration> length = hours_option(args.hours, "--hours", rc);
  if (!length) return rc;
  const host::Checked<host::PumpCatalog> catalog = host::PumpCatalog::load(models_file);
  if (!catalog.ok()) return invalid(fmt::format("{}: {}", models_file, catalog.error().text()));
  const host::Checked<scenario::AnyScenario> read =
      scenario::load_any_scenario_file(args.scenario_file, catalog.value());
  if (!read.ok()) return invalid(fmt::format("{}: {}", args.scenario_file, read.error().text()));
  if (!args.out_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(args.out_dir, ec);
    if (ec) return invalid(fmt::format("--out {}: cannot create the directory", args.out_dir));
  }
  const host::Checked<sim::TrumpetInput> input =
      sim::trumpet_input(read.value(), sim::TrumpetPeriod{*from, *length});
  if (!input.ok()) return invalid(input.error().text());
  const sim::TrumpetResult r = sim::analyse_trumpet(*input);
  const bool gas = std::holds_alternative<scenario::GasScenario>(read.value());
  const std::string name = std::visit([](const auto& s) { return s.name; }, read.value());
  const std::string model = gas ? std::get<scenario::GasScenario>(read.value()).pump.name
                                : std::get<scenario::Scenario>(read.value()).pump.spec.name;

  std::vector<std::string> written;
  if (!args.out_dir.empty()) {
    const std::filesystem::path dir(args.out_dir);
    const auto write = [&](const char* file, const auto& fill) {
      std::ofstream out(dir / file);
      fill(out);
      if (!out) return false;
      written.push_back((dir / file).string());
      return true;
    };
    const std::string title =
        fmt::format("{} ({}): trumpet curve, {} h from hour {}", model,
                    gas ? "gas-driven" : "strokes", args.hours, args.from_hours);
    if (!write("trumpet.csv", [&](std::ostream& o) { sim::write_trumpet_csv(o, r); }) ||
        !write("flow.csv", [&](std::ostream& o) { sim::write_flow_csv(o, *input); }) ||
        !write("trumpet.svg", [&](std::ostream& o) { o << sim::trumpet_svg(r, title); })) {
      return invalid(fmt::format("--out {}: cannot write the files", args.out_dir));
    }
  }
  if (args.json) {
    nlohmann::ordered_json windows = nlohmann::ordered_json::array();
    for (const sim::TrumpetWindow& w : r.windows) {
      windows.push_back({{"window_min", w.minutes},
                         {"positions", w.positions},
                         {"ep_max_percent", w.positions ? nlohmann::ordered_json(w.ep_max_percent)
                                                        : nlohmann::ordered_json(nullptr)},
                         {"ep_min_percent", w.positions ? nlohmann::ordered_json(w.ep_min_percent)
                                                        : nlohmann::ordered_json(nullptr)}});
    }
    std::cout << nlohmann::ordered_json{{"command", "sim trumpet"},
                                        {"scenario", name},
                                        {"pump_model", model},
                                        {"pump_kind", gas ? "gas-fixed-rate" : "peristaltic"},
                                        {"set_rate_nl_per_day", r.set_rate.count()},
                                        {"mean_flow_nl_per_day", r.mean_flow.count()},
                                        {"period_min", r.period.count() / kMillisPerMinute},
                                        {"from_min", from->count() / kMillisPerMinute},
                                        {"sample_min", 0.5},
                                        {"overall_error_percent", r.overall_error_percent},
                                        {"windows", windows},
                                        {"files", written}}
                     .dump(2)
              << '\n';
    return 0;
  }
  std::cout << fmt::format(
      "Trumpet curve (IEC 60601-2-24): {} ({}, {})\n"
      "Set rate {:.3f} mL/day; flow sampled every 0.5 min for {} h from hour {}\n"
      "Overall mean flow error A: {:+.2f} % (mean {:.3f} mL/day)\n"
      "  window      Ep(max)     Ep(min)   windows\n",
      name, model, gas ? "fixed-rate gas-driven" : "peristaltic, strokes",
      static_cast<double>(r.set_rate.count()) / kNanolitresPerMillilitre, args.hours,
      args.from_hours, r.overall_error_percent,
      static_cast<double>(r.mean_flow.count()) / kNanolitresPerMillilitre);
  for (const sim::TrumpetWindow& w : r.windows) {
    const std::string label = w.minutes % 60 == 0 ? fmt::format("{} h", w.minutes / 60)
                                                  : fmt::format("{} min", w.minutes);
    if (w.positions == 0) {
      std::cout << fmt::format("  {:>7}   longer than the period\n", label);
    } else {
      std::cout << fmt::format("  {:>7}  {:+9.2f} %  {:+9.2f} %  {:>7}\n", label, w.ep_max_percent,
                               w.ep_min_percent, w.positions);
    }
  }
  for (const std::string& f : written) std::cout << "wrote " << f << '\n';
  return 0;
}

CLI::App* add_sim_fleet(CLI::App& sim, FleetArgs& args) {
  CLI::App* f = sim.add_subcommand(
      "fleet",
      "Run a fleet campaign (docs/fleet.md): many pumps for years under one or two clinic "
      "practices, with rates per 1,000 pump-years and replay files of every broken invariant");
  f->add_option("CAMPAIGN", args.campaign_file, "Campaign file (JSON, docs/fleet.md)")->required();
  f->add_option("--out", args.out_dir,
                "Directory for summary.json, summary.csv, pumps.csv and replays/ (created if "
                "missing)")
      ->required();
  f->add_option("--pump-models", args.pump_models_file,
                "Pump model file (default: $ITDD_PUMP_MODELS, else the source tree's "
                "data/pump-models.json)");
  f->add_option("--csf-pk", args.csf_pk_file,
                "Virtual patient's population figures (default: $ITDD_CSF_PK, else the source "
                "tree's data/csf-pharmacokinetics.json)");
  f->add_flag("--quiet", args.quiet, "No progress on stderr and no summary on stdout");
  return f;
}

int run_sim_fleet(const FleetArgs& args, const std::string& models_file) {
  const char* env = std::getenv("ITDD_CSF_PK");
  const std::string pk_file = !args.csf_pk_file.empty()        ? args.csf_pk_file
                              : env != nullptr && *env != '\0' ? std::string(env)
                                                               : std::string(ITDD_DEFAULT_CSF_PK);
  // Everything is read and checked before anything runs.
  const host::Checked<sim::fleet::LoadedCampaign> loaded =
      sim::fleet::load_campaign(args.campaign_file, models_file, pk_file);
  if (!loaded.ok()) return invalid(loaded.error().text());
  const sim::fleet::FleetInputs in = loaded.value().inputs();
  const host::Checked<void> out = sim::fleet::prepare_report_dir(args.out_dir);
  if (!out.ok()) return invalid(out.error().text());
  std::optional<sim::fleet::Progress> progress;
  if (!args.quiet) progress.emplace(in);
  std::int64_t done = 0;
  std::vector<sim::fleet::PumpOutcome> outcomes = sim::fleet::run_items(in, 0, 1, [&] {
    ++done;
    if (progress) progress->update(done);
  });
  const host::Checked<std::string> report =
      sim::fleet::write_report(in, std::move(outcomes), args.out_dir);
  if (!report.ok()) return invalid(report.error().text());
  if (!args.quiet) std::cout << report.value();
  return 0;
}

}  // namespace itdd::cli

#include "itdd/sim/trumpet_run.h"

#include <fmt/format.h>

#include <algorithm>

#include "itdd/host/wall_time.h"
#include "itdd/sim/gas_runner.h"
#include "itdd/sim/runner.h"

namespace itdd::sim {
namespace {

constexpr Duration kSample = seconds(30);

host::Refusal refusal(std::string field, std::string message) {
  return host::Refusal{std::move(field), std::move(message)};
}

}  // namespace

host::Checked<TrumpetInput> trumpet_input(const scenario::AnyScenario& any,
                                          const TrumpetPeriod& period) {
  const Duration duration = std::visit([](const auto& s) { return s.duration; }, any);
  if (period.from.count() < 0 || period.from.count() % kSample.count() != 0) {
    return refusal("--from-hours", "must be a whole number of 0.5 min samples, not negative");
  }
  if (period.length.count() <= 0 || period.length.count() % kSample.count() != 0) {
    return refusal("--hours", "must be above 0 and a whole number of 0.5 min samples");
  }
  if (period.from + period.length > duration) {
    return refusal("--hours",
                   fmt::format("the analysis period ends at {} of elapsed time, after the "
                               "scenario's end ({}): lengthen its duration_days or shorten the "
                               "period",
                               host::format_elapsed(period.from + period.length),
                               host::format_elapsed(duration)));
  }
  TrumpetInput in;
  in.sample_interval = kSample;
  const std::size_t first = static_cast<std::size_t>(period.from.count() / kSample.count());
  const std::size_t count = static_cast<std::size_t>(period.length.count() / kSample.count());
  // Only what happens before the period's end matters: the run stops there.
  const Duration end = period.from + period.length;
  if (const auto* full_gas = std::get_if<scenario::GasScenario>(&any)) {
    scenario::GasScenario gas_copy = *full_gas;
    gas_copy.duration = end;
    std::erase_if(gas_copy.events, [&](const auto& e) { return e.at >= end; });
    for (auto& e : gas_copy.events) e.until = std::min(e.until, end);
    const scenario::GasScenario* gas = &gas_copy;
    const GasRunResult r = run_gas_scenario(*gas, GasRunOptions{kSample, true});
    in.set_rate = gas->pump.nominal_flow;
    in.sample_volume_nl.assign(
        r.step_volume_nl.begin() + static_cast<std::ptrdiff_t>(first),
        r.step_volume_nl.begin() + static_cast<std::ptrdiff_t>(first + count));
    return in;
  }
  scenario::Scenario s = std::get<scenario::Scenario>(any);
  s.duration = end;
  std::erase_if(s.events, [&](const scenario::ScenarioEvent& e) { return e.at >= end; });
  if (s.prescription.mode != therapy::BasalMode::kContinuous) {
    return refusal("prescription",
                   "the trumpet curve needs a constant set rate: use a continuous prescription "
                   "(a flexible program changes its rate through the day)");
  }
  in.set_rate = therapy::flow_of(s.prescription, s.prescription.continuous_dose);
  in.sample_volume_nl.assign(count, 0);
  RunOptions options;
  Volume last{};
  // A stroke's volume counts in the sample its instant falls in.
  options.on_moved = [&](Duration elapsed, Volume moved) {
    const Volume delta = moved - last;
    last = moved;
    if (delta.count() == 0 || elapsed < period.from || elapsed >= period.from + period.length) {
      return;
    }
    in.sample_volume_nl[static_cast<std::size_t>((elapsed - period.from).count() /
                                                 kSample.count())] += delta.count();
  };
  (void)run_scenario(s, options);
  return in;
}

}  // namespace itdd::sim

#include "itdd/sim/fleet/outcome.h"

#include <fmt/format.h>

#include <optional>
#include <stdexcept>
#include <variant>

#include "itdd/scenario/gas_scenario.h"
#include "itdd/sim/gas_runner.h"
#include "itdd/sim/runner.h"

namespace itdd::sim::fleet {
namespace {

#define ITDD_FLEET_COUNT(name) +1
static_assert(kOutcomeFields == 0 ITDD_FLEET_OUTCOME_FIELDS(ITDD_FLEET_COUNT));
#undef ITDD_FLEET_COUNT

constexpr std::int64_t kMinute = kMillisPerMinute;

std::int64_t withdrawal_minutes(const std::optional<PatientReport>& report, Duration end) {
  if (!report) return 0;
  std::int64_t ms = 0;
  for (const RiskFlag& f : report->flags) {
    if (f.kind != RiskKind::kWithdrawal) continue;
    const std::int64_t until = f.ended.is_never() ? end.count() : f.ended.ms();
    ms += until - f.began.ms();
  }
  return ms / kMinute;
}

// The first raise of `kind`, or never.
ImplantTime first_raise(const SimulationResult& r, alarms::AlarmKind kind) {
  for (const alarms::AlarmEvent& e : r.alarm_events) {
    if (e.kind == kind && e.action == alarms::AlarmAction::kRaised) return e.at;
  }
  return ImplantTime::never();
}

std::int64_t raises(const SimulationResult& r, alarms::AlarmKind kind) {
  std::int64_t n = 0;
  for (const alarms::AlarmEvent& e : r.alarm_events) {
    n += e.kind == kind && e.action == alarms::AlarmAction::kRaised ? 1 : 0;
  }
  return n;
}

bool raised_between(const SimulationResult& r, alarms::AlarmKind kind, ImplantTime from,
                    ImplantTime to) {
  for (const alarms::AlarmEvent& e : r.alarm_events) {
    if (e.kind == kind && e.action == alarms::AlarmAction::kRaised && e.at >= from && e.at <= to) {
      return true;
    }
  }
  return false;
}

void judge_programmable(const SimulationResult& r, PumpOutcome& o) {
  using alarms::AlarmKind;
  for (std::size_t i = 0; i < r.fills.size(); ++i) {
    const FillRecord& f = r.fills[i];
    if (f.refill_check && f.refill_check->needs_acknowledgement()) ++o.refill_checks_flagged;
    if (!f.actual_dry.is_never()) {
      ++o.dry_fills;
      if (raised_between(r, AlarmKind::kLowReservoir, f.at, f.actual_dry)) {
        ++o.dry_with_low_alarm;
      } else {
        o.broken |= kDryWithoutLowAlarm;
      }
    }
    if (i > 0 && f.pocket_fill.count() > 0) {
      ++o.pocket_fills;
      if (i + 1 >= r.fills.size()) {
        ++o.pocket_fills_unchecked;
      } else if (r.fills[i + 1].refill_check &&
                 r.fills[i + 1].refill_check->needs_acknowledgement()) {
        ++o.pocket_fills_caught;
        o.pocket_catch_minutes += (r.fills[i + 1].at - f.at).count() / kMinute;
      }
    }
  }
  o.safety_trips = raises(r, AlarmKind::kSafetyMonitorTrip);
  o.stall_alarms = raises(r, AlarmKind::kMotorStall);
  o.occlusion_alarms = raises(r, AlarmKind::kOcclusion);
  const ImplantTime eri = first_raise(r, AlarmKind::kElectiveReplacement);
  const ImplantTime eos = first_raise(r, AlarmKind::kEndOfService);
  o.eri_minute = eri.is_never() ? -1 : eri.ms() / kMinute;
  o.eos_minute = eos.is_never() ? -1 : eos.ms() / kMinute;
  if (!eos.is_never()) {
    if (eri.is_never() || eri > eos) {
      o.broken |= kEndOfServiceWithoutEri;
      ++o.missed_alarms;
    } else if (eos - eri < days(90)) {
      o.broken |= kEriLeadUnder90Days;
    }
  }
  if (o.runaway_faults > 0 && o.safety_trips == 0) {
    o.broken |= kRunawayWithoutTrip;
    ++o.missed_alarms;
  }
  o.strokes = r.strokes;
}

void judge_gas(const GasRunResult& r, PumpOutcome& o) {
  // A gas-driven pump has no alarm: a dry reservoir is counted, not judged against one.
  for (const GasFillRecord& f : r.fills) {
    if (f.actual_empty) ++o.dry_fills;
  }
  o.eri_minute = -1;
  o.eos_minute = -1;
}

}  // namespace

OutcomeWords to_words(const PumpOutcome& o) {
  OutcomeWords w{};
  std::size_t i = 0;
#define ITDD_FLEET_PUT(name) w[i++] = o.name;
  ITDD_FLEET_OUTCOME_FIELDS(ITDD_FLEET_PUT)
#undef ITDD_FLEET_PUT
  return w;
}

PumpOutcome from_words(const OutcomeWords& w) {
  PumpOutcome o;
  std::size_t i = 0;
#define ITDD_FLEET_GET(name) o.name = w[i++];
  ITDD_FLEET_OUTCOME_FIELDS(ITDD_FLEET_GET)
#undef ITDD_FLEET_GET
  return o;
}

const std::array<const char*, kOutcomeFields>& outcome_field_names() {
#define ITDD_FLEET_NAME(name) #name,
  static const std::array<const char*, kOutcomeFields> names = {
      ITDD_FLEET_OUTCOME_FIELDS(ITDD_FLEET_NAME)};
#undef ITDD_FLEET_NAME
  return names;
}

PumpOutcome run_pump(const PumpPlan& plan, std::size_t practice, const host::PumpCatalog& models,
                     const CsfCatalog& csf) {
  host::Checked<scenario::AnyScenario> read =
      scenario::parse_any_scenario_text(plan.scenario_json, models);
  if (!read.ok()) {
    throw std::logic_error(fmt::format("pump {}: the scenario planned for it was refused: {}",
                                       plan.index, read.error().text()));
  }
  PumpOutcome o;
  o.index = plan.index;
  o.practice = static_cast<std::int64_t>(practice);
  o.model = static_cast<std::int64_t>(plan.model);
  o.drug = static_cast<std::int64_t>(plan.drug);
  o.gas = plan.gas ? 1 : 0;
  o.patient = plan.patient ? 1 : 0;
  o.refills = plan.refills;
  o.runaway_faults = plan.runaway_faults;
  o.stall_faults = plan.stall_faults;
  o.occlusion_faults = plan.occlusion_faults;
  o.cell_faults = plan.cell_faults;
  o.drift_faults = plan.drift_faults;
  o.power_cuts = plan.power_cuts;

  std::optional<PatientSetup> patient;
  const auto* block = std::visit(
      [](const auto& s) -> const PatientOverrides* { return s.patient ? &*s.patient : nullptr; },
      read.value());
  if (block != nullptr) {
    std::vector<std::string> drugs;
    for (const scenario::DrugGiven& d :
         std::visit([](const auto& s) { return scenario::drugs_given(s); }, read.value())) {
      drugs.push_back(d.name);
    }
    host::Checked<PatientSetup> setup = resolve_patient(*block, csf, drugs);
    if (!setup.ok()) {
      throw std::logic_error(fmt::format("pump {}: its virtual patient was refused: {}", plan.index,
                                         setup.error().text()));
    }
    patient = std::move(setup).value();
  }
  if (const auto* gas = std::get_if<scenario::GasScenario>(&read.value())) {
    GasRunOptions options;
    options.patient = patient ? &*patient : nullptr;
    const GasRunResult r = run_gas_scenario(*gas, options);
    judge_gas(r, o);
    o.withdrawal_minutes = withdrawal_minutes(r.patient, r.duration);
    return o;
  }
  RunOptions options;
  options.patient = patient ? &*patient : nullptr;
  const SimulationResult r = run_scenario(std::get<scenario::Scenario>(read.value()), options);
  judge_programmable(r, o);
  o.withdrawal_minutes = withdrawal_minutes(r.patient, r.duration);
  return o;
}

}  // namespace itdd::sim::fleet

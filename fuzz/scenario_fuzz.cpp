// libFuzzer harness for the scenario reader and the fleet campaign reader: any input must either be
// read or be refused with a host::Refusal that says what is wrong. An exception (none may leave the
// reader), a crash or a sanitizer report is a bug.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "itdd/host/pump_catalog.h"
#include "itdd/scenario/gas_scenario.h"
#include "itdd/scenario/scenario.h"
#include "itdd/sim/fleet/campaign.h"
#include "itdd/sim/fleet/pump_plan.h"
#include "itdd/sim/patient_params.h"

namespace {
const itdd::host::PumpCatalog& catalog() {
  static const itdd::host::PumpCatalog c = [] {
    itdd::host::Checked<itdd::host::PumpCatalog> loaded =
        itdd::host::PumpCatalog::load(ITDD_PUMP_MODELS_FILE);
    if (!loaded.ok()) __builtin_trap();
    return std::move(loaded).value();
  }();
  return c;
}
const itdd::sim::CsfCatalog& csf() {
  static const itdd::sim::CsfCatalog c = [] {
    itdd::host::Checked<itdd::sim::CsfCatalog> loaded =
        itdd::sim::CsfCatalog::load(ITDD_CSF_PK_FILE);
    if (!loaded.ok()) __builtin_trap();
    return std::move(loaded).value();
  }();
  return c;
}
}  // namespace

// The same input as a fleet campaign (sim/fleet): read or refused with a message; and a campaign
// that is read plans pumps whose scenarios the scenario reader reads (and their patients resolve).
void campaign_one(std::string_view text) {
  const itdd::host::Checked<itdd::sim::fleet::Campaign> c =
      itdd::sim::fleet::parse_campaign_text(text, catalog(), csf());
  if (!c.ok()) {
    if (c.error().message.empty()) __builtin_trap();
    return;
  }
  for (std::size_t practice = 0; practice < c->practices.size(); ++practice) {
    for (std::int64_t pump = 0; pump < std::min<std::int64_t>(c->pumps, 2); ++pump) {
      const itdd::sim::fleet::PumpPlan plan =
          itdd::sim::fleet::plan_pump(c.value(), practice, pump, catalog(), csf());
      if (!itdd::scenario::parse_any_scenario_text(plan.scenario_json, catalog()).ok()) {
        __builtin_trap();
      }
    }
  }
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  campaign_one(text);
  // Either kind of pump, chosen by the model's kind as `itdd sim run` reads a file.
  const itdd::host::Checked<itdd::scenario::AnyScenario> any =
      itdd::scenario::parse_any_scenario_text(text, catalog());
  if (!any.ok()) {
    if (any.error().message.empty()) __builtin_trap();  // every refusal says what is wrong
    return 0;
  }
  if (const auto* gas = std::get_if<itdd::scenario::GasScenario>(&any.value())) {
    if (gas->duration.count() <= 0) __builtin_trap();
    for (const auto& e : gas->events) {
      if (e.at.count() < 0 || e.at > e.until || e.until > gas->duration) __builtin_trap();
    }
    return 0;
  }
  const itdd::scenario::Scenario* s = &std::get<itdd::scenario::Scenario>(any.value());
  // A scenario that is read must be internally consistent.
  if (s->duration.count() <= 0) __builtin_trap();
  for (const auto& e : s->events) {
    if (e.at.count() < 0 || e.at > s->duration) __builtin_trap();
  }
  // A patient block meets the population's figures: set up, or refused with a message.
  if (s->patient) {
    std::vector<std::string> drugs;
    for (const auto& d : itdd::scenario::drugs_given(*s)) drugs.push_back(d.name);
    const itdd::host::Checked<itdd::sim::PatientSetup> p =
        itdd::sim::resolve_patient(*s->patient, csf(), drugs);
    if (!p.ok() && p.error().message.empty()) __builtin_trap();
    if (p.ok() && p->drugs.size() != drugs.size()) __builtin_trap();
  }
  return 0;
}

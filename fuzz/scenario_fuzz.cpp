// libFuzzer harness for the scenario reader: any input must either be read or be refused with a
// host::Refusal that says what is wrong. An exception (none may leave the reader), a crash or a
// sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "itdd/host/pump_catalog.h"
#include "itdd/scenario/scenario.h"
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

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const itdd::host::Checked<itdd::scenario::Scenario> s =
      itdd::scenario::parse_scenario_text(text, catalog());
  if (!s.ok()) {
    if (s.error().message.empty()) __builtin_trap();  // every refusal says what is wrong
    return 0;
  }
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

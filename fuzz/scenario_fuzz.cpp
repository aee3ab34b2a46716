// libFuzzer harness for the scenario reader: any input must either parse or be refused with
// an InputError naming a field. Any other exception, a crash or a sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "itdd/scenario/input_error.h"
#include "itdd/scenario/pump_catalog.h"
#include "itdd/scenario/scenario.h"

namespace {
const itdd::scenario::PumpCatalog& catalog() {
  static const itdd::scenario::PumpCatalog c =
      itdd::scenario::PumpCatalog::load(ITDD_PUMP_MODELS_FILE);
  return c;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const itdd::scenario::Scenario s = itdd::scenario::parse_scenario_text(text, catalog());
    // A scenario that parses must be internally consistent.
    if (s.duration.count() <= 0) __builtin_trap();
    for (const auto& e : s.events) {
      if (e.at.count() < 0 || e.at > s.duration) __builtin_trap();
    }
  } catch (const itdd::scenario::InputError& e) {
    if (e.message().empty()) __builtin_trap();  // every refusal says what is wrong
  }
  return 0;
}

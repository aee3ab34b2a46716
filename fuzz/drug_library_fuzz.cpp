// libFuzzer harness for what a clinic edits by hand: the drug library file, and the decimals
// typed at the command line. Any input must load or be refused with a field and a message; a
// library that loads must export to the same library, and checking prescriptions against it
// must not crash. A decimal that parses must format back to the same count.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "itdd/programmer/dose_check.h"
#include "itdd/programmer/drug_library.h"
#include "itdd/programmer/units_text.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace itdd;
  using namespace itdd::programmer;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  for (const std::int64_t scale : {std::int64_t{1}, std::int64_t{1'000}, std::int64_t{1'000'000}}) {
    const Checked<std::int64_t> v = parse_decimal(text, scale);
    if (v.ok()) {
      const Checked<std::int64_t> back = parse_decimal(format_decimal(v.value(), scale), scale);
      if (!back.ok() || back.value() != v.value()) __builtin_trap();
    } else if (v.error().message.empty()) {
      __builtin_trap();
    }
  }

  const Checked<DrugLibrary> library = DrugLibrary::from_text(text);
  if (!library.ok()) {
    if (library.error().message.empty()) __builtin_trap();  // every refusal says what is wrong
    return 0;
  }
  const Checked<DrugLibrary> again = DrugLibrary::from_json(library->to_json());
  if (!again.ok() || !(again.value() == library.value())) __builtin_trap();
  for (const DrugSpec& d : library->drugs()) {
    therapy::Prescription rx;
    rx.drug = therapy::make_drug(d.name.c_str(), d.unit);
    rx.concentration = d.concentrations.value.front();
    rx.mode = therapy::BasalMode::kContinuous;
    rx.continuous_dose = d.limits.soft_max.value;
    therapy::Prescription before = rx;
    before.continuous_dose = DoseRate(d.limits.soft_max.value.count() / 2 + 1);
    const PreviousTherapy previous{before, WallTime(0)};
    const DoseCheck check = check_prescription(library.value(), rx, &previous, WallTime(3'600'000));
    // The soft maximum is never above the hard one, so the daily dose alone never blocks.
    for (const Finding& f : check.findings) {
      if (f.level == Level::kHard && std::string_view(f.field) == finding_field::kDailyDose) {
        __builtin_trap();
      }
    }
    (void)format_dose_check(check);
    (void)dose_check_json(check);
  }
  return 0;
}

// libFuzzer harness for what a clinic edits by hand: the drug library file, and the decimals
// typed at the command line or written in a JSON file (host/text). Any input must load or be
// refused with a message (no exception may leave the reader: a number beyond a double,
// fuzz/corpus/drug_library/number-overflow.json, once did); a library that loads must export to
// the same library, and checking prescriptions against it must not crash. A decimal that parses
// must format back to the same count, and read the same as a JSON number.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "itdd/host/decimal.h"
#include "itdd/programmer/dose_check.h"
#include "itdd/programmer/drug_library.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace itdd;
  using namespace itdd::programmer;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  for (const std::int64_t scale : {std::int64_t{1}, std::int64_t{1'000}, std::int64_t{1'000'000}}) {
    const host::Checked<std::int64_t> v = host::parse_decimal(text, scale);
    const host::Checked<std::int64_t> as_json = host::parse_json_number(text, scale);
    if (!as_json.ok() && as_json.error().message.empty()) __builtin_trap();
    if (v.ok()) {
      const host::Checked<std::int64_t> back =
          host::parse_decimal(host::format_decimal(v.value(), scale), scale);
      if (!back.ok() || back.value() != v.value()) __builtin_trap();
    } else if (v.error().message.empty()) {
      __builtin_trap();
    }
    // Typed or in a file, a decimal reads the same: both read it, or the JSON reader refuses a
    // form JSON does not allow (leading zeros) and the typed reader one it does (an exponent,
    // a sign on zero).
    if (v.ok() && as_json.ok() && v.value() != as_json.value()) __builtin_trap();
    const bool exponent_or_sign = text.find_first_of("eE-") != std::string_view::npos;
    if (!v.ok() && as_json.ok() && !exponent_or_sign) __builtin_trap();
  }

  const host::Checked<DrugLibrary> library = DrugLibrary::from_text(text);
  if (!library.ok()) {
    if (library.error().message.empty()) __builtin_trap();  // every refusal says what is wrong
    return 0;
  }
  const host::Checked<DrugLibrary> again = DrugLibrary::from_text(library->to_json().dump());
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

#include "itdd/programmer/units_text.h"

#include <fmt/format.h>

#include "itdd/host/decimal.h"

namespace itdd::programmer {

using host::format_decimal;

const char* unit_name(DoseUnit unit) {
  return unit == DoseUnit::kMilligram ? "mg" : "mcg";
}

std::optional<DoseUnit> parse_dose_unit(std::string_view text) {
  if (text == "mg") return DoseUnit::kMilligram;
  if (text == "mcg") return DoseUnit::kMicrogram;
  return std::nullopt;
}

std::string format_amount(DrugAmount amount, DoseUnit unit) {
  return fmt::format("{} {}", format_decimal(amount.count(), nanograms_per(unit)), unit_name(unit));
}

std::string format_dose(DoseRate dose, DoseUnit unit) {
  return fmt::format("{} {}/day", format_decimal(dose.count(), nanograms_per(unit)),
                     unit_name(unit));
}

std::string format_concentration(Concentration c, DoseUnit unit) {
  return fmt::format("{} {}/mL", format_decimal(c.count(), nanograms_per(unit)), unit_name(unit));
}

std::string format_flow_ml_per_day(FlowRate flow) {
  return format_decimal(flow.count(), kNanolitresPerMillilitre) + " mL/day";
}

std::string format_flow_ul_per_hour(FlowRate flow) {
  // nL/day to uL/h: divide by 24 (cut off at the nL/h) and show in uL.
  return format_decimal(flow.count() / 24, kNanolitresPerMicrolitre) + " uL/h";
}

std::string format_volume_ml(Volume volume) {
  return format_decimal(volume.count(), kNanolitresPerMillilitre) + " mL";
}

std::string format_hours(Duration duration) {
  // Hundredths of an hour (36 s), cut off.
  return format_decimal(duration.count() / (kMillisPerHour / 100), 100) + " h";
}

}  // namespace itdd::programmer

#include "itdd/programmer/use_cases/dose_rate.h"

namespace itdd::programmer {

DoseRateOutcome calculate_dose_rate(const DrugLibrary& library, const DrugSpec& drug,
                                    const DoseRateInput& input) {
  DoseRateOutcome out;
  out.flow = flow_for_dose(input.dose_per_day, input.concentration);
  if (input.pump) {
    out.pump_check =
        programmable_flow(input.dose_per_day, input.concentration, *input.pump, drug.unit);
  }
  // The dose as the program it would be: continuous, or stopped at zero.
  therapy::Prescription rx;
  rx.drug = therapy::make_drug(drug.name.c_str(), drug.unit);
  rx.concentration = input.concentration;
  rx.mode = input.dose_per_day.count() > 0 ? therapy::BasalMode::kContinuous
                                           : therapy::BasalMode::kStopped;
  rx.continuous_dose = input.dose_per_day;
  // Times only matter relative to each other here.
  const WallTime now(days(365).count());
  std::optional<PreviousTherapy> previous;
  if (input.current) {
    previous.emplace();
    previous->prescription = rx;
    previous->prescription.continuous_dose = *input.current;
    previous->prescription.mode =
        input.current->count() > 0 ? therapy::BasalMode::kContinuous : therapy::BasalMode::kStopped;
    if (input.since_increase) {
      previous->last_increase_at = WallTime(now.ms() - input.since_increase->count());
    }
  }
  out.library_check = check_prescription(library, rx, previous ? &*previous : nullptr, now);
  return out;
}

}  // namespace itdd::programmer

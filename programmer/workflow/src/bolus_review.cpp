#include "itdd/programmer/bolus_review.h"

#include <fmt/format.h>

#include <algorithm>

#include "itdd/host/figures.h"
#include "itdd/host/wall_time.h"
#include "itdd/programmer/text_input.h"
#include "itdd/programmer/units_text.h"
#include "itdd/protocol/prescription_wire.h"

namespace itdd::programmer {

Result<BolusReview> review_bolus(const ImplantStatus& status, const DrugLibrary& library,
                                 DrugAmount dose, DoseUnit unit, Duration duration,
                                 const LogPageReader& read) {
  BolusReview b;
  const ReservoirStatus& r = status.reservoir;
  if (!r.filled || !r.drug) {
    return make_error(ErrorCode::kRefused, "reservoir",
                      "the implant's reservoir holds no drug: refill it before a bolus");
  }
  b.drug = *r.drug;
  if (b.drug.unit != unit) {
    return make_error(ErrorCode::kMismatch, "unit",
                      "is not the unit of the drug in the implant: check the drug and give the "
                      "dose in its unit");
  }
  b.concentration = r.concentration;
  b.dose = dose;
  b.duration = duration;
  b.volume = volume_holding(dose, b.concentration);
  const therapy::Prescription running = status.prescription.value_or(therapy::Prescription{});
  // An earlier bolus whose solution the log no longer names counts at the most concentrated
  // solution the library allows for the drug (never less than the one in the reservoir).
  b.assumed_concentration = b.concentration;
  if (const DrugSpec* spec = library.find(b.drug.name.data()); spec != nullptr) {
    for (const Concentration c : spec->concentrations.value) {
      b.assumed_concentration = std::max(b.assumed_concentration, c);
    }
  }
  const Result<EarlierBoluses> earlier = earlier_clinician_boluses(
      read, status.implant_time.ms(), b.concentration, b.assumed_concentration);
  if (!earlier.ok()) return earlier.error();
  b.earlier = earlier.value();
  b.check = check_bolus(
      library, running,
      ClinicianBolus{b.drug, b.concentration, dose, duration, b.earlier.total, b.earlier.count});
  return b;
}

std::string format_bolus_review(const BolusReview& b, const std::string& override_reason) {
  const DoseUnit unit = b.drug.unit;
  std::string out = fmt::format(
      "clinician bolus: {} of {} over {}\n= {} at {}; the basal program pauses meanwhile\n",
      format_amount(b.dose, unit), b.drug.name.data(), format_duration(b.duration),
      format_volume_ml(b.volume), format_concentration(b.concentration, unit));
  if (b.earlier.concentration_assumed) {
    out += fmt::format(
        "note: the event log no longer says at what concentration an earlier bolus was given: "
        "counted at {}, the most concentrated the drug library allows\n",
        format_concentration(b.assumed_concentration, unit));
  }
  out += format_dose_check(b.check);
  if (b.check.needs_override()) {
    out += override_reason.empty()
               ? std::string("override reason: none given (--override-reason)\n")
               : fmt::format("override reason: {}\n", override_reason);
  }
  return out;
}

nlohmann::ordered_json bolus_review_json(const BolusReview& b) {
  const std::int64_t per = nanograms_per(b.drug.unit);
  nlohmann::ordered_json j;
  j["drug"] = b.drug.name.data();
  j["dose"] = {{"value", host::decimal_json(b.dose.count(), per)},
               {"unit", unit_name(b.drug.unit)}};
  j["dose_ng"] = b.dose.count();
  j["duration_ms"] = b.duration.count();
  j["volume_nl"] = b.volume.count();
  j["volume_ml"] = host::decimal_json(b.volume.count(), kNanolitresPerMillilitre);
  j["dose_check"] = dose_check_json(b.check);
  return j;
}

}  // namespace itdd::programmer

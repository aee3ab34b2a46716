// Where each pump stands, from what the clinic database holds: the drug and dose last
// prescribed, the last refill, the next refill date, and an estimate of what is left in the
// reservoir. Shared by `itdd clinic pump list` and any other front end.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "itdd/programmer/clinic_db.h"

namespace itdd::programmer {

struct PumpStatus {
  PumpRecord pump;
  PatientRecord patient;
  std::optional<PrescriptionRecord> prescription;  // the latest
  std::optional<RefillRecord> last_refill;
  // What is left at `now`: the last refill's volume less what the prescriptions in force since
  // then deliver at their most (max_daily_dose, patient boluses included), so never more than
  // can be left (one rounding rule: toward less in the reservoir); 0 at the least. Empty without
  // a refill, without a prescription since, or when a prescription names another drug or
  // concentration than the reservoir holds (the estimate would be a guess).
  std::optional<Volume> reservoir_estimate;
};

// The volume `dose_per_day` of drug at `concentration` takes over `elapsed_ms`, rounded up (so
// what is left rounds down). Zero for a zero dose or no time.
Volume delivered_volume(DoseRate dose_per_day, Concentration concentration,
                        std::int64_t elapsed_ms);

// The estimate above from a refill and the pump's prescription history (oldest first).
std::optional<Volume> estimate_reservoir(const RefillRecord& refill,
                                         const std::vector<PrescriptionRecord>& history,
                                         std::int64_t now_ms);

// Every pump (by serial), or those of one patient when `patient_id` is set.
host::Checked<std::vector<PumpStatus>> pump_statuses(ClinicDb& db, std::int64_t now_ms,
                                                     std::optional<std::int64_t> patient_id = {});

}  // namespace itdd::programmer

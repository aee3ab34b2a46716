// What the export reads of one pump from the clinic database, read once. Internal to
// programmer/fhir.
#pragma once

#include <functional>
#include <vector>

#include "itdd/host/checked.h"
#include "itdd/host/wall_time.h"
#include "itdd/programmer/clinic_db.h"
#include "itdd/programmer/patient_view.h"

namespace itdd::programmer::fhir {

// What the export is made from, read once.
struct PumpData {
  PumpRecord pump;
  std::vector<PrescriptionRecord> prescriptions;  // oldest first
  std::vector<RefillRecord> refills;              // oldest first
  std::vector<SessionReport> sessions;            // oldest first, with their changes
  std::vector<EventLogRecord> events;             // by seq
  std::vector<SeriesPoint> daily;                 // delivered per local day
};

// The pump's records, its delivery per local day over its whole history, and `instant_of`: the
// implant's monotonic clock (ms) to an instant, placed as the patient page places it.
host::Checked<PumpData> read_pump(ClinicDb& db, const PumpRecord& pump, const host::TimeZone& zone,
                                  std::function<std::int64_t(std::int64_t)>& instant_of);

}  // namespace itdd::programmer::fhir

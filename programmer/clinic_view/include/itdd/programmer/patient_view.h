// One pump's history over time, for the patient page's plots: delivered dose per hour and per
// day from the uploaded hourly history, the reservoir predicted between refills and measured at
// them, the prescriptions as steps, patient boluses granted and refused, alarms and sessions as
// markers. Exact integers in base units; the page converts and labels.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "itdd/host/wall_time.h"
#include "itdd/programmer/clinic_db.h"

namespace itdd::programmer {

struct SeriesPoint {
  std::int64_t t_ms = 0;
  std::int64_t volume_nl = 0;
  std::optional<std::int64_t> dose_ng;  // empty where no refill tells the concentration
};

struct MeasuredRefill {
  std::int64_t at_ms = 0;
  Volume expected{};
  Volume withdrawn{};
  Volume difference{};
  Volume band{};  // the discrepancy allowed (refill_check's tolerance)
  RefillFinding finding = RefillFinding::kAsExpected;
  Volume filled{};
};

struct PrescriptionStep {
  std::int64_t t_ms = 0;
  DoseRate max_daily_dose{};
  std::string mode;
  std::string drug;
  Concentration concentration{};
};

struct BolusMarker {
  std::int64_t t_ms = 0;
  bool granted = false;
  Volume volume{};                      // granted: what was given
  std::optional<std::int64_t> dose_ng;  // at the concentration in the reservoir
  std::string text;                     // for people
};

struct EventMarker {
  std::int64_t t_ms = 0;
  std::string name;  // the alarm kind ("low-reservoir") or the event's name
  std::string text;
};

struct PumpSeries {
  std::int64_t from_ms = 0;
  std::int64_t to_ms = 0;
  // True when an upload read the implant's clock offset; false when the implant's hours are
  // placed from the implant date (the page says so).
  bool implant_clock_known = false;
  std::vector<SeriesPoint> hourly;
  std::vector<SeriesPoint> daily;  // days in the clinic's time zone
  std::vector<SeriesPoint> reservoir_predicted;
  std::vector<MeasuredRefill> reservoir_measured;
  std::vector<PrescriptionStep> prescriptions;  // the one in force at from_ms first
  std::vector<BolusMarker> boluses;
  std::vector<EventMarker> alarms;
  std::vector<SessionRecord> sessions;
};

// The longest range one request may ask for.
inline constexpr std::int64_t kMaxSeriesRangeMs = 400LL * kMillisPerDay;

// Refused (field "from_ms" / "to_ms") when from >= to or the range is over 400 days; "pump_id"
// when the pump is unknown.
host::Checked<PumpSeries> pump_series(ClinicDb& db, std::int64_t pump_id, std::int64_t from_ms,
                                      std::int64_t to_ms, const host::TimeZone& zone);

}  // namespace itdd::programmer

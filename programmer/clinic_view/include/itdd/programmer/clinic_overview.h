// The clinic at a glance: every patient and pump, most at risk first, for the dashboard's
// overview. Built from one ClinicDb::clinic_snapshot (a fixed number of queries, whatever the
// size of the clinic) and the drug library; the ranking lives here, not in the server or page.
//
// The order, from most to least at risk (`tier`, then the drug's withdrawal risk, then fewer
// days to the refill, then the serial):
//   0 act now: refill overdue; the reservoir estimated at or below its low-reservoir alarm; an
//     open alarm that stops or endangers therapy (reservoir empty, end of service, critical
//     memory error, pump stopped, safety trip, motor stall, occlusion, refill overdue, drug
//     expired); the battery at end of service;
//   1 no refill recorded: nobody knows what is left (interrogate);
//   2 refill due within the window, or the reservoir projected to reach its alarm before the
//     refill date;
//   3 another open alarm; the battery at or within 90 days of its elective replacement (ERI);
//   4 later;
//   5 a patient without an active pump, an explanted pump.
// So baclofen due in 3 days comes before morphine due in 30, and before morphine due in 3
// (withdrawal risk high before moderate); an overdue morphine pump comes before both, as in
// `itdd clinic due`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "itdd/host/wall_time.h"
#include "itdd/programmer/clinic_db.h"
#include "itdd/programmer/drug_library.h"
#include "itdd/programmer/fixed_rate_pump.h"

namespace itdd::programmer {

enum class RefillState : std::uint8_t { kOverdue, kUnknown, kDue, kLater, kNone };
const char* refill_state_name(RefillState s);  // "overdue", "unknown", "due", "later", "none"

struct OverviewRow {
  PatientRecord patient;
  std::optional<PumpRecord> pump;       // empty: a patient without a pump
  std::string drug;                     // in the reservoir (last refill), else last prescribed
  const DrugSpec* drug_spec = nullptr;  // the library's entry (unit, withdrawal risk), if known
  std::optional<PrescriptionRecord> prescription;
  std::optional<RefillRecord> last_refill;
  std::optional<Volume> reservoir_estimate;
  // When the estimate reaches the last refill's low-reservoir alarm at the prescription's most.
  std::optional<std::int64_t> projected_low_ms;
  RefillState state = RefillState::kNone;
  std::optional<std::int64_t> days_left;  // to the next refill, in the clinic's calendar days
  std::optional<std::int64_t> next_refill_ms;
  std::string next_refill_date;  // the clinic's local date, as `itdd clinic due` says
  std::string next_refill_reason;
  std::vector<std::string> open_alarms;  // alarm kinds, by name ("low-reservoir")
  // From the implant's latest battery record: the projected ERI (needs the implant's clock
  // offset from an upload), whether ERI or end of service was reached.
  std::optional<std::int64_t> battery_eri_ms;
  bool eri_reached = false;
  bool end_of_service = false;
  std::optional<SessionRecord> last_session;
  // A fixed-rate (gas-driven) pump: its figures, last fill, dose at the nominal flow and what
  // the fastest flow leaves (the reservoir estimate too). No prescription, session or alarm.
  std::optional<FixedRateStatus> fixed_rate;

  int tier = 5;
  int withdrawal_rank = 0;           // 0 unknown drug, 1 low, 2 moderate, 3 high
  int score = 0;                     // higher first: the order as one number
  std::string risk;                  // "high", "moderate", "low"
  std::vector<std::string> reasons;  // sentences, most serious first
};

struct OverviewOptions {
  std::int64_t due_within_ms = 14LL * kMillisPerDay;
  std::int64_t eri_warning_ms = 90LL * kMillisPerDay;
};

// Every patient with each of their pumps (one row per pump; one row for a patient without any),
// most at risk first.
std::vector<OverviewRow> build_overview(const ClinicSnapshot& snapshot, const DrugLibrary& library,
                                        std::int64_t now_ms, const host::TimeZone& zone,
                                        const OverviewOptions& options = {});

// What the clinic narrows the list to; empty fields match everything. Filters never reorder.
struct OverviewFilter {
  std::string search;             // a case-insensitive part of the name, MRN, serial or drug
  std::string drug;               // exactly
  std::string state;              // a refill_state_name
  std::string risk;               // "high", "moderate", "low"
  bool include_inactive = false;  // explanted pumps and patients without a pump
};
// Refuses (field "status" or "risk") a value that is not one of the names above.
host::Checked<std::vector<OverviewRow>> filter_overview(const std::vector<OverviewRow>& rows,
                                                        const OverviewFilter& filter);

// The drug library's withdrawal risk as the refill calendar's rank (high first); unknown drugs 0.
RiskRank withdrawal_risk_rank(const DrugLibrary& library);

// The implant's monotonic clock (ms) to an instant, with the offset an upload read (the
// implant's local wall clock less its monotonic clock) in the clinic's zone.
std::int64_t implant_instant(std::int64_t implant_ms, const ImplantClockOffset& clock,
                             const host::TimeZone& zone);

}  // namespace itdd::programmer

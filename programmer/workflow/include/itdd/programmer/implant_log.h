// What the programmer looks up in the implant's event log before a clinician bolus and a refill:
// the clinician boluses that reach into the last 24 hours (they count toward the drug library's
// daily limits with the new bolus), and the record of the reservoir running dry (since when the
// patient has had no drug). The log is read newest first, a page at a time, through the caller's
// `LogPageReader` (a ReadEventLog request to the implant), so this module does no I/O and a test
// can hand it any log. Records are matched by their names in programmer/report's table of the
// implant's log codes (records_report.h), which a test checks against the firmware.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "itdd/core/result.h"
#include "itdd/core/units.h"
#include "itdd/protocol/messages.h"

namespace itdd::programmer {

// One page of the log from `from_seq` on (oldest first, at most a page), with the newest
// sequence number the implant holds; an error when the implant could not be asked or refused.
using LogPageReader = std::function<Result<itdd_EventLogPage>(std::uint32_t from_seq)>;

// Enough pages for the whole log of the implant (about 4,800 records, 32 a page) and then some.
inline constexpr std::uint32_t kMaxLogPages = 256;

enum class LogScanEnd : std::uint8_t {
  kStopped,    // `visit` had seen enough
  kLogStart,   // every record the implant still holds was visited
  kPageLimit,  // kMaxLogPages read before either
};

// Visits the records newest first until `visit` returns false, the oldest record the implant
// still holds, or kMaxLogPages pages. Records appended while it reads are not visited.
Result<LogScanEnd> scan_log_newest_first(const LogPageReader& read,
                                         const std::function<bool(const itdd_LogRecord&)>& visit);

// The clinician boluses (clinician-bolus-started records) whose delivery reached into the 24
// hours before `now_implant_ms`, in drug: each volume at the concentration it was given at (the
// reservoir's `current` one back to the last refill, before that each refill's own), rounded up
// (an upper bound: a dose check must not count less than was given). A bolus whose
// concentration the log no longer holds (its refill overwritten) is counted at `highest` (the
// most concentrated solution the drug library allows for the drug) and said so. Boluses given
// before a change of drug are counted too: more, never less.
struct EarlierBoluses {
  DrugAmount total{};
  std::int64_t count = 0;
  bool concentration_assumed = false;
};
Result<EarlierBoluses> earlier_clinician_boluses(const LogPageReader& read,
                                                 std::int64_t now_implant_ms, Concentration current,
                                                 Concentration highest);

// The reservoir-empty record that began the dry spell the pump is in: the oldest one after the
// last refilled record. `or_earlier` when the log no longer reaches back to that refill (its
// older records overwritten): the spell may have begun before the record. nullopt when the log
// holds none since the last refill (or none at all).
struct EmptyRecord {
  itdd_LogRecord record = itdd_LogRecord_init_zero;
  bool or_earlier = false;
};
Result<std::optional<EmptyRecord>> reservoir_empty_record(const LogPageReader& read);

}  // namespace itdd::programmer

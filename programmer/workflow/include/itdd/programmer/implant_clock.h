// Whether the implant's wall clock keeps the clinic's local time. The implant keeps a local
// wall clock and knows no time zone: flexible programs, its event log and its projections
// follow it. The clinic's zone (host::TimeZone, kept in the clinic database) says what the
// clock should read; at each session the programmer compares the two and warns, saying the
// command that sets it, when they differ by more than the tolerance, and names a
// daylight-saving change the implant's clock did not follow.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "itdd/core/time.h"
#include "itdd/host/wall_time.h"

namespace itdd::programmer {

// Two minutes: more than a session's own delay and a clock's drift between visits (a few
// seconds a month), far less than an hour's daylight-saving change.
inline constexpr Duration kImplantClockTolerance = minutes(2);

struct ImplantClockCheck {
  std::int64_t difference_ms = 0;  // the implant's clock minus the clinic's local time
  WallTime clinic_local;           // what the implant's clock should read
  bool differs = false;            // by more than the tolerance
  // The zone's last offset change, when the difference is exactly that change (within the
  // tolerance): the implant's clock was not moved when the clocks changed.
  std::optional<host::ZoneChange> missed_change;
  std::string message;  // empty when it does not differ; else the warning, with the fix
};

ImplantClockCheck check_implant_clock(const host::TimeZone& zone, std::int64_t now_utc_ms,
                                      WallTime implant_wall,
                                      Duration tolerance = kImplantClockTolerance);

}  // namespace itdd::programmer

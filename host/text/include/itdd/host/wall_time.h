// Local wall-clock text <-> itdd::WallTime (ms since 1970-01-01 00:00 local time). The one
// reader of dates and times on the host: scenario files, typed --wall and trial times, the
// clinic's dates. No time zones: the implant keeps local time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "itdd/core/time.h"
#include "itdd/host/checked.h"

namespace itdd::host {

inline constexpr int kFirstYear = 1970;  // wall times: the implant's clock starts here
inline constexpr int kLastYear = 2199;

// "2026-01-05 14:30" or "2026-01-05T14:30": a real date in the years 1970 to 2199, 00:00 to
// 23:59. The refusal's message begins "must be a real local date and time".
Checked<WallTime> parse_wall_time(std::string_view text);
// "2026-01-05 14:30" (seconds dropped), as parse_wall_time reads it.
std::string format_wall_time(WallTime t);
// "2026-01-05".
std::string format_date(WallTime t);

// "YYYY-MM-DD", a real date (any year from 1 to 9999: a birth date may be before 1970), as days
// since 1970-01-01 (negative before).
Checked<std::int64_t> parse_date(std::string_view text);

// "HH:MM", 00:00 to 23:59, as minutes after midnight.
Checked<int> parse_time_of_day(std::string_view text);

// "day D HH:MM", D from 0 to 999999: time elapsed since a start.
Checked<Duration> parse_elapsed(std::string_view text);
// "day 30 08:00".
std::string format_elapsed(Duration d);

}  // namespace itdd::host

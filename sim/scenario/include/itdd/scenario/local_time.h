// Local wall-clock text <-> itdd::WallTime (ms since 1970-01-01 00:00 local). No time zones:
// the implant keeps local time and so do scenarios.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "itdd/core/time.h"

namespace itdd::scenario {

// "2026-01-05T00:00" (a space instead of the T is accepted too). nullopt if malformed or not
// a real date, or outside the years 1970-2199.
std::optional<WallTime> parse_local_datetime(std::string_view text);
// "HH:MM" -> minutes after midnight (00:00-23:59).
std::optional<int> parse_time_of_day(std::string_view text);
// "day D HH:MM" -> elapsed time (D >= 0).
std::optional<Duration> parse_elapsed(std::string_view text);

// "2026-02-03 14:00" (minutes; seconds are dropped).
std::string format_local(WallTime t);
// "2026-02-03".
std::string format_local_date(WallTime t);
// "day 30 08:00".
std::string format_elapsed(Duration d);

}  // namespace itdd::scenario

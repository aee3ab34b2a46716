// What people type, to the implant's integer base units: exactly (decimal text is read as
// integers, never through floating point) and refused with a sentence when it cannot be.
//
//   parse_duration("30m")           30 minutes; units s, m, h, d; parts may be joined: "1h30m"
//   parse_volume_ml("0.25")         250,000 nL (at most 6 decimals: 1 nL)
//   parse_amount("1.5", mg)         1,500,000 ng (mg: 6 decimals, mcg: 3)
//   parse_local_wall("2026-03-01 14:05")   local wall time (ms since 1970-01-01 00:00 local)
//
// Errors carry the field "text" and a message that says what is expected; the caller names the
// option ("--dose 1,5: ...").
#pragma once

#include <string>
#include <string_view>

#include "itdd/core/result.h"
#include "itdd/core/time.h"
#include "itdd/core/units.h"

namespace itdd::programmer {

// Above zero, at most 366 days.
Result<Duration> parse_duration(std::string_view text);
// Above zero, at most 1,000 mL (no implant holds more: a typing error).
Result<Volume> parse_volume_ml(std::string_view text);
// Zero or more, at most 1,000 mL: for volumes where none is a real answer (an empty catheter).
Result<Volume> parse_volume_ml_or_zero(std::string_view text);
// Above zero, in `unit`, at most 1 g.
Result<DrugAmount> parse_amount(std::string_view text, DoseUnit unit);
// "YYYY-MM-DD HH:MM" (or with a T), years 2000 to 2199.
Result<WallTime> parse_local_wall(std::string_view text);
// This computer's local wall time now (its time zone and daylight saving applied).
WallTime local_wall_now();

// "30 min", "24 h", "14 d", "1 h 30 min", "45 s": a duration the way parse_duration reads it.
std::string format_duration(Duration d);

}  // namespace itdd::programmer

// Local wall-clock text <-> itdd::WallTime (ms since 1970-01-01 00:00 local time), and the
// clinic's time zone that turns instants (epoch ms UTC) into local wall times and back. The one
// reader and formatter of dates and times on the host: scenario files, typed --wall and trial
// times, the clinic's dates. The implant keeps local wall time and knows no zone; the programmer
// knows the clinic's (an IANA name kept in the clinic database), with its daylight-saving
// changes from the tz database (Howard Hinnant's date library over the system's tzdata).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

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

// ---- time zones ----

// One change of a zone's UTC offset (daylight saving beginning or ending, or a change of law).
struct ZoneChange {
  std::int64_t at_utc_ms = 0;         // the instant of the change
  std::int64_t offset_before_ms = 0;  // local minus UTC before it
  std::int64_t offset_after_ms = 0;   // and after it
  WallTime local_before;              // the wall clock's reading at the change, old offset
  WallTime local_after;               // and new offset (an hour later in spring, earlier in autumn)
};

// A time zone of the tz database, by its IANA name ("Europe/Paris"). Cheap to copy; the zone's
// rules live in the process-wide tz database, loaded once.
class TimeZone {
 public:
  const std::string& name() const { return name_; }

  // Local minus UTC at `utc_ms` (+1 h in Paris in winter, +2 h in summer).
  std::int64_t offset_ms(std::int64_t utc_ms) const;
  // The local wall time at an instant.
  WallTime local(std::int64_t utc_ms) const;
  // "2027-03-28" / "2027-03-28 03:05": the local date and minute at an instant.
  std::string date_at(std::int64_t utc_ms) const;
  std::string minute_at(std::int64_t utc_ms) const;

  // A local time typed by a person to its instant. A time the clocks skipped (02:30 on the
  // night daylight saving time begins in Paris) is refused with a message that says so and what
  // to give instead. A time the clocks showed twice (02:30 on the night it ends) is the earlier
  // of the two, the first time the clock showed it (the documented rule;
  // `is_ambiguous` lets a caller say so).
  Checked<std::int64_t> instant_typed(WallTime local) const;
  // A local time computed by the programmer (a refill date) to its instant, never later than
  // meant: a skipped time is the instant the clocks jumped (02:30 becomes 03:00 new time, the
  // same instant as 02:00 old time), a doubled one the earlier.
  std::int64_t instant_computed(WallTime local) const;
  bool is_ambiguous(WallTime local) const;
  bool does_not_exist(WallTime local) const;
  // The first instant of a local calendar day (days since 1970-01-01).
  std::int64_t start_of_day(std::int64_t day) const;

  // The latest offset change at or before `utc_ms`, if the zone ever changed.
  std::optional<ZoneChange> last_change(std::int64_t utc_ms) const;
  // The first offset change after `utc_ms`, if any is known.
  std::optional<ZoneChange> next_change(std::int64_t utc_ms) const;

  bool operator==(const TimeZone& other) const { return zone_ == other.zone_; }

 private:
  friend Checked<TimeZone> find_time_zone(std::string_view name);
  TimeZone(const void* zone, std::string name) : zone_(zone), name_(std::move(name)) {}
  const void* zone_;  // a date::time_zone of the loaded database (kept out of this header)
  std::string name_;
};

// The zone of an IANA name, exactly as the tz database spells it ("Europe/Paris",
// "America/New_York", "UTC"). An unknown name is refused: "unknown time zone 'Paris': give an
// IANA name such as Europe/Paris or America/New_York". No exception leaves it (a missing tz
// database is a refusal saying to install tzdata).
Checked<TimeZone> find_time_zone(std::string_view name);

}  // namespace itdd::host

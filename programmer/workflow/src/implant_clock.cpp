#include "itdd/programmer/implant_clock.h"

#include <fmt/format.h>

#include "itdd/core/units.h"
#include "itdd/programmer/text_input.h"

namespace itdd::programmer {

ImplantClockCheck check_implant_clock(const host::TimeZone& zone, std::int64_t now_utc_ms,
                                      WallTime implant_wall, Duration tolerance) {
  ImplantClockCheck c;
  c.clinic_local = zone.local(now_utc_ms);
  c.difference_ms = implant_wall.ms() - c.clinic_local.ms();
  const std::int64_t size = c.difference_ms < 0 ? -c.difference_ms : c.difference_ms;
  if (size <= tolerance.count()) return c;
  c.differs = true;
  if (const std::optional<host::ZoneChange> last = zone.last_change(now_utc_ms)) {
    const std::int64_t unfollowed = last->offset_before_ms - last->offset_after_ms;
    const std::int64_t off = c.difference_ms - unfollowed;
    if ((off < 0 ? -off : off) <= tolerance.count()) c.missed_change = last;
  }
  // Said to the minute: the exact difference is in difference_ms.
  const Duration shown((size + kMillisPerMinute / 2) / kMillisPerMinute * kMillisPerMinute);
  std::string why;
  if (c.missed_change) {
    why = fmt::format(" (the clocks changed on {} at {} to {}; the implant's clock was not moved)",
                      host::format_date(c.missed_change->local_before),
                      host::format_wall_time(c.missed_change->local_before).substr(11),
                      host::format_wall_time(c.missed_change->local_after).substr(11));
  }
  c.message = fmt::format(
      "the implant's clock reads {} but it is {} in {}: {} {}{}; flexible programs, alarms "
      "and the event log follow the implant's clock: set it with `itdd programmer set-clock "
      "--now --time-zone {}`",
      host::format_wall_time(implant_wall), host::format_wall_time(c.clinic_local), zone.name(),
      format_duration(shown), c.difference_ms < 0 ? "behind" : "ahead", why, zone.name());
  return c;
}

}  // namespace itdd::programmer

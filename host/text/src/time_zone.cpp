// host::TimeZone over Howard Hinnant's date library (date/tz.h, built on the system's tzdata in
// /usr/share/zoneinfo). Kept in its own file so that only this one includes date/tz.h.
#include <date/tz.h>
#include <fmt/format.h>

#include <chrono>
#include <exception>

#include "itdd/core/units.h"
#include "itdd/host/wall_time.h"

namespace itdd::host {
namespace {

using Ms = std::chrono::milliseconds;

const date::time_zone* zone_of(const void* z) {
  return static_cast<const date::time_zone*>(z);
}

date::sys_time<Ms> sys(std::int64_t utc_ms) {
  return date::sys_time<Ms>(Ms(utc_ms));
}

date::local_time<Ms> loc(WallTime local) {
  return date::local_time<Ms>(Ms(local.ms()));
}

std::int64_t ms_of(std::chrono::seconds s) {
  return std::chrono::duration_cast<Ms>(s).count();
}

// A zone name as the tz database spells them: letters, digits and "/_-+", no "." (so no path
// outside the database can be named), at most 64 characters.
bool plausible_zone_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() == '/' || name.back() == '/') return false;
  for (const char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '/' || c == '_' || c == '-' || c == '+';
    if (!ok) return false;
  }
  return true;
}

// The change at the start of `info` (its `begin`), when the offset really changed there.
std::optional<ZoneChange> change_at(const date::time_zone* z, const date::sys_info& info) {
  const auto begin = std::chrono::time_point_cast<Ms>(info.begin);
  const auto epoch_min = date::sys_days(date::year(-32767) / 1 / 1);
  if (info.begin <= epoch_min) return std::nullopt;  // the zone's first rule: no change known
  const date::sys_info before = z->get_info(begin - Ms(1));
  ZoneChange c;
  c.at_utc_ms = begin.time_since_epoch().count();
  c.offset_before_ms = ms_of(before.offset);
  c.offset_after_ms = ms_of(info.offset);
  c.local_before = WallTime(c.at_utc_ms + c.offset_before_ms);
  c.local_after = WallTime(c.at_utc_ms + c.offset_after_ms);
  return c;
}

}  // namespace

Checked<TimeZone> find_time_zone(std::string_view name) {
  const Refusal unknown{
      "", fmt::format("unknown time zone '{}': give an IANA name as the tz database spells it, "
                      "such as Europe/Paris or America/New_York",
                      name.size() > 64 ? std::string(name.substr(0, 64)) + "..." : name)};
  if (!plausible_zone_name(name)) return unknown;
  try {
    const date::time_zone* z = date::locate_zone(std::string(name));
    if (z == nullptr) return unknown;
    return TimeZone(z, std::string(name));
  } catch (const std::runtime_error& e) {
    // locate_zone throws for a name it does not hold; a missing database also throws, from
    // loading it, with another message.
    if (std::string_view(e.what()).find("not found") != std::string_view::npos ||
        std::string_view(e.what()).find("not a valid") != std::string_view::npos) {
      return unknown;
    }
    return Refusal{"", fmt::format("the tz database could not be read ({}): install the tzdata "
                                   "package",
                                   e.what())};
  } catch (const std::exception& e) {
    return Refusal{"", fmt::format("the tz database could not be read ({}): install the tzdata "
                                   "package",
                                   e.what())};
  }
}

std::int64_t TimeZone::offset_ms(std::int64_t utc_ms) const {
  return ms_of(zone_of(zone_)->get_info(sys(utc_ms)).offset);
}

WallTime TimeZone::local(std::int64_t utc_ms) const {
  return WallTime(utc_ms + offset_ms(utc_ms));
}

std::string TimeZone::date_at(std::int64_t utc_ms) const {
  return format_date(local(utc_ms));
}

std::string TimeZone::minute_at(std::int64_t utc_ms) const {
  return format_wall_time(local(utc_ms));
}

bool TimeZone::is_ambiguous(WallTime local) const {
  return zone_of(zone_)->get_info(loc(local)).result == date::local_info::ambiguous;
}

bool TimeZone::does_not_exist(WallTime local) const {
  return zone_of(zone_)->get_info(loc(local)).result == date::local_info::nonexistent;
}

Checked<std::int64_t> TimeZone::instant_typed(WallTime local) const {
  const date::local_info info = zone_of(zone_)->get_info(loc(local));
  if (info.result == date::local_info::nonexistent) {
    // info.first ends where the clocks jump; info.second begins there.
    const auto jump = std::chrono::time_point_cast<Ms>(info.first.end).time_since_epoch().count();
    const WallTime from(jump + ms_of(info.first.offset));
    const WallTime to(jump + ms_of(info.second.offset));
    return Refusal{
        "", fmt::format("{} does not exist in {}: that night the clocks went from {} straight to "
                        "{} (a daylight-saving change); give a time before {} or from {}",
                        format_wall_time(local), name_, format_wall_time(from).substr(11),
                        format_wall_time(to).substr(11), format_wall_time(from).substr(11),
                        format_wall_time(to).substr(11))};
  }
  return instant_computed(local);
}

std::int64_t TimeZone::instant_computed(WallTime local) const {
  const date::local_info info = zone_of(zone_)->get_info(loc(local));
  switch (info.result) {
    case date::local_info::unique:
    case date::local_info::ambiguous:  // the earlier: with the first (older) offset
      return local.ms() - ms_of(info.first.offset);
    case date::local_info::nonexistent:
    default:
      // The instant of the jump: the wall clock read the skipped time's start with the old offset.
      return std::chrono::time_point_cast<Ms>(info.first.end).time_since_epoch().count();
  }
}

std::int64_t TimeZone::start_of_day(std::int64_t day) const {
  return instant_computed(WallTime(day * kMillisPerDay));
}

std::optional<ZoneChange> TimeZone::last_change(std::int64_t utc_ms) const {
  const date::time_zone* z = zone_of(zone_);
  date::sys_info info = z->get_info(sys(utc_ms));
  // Skip changes of name or of the daylight-saving flag alone (bounded: a zone has a few).
  for (int step = 0; step < 16; ++step) {
    const std::optional<ZoneChange> c = change_at(z, info);
    if (!c) return std::nullopt;
    if (c->offset_before_ms != c->offset_after_ms) return c;
    info = z->get_info(std::chrono::time_point_cast<Ms>(info.begin) - Ms(1));
  }
  return std::nullopt;
}

std::optional<ZoneChange> TimeZone::next_change(std::int64_t utc_ms) const {
  const date::time_zone* z = zone_of(zone_);
  date::sys_info info = z->get_info(sys(utc_ms));
  const auto far = date::sys_days(date::year(32767) / 1 / 1);
  for (int step = 0; step < 16; ++step) {
    if (info.end >= far) return std::nullopt;
    info = z->get_info(std::chrono::time_point_cast<Ms>(info.end));
    const std::optional<ZoneChange> c = change_at(z, info);
    if (c && c->offset_before_ms != c->offset_after_ms) return c;
  }
  return std::nullopt;
}

}  // namespace itdd::host

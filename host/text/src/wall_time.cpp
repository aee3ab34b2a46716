#include "itdd/host/wall_time.h"

#include <fmt/format.h>

#include <chrono>

#include "itdd/core/units.h"

namespace itdd::host {
namespace {

// Exactly `width` decimal digits at `pos`.
bool read_digits(std::string_view text, std::size_t pos, std::size_t width, int& out) {
  if (pos + width > text.size()) return false;
  int value = 0;
  for (std::size_t i = 0; i < width; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  out = value;
  return true;
}

// Days since 1970-01-01 of a real date "YYYY-MM-DD" (exactly that form), or nothing.
bool read_date(std::string_view text, std::int64_t& day) {
  int y = 0;
  int m = 0;
  int d = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !read_digits(text, 0, 4, y) ||
      !read_digits(text, 5, 2, m) || !read_digits(text, 8, 2, d) || y < 1) {
    return false;
  }
  const std::chrono::year_month_day date{std::chrono::year(y),
                                         std::chrono::month(static_cast<unsigned>(m)),
                                         std::chrono::day(static_cast<unsigned>(d))};
  if (!date.ok()) return false;
  day = std::chrono::sys_days(date).time_since_epoch().count();
  return true;
}

bool read_time_of_day(std::string_view text, int& minute) {
  int hh = 0;
  int mm = 0;
  if (text.size() != 5 || text[2] != ':' || !read_digits(text, 0, 2, hh) ||
      !read_digits(text, 3, 2, mm) || hh > 23 || mm > 59) {
    return false;
  }
  minute = hh * 60 + mm;
  return true;
}

Refusal refuse(std::string message) {
  return Refusal{"", std::move(message)};
}

}  // namespace

Checked<WallTime> parse_wall_time(std::string_view text) {
  std::int64_t day = 0;
  int minute = 0;
  if (text.size() != 16 || (text[10] != 'T' && text[10] != ' ') ||
      !read_date(text.substr(0, 10), day) || !read_time_of_day(text.substr(11), minute)) {
    return refuse(
        "must be a real local date and time, YYYY-MM-DD HH:MM (or with a T), 00:00 to 23:59");
  }
  const int year =
      (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 + (text[3] - '0');
  if (year < kFirstYear || year > kLastYear) {
    return refuse(fmt::format("must be a real local date and time in the years {} to {}",
                              kFirstYear, kLastYear));
  }
  return WallTime(day * kMillisPerDay + minute * kMillisPerMinute);
}

std::string format_wall_time(WallTime t) {
  const std::int64_t minute = floor_mod(t.ms(), kMillisPerDay) / kMillisPerMinute;
  return fmt::format("{} {:02}:{:02}", format_date(t), minute / 60, minute % 60);
}

std::string format_date(WallTime t) {
  const std::int64_t day = floor_div(t.ms(), kMillisPerDay);
  const std::chrono::year_month_day date{std::chrono::sys_days(std::chrono::days(day))};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
}

Checked<std::int64_t> parse_date(std::string_view text) {
  std::int64_t day = 0;
  if (!read_date(text, day)) return refuse("must be a real date, YYYY-MM-DD");
  return day;
}

Checked<int> parse_time_of_day(std::string_view text) {
  int minute = 0;
  if (!read_time_of_day(text, minute)) return refuse("must be HH:MM (00:00 to 23:59)");
  return minute;
}

Checked<Duration> parse_elapsed(std::string_view text) {
  const Refusal form =
      refuse("must be \"day D HH:MM\" (elapsed since the start, D from 0 to 999999)");
  if (text.substr(0, 4) != "day ") return form;
  const std::size_t space = text.find(' ', 4);
  if (space == std::string_view::npos || space == 4 || space - 4 > 6) return form;
  int day = 0;
  int minute = 0;
  if (!read_digits(text, 4, space - 4, day) || !read_time_of_day(text.substr(space + 1), minute)) {
    return form;
  }
  return days(day) + minutes(minute);
}

std::string format_elapsed(Duration d) {
  const std::int64_t day = floor_div(d.count(), kMillisPerDay);
  const std::int64_t minute = (d.count() - day * kMillisPerDay) / kMillisPerMinute;
  return fmt::format("day {} {:02}:{:02}", day, minute / 60, minute % 60);
}

}  // namespace itdd::host

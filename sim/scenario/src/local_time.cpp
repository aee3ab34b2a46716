#include "itdd/scenario/local_time.h"

#include <chrono>
#include <cstdio>

namespace itdd::scenario {
namespace {

// Reads exactly `width` decimal digits.
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

}  // namespace

std::optional<int> parse_time_of_day(std::string_view text) {
  int hh = 0;
  int mm = 0;
  if (text.size() != 5 || text[2] != ':' || !read_digits(text, 0, 2, hh) ||
      !read_digits(text, 3, 2, mm) || hh > 23 || mm > 59) {
    return std::nullopt;
  }
  return hh * 60 + mm;
}

std::optional<WallTime> parse_local_datetime(std::string_view text) {
  int y = 0;
  int mo = 0;
  int d = 0;
  if (text.size() != 16 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != ' ') || !read_digits(text, 0, 4, y) ||
      !read_digits(text, 5, 2, mo) || !read_digits(text, 8, 2, d)) {
    return std::nullopt;
  }
  const std::optional<int> minute = parse_time_of_day(text.substr(11));
  if (!minute || y < 1970 || y > 2199) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year(y),
                                         std::chrono::month(static_cast<unsigned>(mo)),
                                         std::chrono::day(static_cast<unsigned>(d))};
  if (!date.ok()) return std::nullopt;
  const std::int64_t day = std::chrono::sys_days(date).time_since_epoch().count();
  return WallTime(day * kMillisPerDay + *minute * kMillisPerMinute);
}

std::optional<Duration> parse_elapsed(std::string_view text) {
  // "day D HH:MM", D of 1 to 6 digits.
  if (text.substr(0, 4) != "day ") return std::nullopt;
  const std::size_t space = text.find(' ', 4);
  if (space == std::string_view::npos || space == 4 || space - 4 > 6) return std::nullopt;
  int day = 0;
  if (!read_digits(text, 4, space - 4, day)) return std::nullopt;
  const std::optional<int> minute = parse_time_of_day(text.substr(space + 1));
  if (!minute) return std::nullopt;
  return days(day) + minutes(*minute);
}

std::string format_local(WallTime t) {
  const std::int64_t day = floor_div(t.ms(), kMillisPerDay);
  const std::int64_t minute = (t.ms() - day * kMillisPerDay) / kMillisPerMinute;
  const std::chrono::year_month_day date{std::chrono::sys_days(std::chrono::days(day))};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02d:%02d", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(minute / 60), static_cast<int>(minute % 60));
  return buf;
}

std::string format_local_date(WallTime t) {
  return format_local(t).substr(0, 10);
}

std::string format_elapsed(Duration d) {
  const std::int64_t day = floor_div(d.count(), kMillisPerDay);
  const std::int64_t minute = (d.count() - day * kMillisPerDay) / kMillisPerMinute;
  char buf[40];
  std::snprintf(buf, sizeof buf, "day %lld %02d:%02d", static_cast<long long>(day),
                static_cast<int>(minute / 60), static_cast<int>(minute % 60));
  return buf;
}

}  // namespace itdd::scenario

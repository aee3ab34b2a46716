#include "itdd/programmer/text_input.h"

#include <chrono>
#include <ctime>
#include <string>

#include "itdd/host/decimal.h"
#include "itdd/host/wall_time.h"

namespace itdd::programmer {
namespace {

Error bad(const char* message) {
  return make_error(ErrorCode::kInvalidArgument, "text", message);
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// "12", "12.5", "0.025": the number times 10^decimals, exactly (host::parse_decimal);
// refuses more decimals than that (a finer value than the base unit), a sign, exponent or
// comma, and anything above `max`.
Result<std::int64_t> parse_scaled(std::string_view text, int decimals, std::int64_t max,
                                  const char* too_fine) {
  std::int64_t scale = 1;
  for (int d = 0; d < decimals; ++d) scale *= 10;
  const host::Checked<std::int64_t> value = host::parse_decimal(text, scale);
  if (!value.ok()) {
    // Readable at a finer scale: a real number, only finer than the base unit.
    if (host::parse_decimal(text, 1'000'000'000'000LL).ok()) return bad(too_fine);
    // A number with a sign is a number: say what is wrong with it, not what a number looks like.
    if (!text.empty() && (text.front() == '-' || text.front() == '+') &&
        host::parse_decimal(text.substr(1), 1'000'000'000'000LL).ok()) {
      return bad(text.front() == '-' ? "must not be negative" : "write it without a + sign");
    }
    return bad("must be a number such as 12 or 0.25 (digits, a point for decimals)");
  }
  if (value.value() > max * scale) return bad("is too large");
  return value.value();
}

constexpr std::int64_t kMaxMillilitres = 1000;

}  // namespace

Result<Duration> parse_duration(std::string_view text) {
  constexpr const char* kForm = "must be a duration such as 30m, 24h, 14d or 1h30m (s, m, h, d)";
  if (text.empty()) return bad(kForm);
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::int64_t n = 0;
    const std::size_t start = i;
    for (; i < text.size() && is_digit(text[i]); ++i) {
      n = n * 10 + (text[i] - '0');
      if (n > 1'000'000'000) return bad("is too long: at most 366 days");
    }
    if (i == start || i == text.size()) return bad(kForm);
    std::int64_t unit = 0;
    switch (text[i]) {
      case 's':
        unit = 1000;
        break;
      case 'm':
        unit = kMillisPerMinute;
        break;
      case 'h':
        unit = kMillisPerHour;
        break;
      case 'd':
        unit = kMillisPerDay;
        break;
      default:
        return bad(kForm);
    }
    ++i;
    total += n * unit;
    if (total > days(366).count()) return bad("is too long: at most 366 days");
  }
  if (total <= 0) return bad("must be longer than 0");
  return Duration(total);
}

Result<Volume> parse_volume_ml_or_zero(std::string_view text) {
  const Result<std::int64_t> nl =
      parse_scaled(text, 6, kMaxMillilitres, "is finer than 1 nL (at most 6 decimals in mL)");
  if (!nl.ok()) return nl.error();
  return Volume(nl.value());
}

Result<Volume> parse_volume_ml(std::string_view text) {
  const Result<Volume> v = parse_volume_ml_or_zero(text);
  if (v.ok() && v->count() == 0) return bad("must be more than 0 mL");
  return v;
}

Result<DrugAmount> parse_amount(std::string_view text, DoseUnit unit) {
  const bool mg = unit == DoseUnit::kMilligram;
  const Result<std::int64_t> ng =
      parse_scaled(text, mg ? 6 : 3, mg ? 1000 : 1'000'000,
                   mg ? "is finer than 1 ng (at most 6 decimals in mg)"
                      : "is finer than 1 ng (at most 3 decimals in mcg)");
  if (!ng.ok()) return ng.error();
  if (ng.value() == 0) return bad("must be more than 0");
  return DrugAmount(ng.value());
}

Result<WallTime> parse_local_wall(std::string_view text) {
  const host::Checked<WallTime> wall = host::parse_wall_time(text);
  // A clock set before 2000 or after 2199 is a typing error (host::parse_wall_time reads from
  // 1970 to 2199).
  constexpr const char* kYears = "must be in the years 2000 to 2199";
  if (!wall) {
    if (wall.error().message.find("years") != std::string::npos) return bad(kYears);
    return bad("must be a real local date and time \"YYYY-MM-DD HH:MM\" (00:00 to 23:59)");
  }
  constexpr std::int64_t kYear2000Ms = 946'684'800'000LL;
  if (wall->ms() < kYear2000Ms) return bad(kYears);
  return *wall;
}

WallTime local_wall_now() {
  const auto now = std::chrono::system_clock::now();
  const std::int64_t utc_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm local{};
  ::localtime_r(&t, &local);
  return WallTime(utc_ms + static_cast<std::int64_t>(local.tm_gmtoff) * 1000);
}

std::string format_duration(Duration d) {
  std::int64_t ms = d.count();
  if (ms <= 0) return "0 s";
  std::string out;
  const auto part = [&](std::int64_t unit, const char* name) {
    if (ms >= unit) {
      if (!out.empty()) out += ' ';
      out += std::to_string(ms / unit) + ' ' + name;
      ms %= unit;
    }
  };
  part(kMillisPerDay, "d");
  part(kMillisPerHour, "h");
  part(kMillisPerMinute, "min");
  part(1000, "s");
  if (ms > 0) {
    if (!out.empty()) out += ' ';
    out += std::to_string(ms) + " ms";
  }
  return out;
}

}  // namespace itdd::programmer

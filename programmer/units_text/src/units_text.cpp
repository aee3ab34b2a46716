#include "itdd/programmer/units_text.h"

#include <fmt/format.h>

#include <chrono>
#include <limits>

namespace itdd::programmer {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// log10(scale) for a power of ten, or -1.
int decimals_of(std::int64_t scale) {
  int decimals = 0;
  while (scale > 1 && scale % 10 == 0) {
    scale /= 10;
    ++decimals;
  }
  return scale == 1 ? decimals : -1;
}

Refusal refuse(std::string message) {
  return Refusal{"", std::move(message)};
}

}  // namespace

std::string Refusal::text() const {
  return field.empty() ? message : fmt::format("{}: {}", field, message);
}

Checked<std::int64_t> parse_decimal(std::string_view text, std::int64_t scale) {
  const int allowed = decimals_of(scale);
  if (allowed < 0) return refuse("internal: the scale must be a power of ten");
  if (text.empty()) return refuse("is empty: give a number such as 3.5");
  if (text.front() == '-') return refuse(fmt::format("{}: must not be negative", text));
  const std::size_t point = text.find('.');
  const std::string_view whole = text.substr(0, point);
  const std::string_view fraction =
      point == std::string_view::npos ? std::string_view() : text.substr(point + 1);
  for (const std::string_view part : {whole, fraction}) {
    for (const char c : part) {
      if (!is_digit(c)) {
        return refuse(
            fmt::format("{}: not a plain decimal number (digits and at most one "
                        "decimal point, e.g. 3.5)",
                        text));
      }
    }
  }
  if (whole.empty()) {
    return refuse(
        fmt::format("{}: write a leading zero (0{}), so the point is not missed", text, text));
  }
  if (point != std::string_view::npos && fraction.empty()) {
    return refuse(fmt::format("{}: a decimal point needs digits after it", text));
  }
  for (std::size_t i = static_cast<std::size_t>(allowed); i < fraction.size(); ++i) {
    if (fraction[i] != '0') {
      return refuse(allowed == 0 ? fmt::format("{}: must be a whole number", text)
                                 : fmt::format("{}: at most {} decimal place{}", text, allowed,
                                               allowed == 1 ? "" : "s"));
    }
  }
  constexpr Int128 kMax = std::numeric_limits<std::int64_t>::max();
  Int128 count = 0;
  const auto push = [&count](char c) {
    count = count * 10 + (c - '0');
    return count <= kMax;
  };
  bool fits = true;
  for (const char c : whole) fits = fits && push(c);
  for (int i = 0; i < allowed && fits; ++i) {
    fits =
        push(static_cast<std::size_t>(i) < fraction.size() ? fraction[static_cast<std::size_t>(i)]
                                                           : '0');
  }
  if (!fits) return refuse(fmt::format("{}: too large", text));
  return static_cast<std::int64_t>(count);
}

std::string format_decimal(std::int64_t count, std::int64_t scale, int max_decimals) {
  const int decimals = decimals_of(scale);
  if (decimals < 0) return fmt::format("{}/{}", count, scale);
  // Magnitude in unsigned arithmetic so INT64_MIN has one too.
  const bool negative = count < 0;
  const std::uint64_t magnitude =
      negative ? 0 - static_cast<std::uint64_t>(count) : static_cast<std::uint64_t>(count);
  const auto uscale = static_cast<std::uint64_t>(scale);
  std::string fraction =
      decimals == 0 ? std::string() : fmt::format("{:0{}}", magnitude % uscale, decimals);
  if (max_decimals >= 0 && fraction.size() > static_cast<std::size_t>(max_decimals)) {
    fraction.resize(static_cast<std::size_t>(max_decimals));
  }
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  const std::uint64_t whole = magnitude / uscale;
  const bool shows_nonzero = whole != 0 || !fraction.empty();
  std::string text = (negative && shows_nonzero) ? "-" : "";
  text += fmt::format("{}", whole);
  if (!fraction.empty()) text += "." + fraction;
  return text;
}

const char* unit_name(DoseUnit unit) {
  return unit == DoseUnit::kMilligram ? "mg" : "mcg";
}

std::optional<DoseUnit> parse_dose_unit(std::string_view text) {
  if (text == "mg") return DoseUnit::kMilligram;
  if (text == "mcg") return DoseUnit::kMicrogram;
  return std::nullopt;
}

std::string format_amount(DrugAmount amount, DoseUnit unit) {
  return fmt::format("{} {}", format_decimal(amount.count(), nanograms_per(unit)), unit_name(unit));
}

std::string format_dose(DoseRate dose, DoseUnit unit) {
  return fmt::format("{} {}/day", format_decimal(dose.count(), nanograms_per(unit)),
                     unit_name(unit));
}

std::string format_concentration(Concentration c, DoseUnit unit) {
  return fmt::format("{} {}/mL", format_decimal(c.count(), nanograms_per(unit)), unit_name(unit));
}

std::string format_flow_ml_per_day(FlowRate flow) {
  return format_decimal(flow.count(), kNanolitresPerMillilitre) + " mL/day";
}

std::string format_flow_ul_per_hour(FlowRate flow) {
  // nL/day to uL/h: divide by 24 (cut off at the nL/h) and show in uL.
  return format_decimal(flow.count() / 24, kNanolitresPerMicrolitre) + " uL/h";
}

std::string format_volume_ml(Volume volume) {
  return format_decimal(volume.count(), kNanolitresPerMillilitre) + " mL";
}

std::string format_hours(Duration duration) {
  // Hundredths of an hour (36 s), cut off.
  return format_decimal(duration.count() / (kMillisPerHour / 100), 100) + " h";
}

std::string format_wall_time(WallTime time) {
  const std::int64_t day = floor_div(time.ms(), kMillisPerDay);
  const std::int64_t minute = floor_mod(time.ms(), kMillisPerDay) / kMillisPerMinute;
  const std::chrono::year_month_day date{std::chrono::sys_days(std::chrono::days(day))};
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     minute / 60, minute % 60);
}

std::optional<WallTime> parse_wall_time(std::string_view text) {
  if (text.size() != 16 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != ' ') || text[13] != ':') {
    return std::nullopt;
  }
  int fields[5] = {};
  const std::size_t starts[5] = {0, 5, 8, 11, 14};
  const std::size_t widths[5] = {4, 2, 2, 2, 2};
  for (int f = 0; f < 5; ++f) {
    for (std::size_t i = 0; i < widths[f]; ++i) {
      const char c = text[starts[f] + i];
      if (!is_digit(c)) return std::nullopt;
      fields[f] = fields[f] * 10 + (c - '0');
    }
  }
  const std::chrono::year_month_day date{std::chrono::year(fields[0]),
                                         std::chrono::month(static_cast<unsigned>(fields[1])),
                                         std::chrono::day(static_cast<unsigned>(fields[2]))};
  if (!date.ok() || fields[0] < 1970 || fields[3] > 23 || fields[4] > 59) return std::nullopt;
  const std::int64_t day = std::chrono::sys_days(date).time_since_epoch().count();
  return WallTime(day * kMillisPerDay + fields[3] * kMillisPerHour + fields[4] * kMillisPerMinute);
}

}  // namespace itdd::programmer

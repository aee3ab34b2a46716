#include "itdd/host/decimal.h"

#include <fmt/format.h>

#include <limits>

#include "itdd/core/units.h"

namespace itdd::host {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool all_digits(std::string_view s) {
  for (const char c : s) {
    if (!is_digit(c)) return false;
  }
  return true;
}

// log10(scale) for a power of ten from 1 to 10^18, or -1.
int decimals_of(std::int64_t scale) {
  if (scale <= 0) return -1;
  int decimals = 0;
  while (scale > 1 && scale % 10 == 0) {
    scale /= 10;
    ++decimals;
  }
  return scale == 1 ? decimals : -1;
}

enum class Fit : std::uint8_t { kOk, kTooFine, kTooLarge };

// whole.fraction (digits only) as a count of 10^-decimals units.
Fit exact_count(std::string_view whole, std::string_view fraction, int decimals,
                std::int64_t& out) {
  for (std::size_t i = static_cast<std::size_t>(decimals); i < fraction.size(); ++i) {
    if (fraction[i] != '0') return Fit::kTooFine;
  }
  constexpr Int128 kMax = std::numeric_limits<std::int64_t>::max();
  Int128 count = 0;
  const auto push = [&count](char c) {
    count = count * 10 + (c - '0');
    return count <= kMax;
  };
  for (const char c : whole) {
    if (!push(c)) return Fit::kTooLarge;
  }
  for (int i = 0; i < decimals; ++i) {
    const auto at = static_cast<std::size_t>(i);
    if (!push(at < fraction.size() ? fraction[at] : '0')) return Fit::kTooLarge;
  }
  out = static_cast<std::int64_t>(count);
  return Fit::kOk;
}

Refusal refuse(std::string message) {
  return Refusal{"", std::move(message)};
}

Refusal not_fitting(Fit fit, std::string_view text, int decimals) {
  if (fit == Fit::kTooLarge) return refuse(fmt::format("{}: too large", text));
  return refuse(decimals == 0 ? fmt::format("{}: must be a whole number", text)
                              : fmt::format("{}: at most {} decimal place{}", text, decimals,
                                            decimals == 1 ? "" : "s"));
}

Refusal bad_scale() {
  return refuse("internal: the scale must be a power of ten from 1 to 10^18");
}

}  // namespace

Checked<std::int64_t> parse_decimal(std::string_view text, std::int64_t scale) {
  const int decimals = decimals_of(scale);
  if (decimals < 0) return bad_scale();
  if (text.empty()) return refuse("is empty: give a number such as 3.5");
  if (text.front() == '-') return refuse(fmt::format("{}: must not be negative", text));
  const std::size_t point = text.find('.');
  const std::string_view whole = text.substr(0, point);
  const std::string_view fraction =
      point == std::string_view::npos ? std::string_view() : text.substr(point + 1);
  if (!all_digits(whole) || !all_digits(fraction)) {
    return refuse(fmt::format(
        "{}: not a plain decimal number (digits and at most one decimal point, e.g. 3.5)", text));
  }
  if (whole.empty()) {
    return refuse(
        fmt::format("{}: write a leading zero (0{}), so the point is not missed", text, text));
  }
  if (point != std::string_view::npos && fraction.empty()) {
    return refuse(fmt::format("{}: a decimal point needs digits after it", text));
  }
  std::int64_t count = 0;
  const Fit fit = exact_count(whole, fraction, decimals, count);
  if (fit != Fit::kOk) return not_fitting(fit, text, decimals);
  return count;
}

namespace {

// A JSON number's text (`text`, for messages) as an exact count of 10^-decimals units; with
// `signed_ok`, a negative value is the negative count.
Checked<std::int64_t> json_number(std::string_view text, int decimals, bool signed_ok) {
  // JSON's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
  std::string_view rest = text;
  const bool negative = !rest.empty() && rest.front() == '-';
  if (negative) rest.remove_prefix(1);
  std::size_t i = 0;
  while (i < rest.size() && is_digit(rest[i])) ++i;
  const std::string_view whole = rest.substr(0, i);
  std::string_view fraction;
  bool malformed = whole.empty() || (whole.size() > 1 && whole.front() == '0');
  if (i < rest.size() && rest[i] == '.') {
    const std::size_t start = ++i;
    while (i < rest.size() && is_digit(rest[i])) ++i;
    fraction = rest.substr(start, i - start);
    malformed = malformed || fraction.empty();
  }
  // The exponent, saturated: beyond a million places the answer is "too large" or "too fine"
  // whatever the digits.
  std::int64_t exponent = 0;
  if (i < rest.size() && (rest[i] == 'e' || rest[i] == 'E')) {
    ++i;
    bool exponent_negative = false;
    if (i < rest.size() && (rest[i] == '+' || rest[i] == '-')) exponent_negative = rest[i++] == '-';
    const std::size_t start = i;
    while (i < rest.size() && is_digit(rest[i])) {
      if (exponent < 1'000'000) exponent = exponent * 10 + (rest[i] - '0');
      ++i;
    }
    malformed = malformed || i == start;
    if (exponent_negative) exponent = -exponent;
  }
  if (malformed || i != rest.size()) return refuse(fmt::format("{}: not a number", text));
  // All significant digits, and where the point falls among them: value = 0.<digits> x 10^point.
  std::string digits = std::string(whole) + std::string(fraction);
  std::int64_t point = static_cast<std::int64_t>(whole.size()) + exponent;
  const std::size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return std::int64_t{0};  // zero, whatever its sign or exponent
  if (negative && !signed_ok) return refuse(fmt::format("{}: must not be negative", text));
  digits.erase(0, first);
  point -= static_cast<std::int64_t>(first);
  digits.erase(digits.find_last_not_of('0') + 1);
  if (point > 19) return not_fitting(Fit::kTooLarge, text, decimals);
  if (static_cast<std::int64_t>(digits.size()) - point > decimals) {
    return not_fitting(Fit::kTooFine, text, decimals);
  }
  // Bounded now: at most 19 digits before the point and `decimals` after it.
  std::string plain_whole;
  std::string plain_fraction;
  if (point <= 0) {
    plain_whole = "0";
    plain_fraction = std::string(static_cast<std::size_t>(-point), '0') + digits;
  } else if (point >= static_cast<std::int64_t>(digits.size())) {
    plain_whole = digits + std::string(static_cast<std::size_t>(point) - digits.size(), '0');
  } else {
    plain_whole = digits.substr(0, static_cast<std::size_t>(point));
    plain_fraction = digits.substr(static_cast<std::size_t>(point));
  }
  std::int64_t count = 0;
  const Fit fit = exact_count(plain_whole, plain_fraction, decimals, count);
  if (fit != Fit::kOk) return not_fitting(fit, text, decimals);
  return negative ? -count : count;
}

}  // namespace

Checked<std::int64_t> parse_json_number(std::string_view text, std::int64_t scale) {
  const int decimals = decimals_of(scale);
  if (decimals < 0) return bad_scale();
  return json_number(text, decimals, false);
}

Checked<std::int64_t> parse_json_integer(std::string_view text) {
  return json_number(text, 0, true);
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

}  // namespace itdd::host

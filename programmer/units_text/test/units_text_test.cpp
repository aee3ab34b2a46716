#include "itdd/programmer/units_text.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <limits>
#include <string>

#include "itdd/programmer/figures.h"

namespace itdd::programmer {
namespace {

std::int64_t parsed(std::string_view text, std::int64_t scale) {
  const Checked<std::int64_t> r = parse_decimal(text, scale);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? r.value() : -1;
}

std::string refusal(std::string_view text, std::int64_t scale) {
  const Checked<std::int64_t> r = parse_decimal(text, scale);
  EXPECT_FALSE(r.ok()) << text << " parsed as " << (r.ok() ? r.value() : 0);
  return r.ok() ? "" : r.error().message;
}

TEST(ParseDecimal, ExactBaseUnitsWithoutFloatingPoint) {
  EXPECT_EQ(parsed("0.048", 1'000'000), 48'000);
  EXPECT_EQ(parsed("3.5", 1'000'000), 3'500'000);
  EXPECT_EQ(parsed("2.4", 1'000), 2'400);
  EXPECT_EQ(parsed("0.1", 1'000'000'000'000'000'000), 100'000'000'000'000'000);
  EXPECT_EQ(parsed("12", 1'000'000), 12'000'000);
  EXPECT_EQ(parsed("0", 1'000), 0);
  EXPECT_EQ(parsed("007.50", 10), 75);
  EXPECT_EQ(parsed("3.0", 1), 3);
  // Zeros beyond the scale change nothing, so they are accepted.
  EXPECT_EQ(parsed("1.0000000", 1'000'000), 1'000'000);
  EXPECT_EQ(parsed("9223372036854775807", 1), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(parsed("9223372036854.775807", 1'000'000), std::numeric_limits<std::int64_t>::max());
}

TEST(ParseDecimal, RefusesJunkWithAReason) {
  EXPECT_NE(refusal("-1", 1'000).find("must not be negative"), std::string::npos);
  EXPECT_NE(refusal("-0.5", 1'000).find("must not be negative"), std::string::npos);
  EXPECT_NE(refusal(".5", 1'000).find("leading zero (0.5)"), std::string::npos);
  EXPECT_NE(refusal("5.", 1'000).find("digits after it"), std::string::npos);
  EXPECT_NE(refusal("0.0000001", 1'000'000).find("at most 6 decimal places"), std::string::npos);
  EXPECT_NE(refusal("0.05", 10).find("at most 1 decimal place"), std::string::npos);
  EXPECT_NE(refusal("3.5", 1).find("must be a whole number"), std::string::npos);
  EXPECT_NE(refusal("", 1).find("empty"), std::string::npos);
  EXPECT_NE(refusal("9223372036854775808", 1).find("too large"), std::string::npos);
  EXPECT_NE(refusal("9223372036854.775808", 1'000'000).find("too large"), std::string::npos);
  EXPECT_NE(refusal("99999999999999999999999999999", 1).find("too large"), std::string::npos);
  for (const char* junk : {"1e3", "1,5", " 1", "1 ", "+1", "1.2.3", "abc", "0x10", "1_000", "½",
                           "3.5mg", "NaN", "inf"}) {
    EXPECT_NE(refusal(junk, 1'000).find("not a plain decimal"), std::string::npos) << junk;
  }
  EXPECT_FALSE(parse_decimal("1", 3).ok());  // not a power of ten
  EXPECT_FALSE(parse_decimal("1", 0).ok());
}

TEST(FormatDecimal, ExactTextAndCutOffTowardZero) {
  EXPECT_EQ(format_decimal(48'000, 1'000'000), "0.048");
  EXPECT_EQ(format_decimal(20'000'000, 1'000'000), "20");
  EXPECT_EQ(format_decimal(-1'500'000, 1'000'000), "-1.5");
  EXPECT_EQ(format_decimal(7, 1), "7");
  EXPECT_EQ(format_decimal(1'234'567, 1'000'000, 3), "1.234");
  EXPECT_EQ(format_decimal(1'999'999, 1'000'000, 2), "1.99");
  EXPECT_EQ(format_decimal(-1, 1'000'000, 3), "0");
  EXPECT_EQ(format_decimal(1'500, 1'000, 0), "1");
  EXPECT_EQ(format_decimal(std::numeric_limits<std::int64_t>::min(), 1'000),
            "-9223372036854775.808");
}

RC_GTEST_PROP(FormatDecimal, ParsesBackToTheSameCount, ()) {
  const std::int64_t count =
      *rc::gen::inRange<std::int64_t>(0, std::numeric_limits<std::int64_t>::max());
  const int decimals = *rc::gen::inRange(0, 19);
  std::int64_t scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;
  const Checked<std::int64_t> back = parse_decimal(format_decimal(count, scale), scale);
  RC_ASSERT(back.ok());
  RC_ASSERT(back.value() == count);
}

TEST(Units, TextInTheDrugsUnit) {
  EXPECT_EQ(format_dose(DoseRate(2'400), DoseUnit::kMicrogram), "2.4 mcg/day");
  EXPECT_EQ(format_amount(milligrams(25), DoseUnit::kMilligram), "25 mg");
  EXPECT_EQ(format_concentration(Concentration(25'000), DoseUnit::kMicrogram), "25 mcg/mL");
  EXPECT_EQ(format_flow_ml_per_day(FlowRate(48'000)), "0.048 mL/day");
  EXPECT_EQ(format_flow_ul_per_hour(FlowRate(96'000)), "4 uL/h");
  EXPECT_EQ(format_flow_ul_per_hour(FlowRate(48'000)), "2 uL/h");
  EXPECT_EQ(format_flow_ul_per_hour(FlowRate(100'000)), "4.166 uL/h");
  EXPECT_EQ(format_volume_ml(microlitres(18'500)), "18.5 mL");
  EXPECT_EQ(format_hours(hours(36)), "36 h");
  EXPECT_EQ(format_hours(minutes(90)), "1.5 h");
  EXPECT_EQ(parse_dose_unit("mcg"), DoseUnit::kMicrogram);
  EXPECT_EQ(parse_dose_unit("ug"), std::nullopt);
}

TEST(WallTimeText, RoundTripsAndRefusesImpossibleDates) {
  const std::optional<WallTime> t = parse_wall_time("2025-03-01 09:30");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_wall_time(*t), "2025-03-01 09:30");
  EXPECT_EQ(parse_wall_time("2025-03-01T09:30"), t);
  EXPECT_EQ(format_wall_time(WallTime(0)), "1970-01-01 00:00");
  EXPECT_EQ(parse_wall_time("2024-02-29 00:00").has_value(), true);
  for (const char* bad : {"2025-02-30 10:00", "2025-13-01 10:00", "2025-03-01 24:00",
                          "2025-03-01 09:60", "2025-03-01", "25-03-01 09:30", "2025-03-01 9:30"}) {
    EXPECT_FALSE(parse_wall_time(bad)) << bad;
  }
}

TEST(Figures, JsonNumbersAreReadExactly) {
  using figures::Json;
  EXPECT_EQ(figures::decimal(Json::parse("0.048"), 1'000'000, "x"), 48'000);
  EXPECT_EQ(figures::decimal(Json::parse("19.2"), 1'000, "x"), 19'200);
  EXPECT_EQ(figures::decimal(Json::parse("7.5"), 1'000'000, "x"), 7'500'000);
  EXPECT_EQ(figures::decimal(Json::parse("20"), 1'000'000, "x"), 20'000'000);
  const auto field_error = [](const char* text, std::int64_t scale) {
    try {
      (void)figures::decimal(Json::parse(text), scale, "a.b");
    } catch (const figures::FieldError& e) {
      return e.field + ": " + e.message;
    }
    return std::string("accepted");
  };
  EXPECT_EQ(field_error("0.0000001", 1'000'000), "a.b: 0.0000001: at most 6 decimal places");
  EXPECT_EQ(field_error("-3", 1'000), "a.b: -3: must not be negative");
  EXPECT_EQ(field_error("\"3\"", 1'000), "a.b: must be a number");
  EXPECT_EQ(field_error("1e300", 1'000).substr(0, 4), "a.b:");
}

RC_GTEST_PROP(Figures, ExportedNumbersReadBackExactly, ()) {
  const std::int64_t count = *rc::gen::inRange<std::int64_t>(0, 1'000'000'000'000);
  const std::int64_t scale = *rc::gen::element<std::int64_t>(1, 100, 1'000, 1'000'000);
  const figures::Json text = figures::Json::parse(figures::decimal_json(count, scale).dump());
  RC_ASSERT(figures::decimal(text, scale, "x") == count);
}

}  // namespace
}  // namespace itdd::programmer

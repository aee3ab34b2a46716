#include "itdd/host/decimal.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <limits>
#include <string>

#include "itdd/core/units.h"

namespace itdd::host {
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

std::int64_t json(std::string_view text, std::int64_t scale) {
  const Checked<std::int64_t> r = parse_json_number(text, scale);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? r.value() : -1;
}

std::string json_refusal(std::string_view text, std::int64_t scale) {
  const Checked<std::int64_t> r = parse_json_number(text, scale);
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
  EXPECT_EQ(refusal("0.0000001", 1'000'000), "0.0000001: at most 6 decimal places");
  EXPECT_EQ(refusal("0.05", 10), "0.05: at most 1 decimal place");
  EXPECT_EQ(refusal("3.5", 1), "3.5: must be a whole number");
  EXPECT_NE(refusal("", 1).find("empty"), std::string::npos);
  EXPECT_EQ(refusal("9223372036854775808", 1), "9223372036854775808: too large");
  EXPECT_NE(refusal("9223372036854.775808", 1'000'000).find("too large"), std::string::npos);
  EXPECT_NE(refusal("99999999999999999999999999999", 1).find("too large"), std::string::npos);
  for (const char* junk : {"1e3", "1,5", " 1", "1 ", "+1", "1.2.3", "abc", "0x10", "1_000", "½",
                           "3.5mg", "NaN", "inf"}) {
    EXPECT_NE(refusal(junk, 1'000).find("not a plain decimal"), std::string::npos) << junk;
  }
  EXPECT_FALSE(parse_decimal("1", 3).ok());  // not a power of ten
  EXPECT_FALSE(parse_decimal("1", 0).ok());
  EXPECT_FALSE(parse_decimal("1", -10).ok());
}

TEST(ParseJsonNumber, ReadsTheTextAsWrittenExactly) {
  EXPECT_EQ(json("0.048", 1'000'000), 48'000);
  EXPECT_EQ(json("20", 1'000'000), 20'000'000);
  EXPECT_EQ(json("0.1", 1'000'000), 100'000);
  EXPECT_EQ(json("2.5e-1", 1'000), 250);
  EXPECT_EQ(json("25E-2", 1'000), 250);
  EXPECT_EQ(json("1e-06", 1'000'000), 1);  // what nlohmann-json writes for 0.000001
  EXPECT_EQ(json("1.5e3", 1), 1'500);
  EXPECT_EQ(json("0e999999999999", 1), 0);
  EXPECT_EQ(json("-0", 1'000), 0);
  EXPECT_EQ(json("-0.0e5", 1'000), 0);
  EXPECT_EQ(json("2.000000000000000000000", 1), 2);
  EXPECT_EQ(json("9223372036854775807", 1), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(json("9.223372036854775807e18", 1), std::numeric_limits<std::int64_t>::max());
}

TEST(ParseJsonNumber, RefusesAsTheTypedReaderDoesNamingTheNumberAsWritten) {
  EXPECT_EQ(json_refusal("7757E877777777778", 1'000'000), "7757E877777777778: too large");
  EXPECT_EQ(json_refusal("1e300", 1), "1e300: too large");
  EXPECT_EQ(json_refusal("1e19", 1), "1e19: too large");
  EXPECT_EQ(json_refusal("9223372036854775808", 1), "9223372036854775808: too large");
  EXPECT_EQ(json_refusal("1e-7", 1'000'000), "1e-7: at most 6 decimal places");
  EXPECT_EQ(json_refusal("1e-877777777777", 1'000'000),
            "1e-877777777777: at most 6 decimal places");
  EXPECT_EQ(json_refusal("0.10000000000000001", 1'000'000),
            "0.10000000000000001: at most 6 decimal places");
  EXPECT_EQ(json_refusal("0.3333333333333333", 1'000'000),
            "0.3333333333333333: at most 6 decimal places");
  EXPECT_EQ(json_refusal("-3", 1'000), "-3: must not be negative");
  EXPECT_EQ(json_refusal("-1e-9", 1'000), "-1e-9: must not be negative");
  EXPECT_EQ(json_refusal("3.5", 1), "3.5: must be a whole number");
  for (const char* junk :
       {"", "-", "01", ".5", "5.", "1e", "1e+", "+1", "1.2.3", "0x1", "NaN", "\"3\"", "1 "}) {
    EXPECT_NE(json_refusal(junk, 1'000).find("not a number"), std::string::npos) << junk;
  }
}

TEST(ParseJsonInteger, WholeNumbersOfEitherSign) {
  EXPECT_EQ(parse_json_integer("-10080").value(), -10'080);
  EXPECT_EQ(parse_json_integer("3.0").value(), 3);
  EXPECT_EQ(parse_json_integer("3e2").value(), 300);
  EXPECT_EQ(parse_json_integer("-3.5").error().message, "-3.5: must be a whole number");
  EXPECT_EQ(parse_json_integer("-9223372036854775807").value(),
            -std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(parse_json_integer("1e19").error().message, "1e19: too large");
}

// A decimal written in plain form reads the same, typed or in a JSON file.
RC_GTEST_PROP(ParseJsonNumber, AgreesWithTheTypedReader, ()) {
  const int decimals = *rc::gen::inRange(0, 19);
  const int places = *rc::gen::inRange(0, 22);
  std::string fraction;
  for (int i = 0; i < places; ++i) fraction += static_cast<char>('0' + *rc::gen::inRange(0, 10));
  const std::string text = std::to_string(*rc::gen::inRange<std::int64_t>(0, 10'000'000)) +
                           (places > 0 ? "." + fraction : "");
  std::int64_t scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;
  const Checked<std::int64_t> typed = parse_decimal(text, scale);
  const Checked<std::int64_t> in_file = parse_json_number(text, scale);
  RC_ASSERT(typed.ok() == in_file.ok());
  if (typed.ok()) {
    RC_ASSERT(typed.value() == in_file.value());
  } else {
    RC_ASSERT(typed.error().message == in_file.error().message);
  }
}

// The same value with its point moved into an exponent reads the same.
RC_GTEST_PROP(ParseJsonNumber, AnExponentOnlyMovesThePoint, ()) {
  const std::int64_t count = *rc::gen::inRange<std::int64_t>(1, 1'000'000'000'000);
  const int shift = *rc::gen::inRange(-12, 13);
  const std::string digits = std::to_string(count);
  const std::string text = digits + "e" + std::to_string(shift);
  // count x 10^shift at scale 10^6: exact when shift >= -6.
  const Checked<std::int64_t> r = parse_json_number(text, 1'000'000);
  Int128 expected = count;
  bool fits = true;
  for (int i = 0; i < 6 + shift; ++i) {
    expected *= 10;
    fits = fits && expected <= std::numeric_limits<std::int64_t>::max();
  }
  Int128 divisor = 1;
  for (int i = 0; i < -(6 + shift); ++i) divisor *= 10;
  if (!fits) {
    RC_ASSERT(!r.ok());
  } else if (expected % divisor != 0) {
    RC_ASSERT(!r.ok());
    RC_ASSERT(r.error().message.find("at most 6 decimal places") != std::string::npos);
  } else {
    RC_ASSERT(r.ok());
    RC_ASSERT(static_cast<Int128>(r.value()) == expected / divisor);
  }
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

}  // namespace
}  // namespace itdd::host

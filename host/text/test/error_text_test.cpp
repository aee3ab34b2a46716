#include "itdd/host/error_text.h"

#include <gtest/gtest.h>

namespace itdd::host {
namespace {

TEST(ErrorText, ARateRefusalSaysTheRequestedAndTheAllowedRateExactly) {
  const Error below = with_limit(
      make_error(ErrorCode::kInvalidArgument, "dose_per_day",
                 "rate is below the pump's minimum programmable rate"),
      ErrorLimit::kMinimum, ErrorUnit::kNanolitresPerDay, 40'000, 48'000);
  EXPECT_EQ(limit_text(below), "0.04 mL/day requested, this pump's minimum is 0.048 mL/day");
  EXPECT_EQ(message_text(below),
            "rate is below the pump's minimum programmable rate: 0.04 mL/day requested, this "
            "pump's minimum is 0.048 mL/day");
  // Not rounded: a rate one nL/day above the maximum says so.
  const Error above =
      with_limit(make_error(ErrorCode::kInvalidArgument, "dose_per_day", "rate is above"),
                 ErrorLimit::kMaximum, ErrorUnit::kNanolitresPerDay, 24'000'001, 24'000'000);
  EXPECT_EQ(limit_text(above), "24.000001 mL/day requested, this pump's maximum is 24 mL/day");
}

TEST(ErrorText, AnErrorWithoutALimitIsItsMessage) {
  const Error plain = make_error(ErrorCode::kRefused, "mode", "the reservoir has not been filled");
  EXPECT_EQ(limit_text(plain), "");
  EXPECT_EQ(message_text(plain), "the reservoir has not been filled");
}

}  // namespace
}  // namespace itdd::host

#include "itdd/host/error_text.h"

#include <gtest/gtest.h>

namespace itdd::host {
namespace {

TEST(ErrorText, ARateRefusalSaysTheRequestedAndTheAllowedRateExactly) {
  const Error below =
      with_limit(make_error(ErrorCode::kInvalidArgument, "dose_per_day",
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

TEST(ErrorText, AnImplantErrorIsARefusalWithItsPathItsLimitAndItsKind) {
  const Error step =
      with_limit(make_error(ErrorCode::kInvalidArgument, "weekdays",
                            "rate is below the pump's minimum programmable rate", 1, 2),
                 ErrorLimit::kMinimum, ErrorUnit::kNanolitresPerDay, 40'000, 48'000);
  const Refusal r = refusal_of(step);
  EXPECT_EQ(r.field, "weekdays[1][2]");
  EXPECT_EQ(r.message, message_text(step));
  EXPECT_EQ(r.kind, RefusalKind::kInvalidArgument);
  EXPECT_EQ(r.text(),
            "weekdays[1][2]: rate is below the pump's minimum programmable rate: 0.04 mL/day "
            "requested, this pump's minimum is 0.048 mL/day");
  const Refusal plain = refusal_of(make_error(ErrorCode::kRefused, "", "not filled"));
  EXPECT_EQ(plain.text(), "not filled");
  EXPECT_EQ(plain.kind, RefusalKind::kRefused);
}

// Every implant code is a kind and back; the host's own kinds map to the nearest code.
TEST(ErrorText, KindsMapToTheImplantsCodes) {
  for (int c = 0; c < kErrorCodeCount; ++c) {
    const auto code = static_cast<ErrorCode>(c);
    EXPECT_EQ(error_code_of(kind_of(code)), code) << c;
  }
  EXPECT_EQ(error_code_of(RefusalKind::kNotFound), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_code_of(RefusalKind::kConflict), ErrorCode::kMismatch);
  EXPECT_EQ(error_code_of(RefusalKind::kNotInitialised), ErrorCode::kRefused);
  EXPECT_EQ(error_code_of(RefusalKind::kSchemaTooNew), ErrorCode::kRefused);
  EXPECT_EQ(error_code_of(RefusalKind::kUnavailable), ErrorCode::kIo);
  EXPECT_EQ(error_code_of(RefusalKind::kUncertain), ErrorCode::kRefused);
  EXPECT_EQ(error_code_of(RefusalKind::kNotRecorded), ErrorCode::kIo);
}

TEST(Checked, AValueOrARefusalAndForNoValueDoneOrARefusal) {
  Checked<int> v = 3;
  ASSERT_TRUE(v.ok());
  *v += 1;
  EXPECT_EQ(v.value(), 4);
  const Checked<int> r = Refusal{"dose", "must be above 0", RefusalKind::kInvalidArgument};
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().text(), "dose: must be above 0");
  EXPECT_TRUE(Checked<void>::Ok().ok());
  const Checked<void> no = Refusal{"", "the database is not reachable", RefusalKind::kUnavailable};
  ASSERT_FALSE(no.ok());
  EXPECT_EQ(no.error().kind, RefusalKind::kUnavailable);
  EXPECT_EQ(no.error().text(), "the database is not reachable");
}

}  // namespace
}  // namespace itdd::host

#include "itdd/programmer/dosing.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>

namespace itdd::programmer {
namespace {

using host::Checked;

// SynchroMed II's minimum (data/pump-models.json, peristaltic-20) and its configured maximum.
const PumpRateLimits kPump{FlowRate(48'000), FlowRate(24'000'000)};

TEST(Dosing, DoseToFlowIsExact) {
  // 3.5 mcg/day of ziconotide at 25 mcg/mL: 0.14 mL/day.
  EXPECT_EQ(flow_for_dose(DoseRate(3'500), Concentration(25'000)), FlowRate(140'000));
  // 1 ng/day at 3 ng/mL is 333,333.3 nL/day: rounded down.
  EXPECT_EQ(flow_for_dose(DoseRate(1), Concentration(3)), FlowRate(333'333));
  EXPECT_EQ(flow_for_dose(DoseRate(1'000), Concentration(0)), FlowRate(0));
}

RC_GTEST_PROP(Dosing, TheFlowNeverDeliversMoreThanTheDose, ()) {
  const DoseRate dose(*rc::gen::inRange<std::int64_t>(0, 100'000'000'000));
  const Concentration c(*rc::gen::inRange<std::int64_t>(1, 100'000'000));
  const FlowRate flow = flow_for_dose(dose, c);
  // flow * c <= dose * 1e6 < (flow + 1) * c: the largest flow that does not exceed the dose.
  RC_ASSERT(static_cast<Int128>(flow.count()) * c.count() <=
            static_cast<Int128>(dose.count()) * kNanolitresPerMillilitre);
  RC_ASSERT(static_cast<Int128>(flow.count() + 1) * c.count() >
            static_cast<Int128>(dose.count()) * kNanolitresPerMillilitre);
}

TEST(Dosing, ThePumpsMinimumRateAtTheBoundary) {
  // 4.8 mcg/day at 100 mcg/mL is exactly 0.048 mL/day.
  const Checked<FlowRate> at_min =
      programmable_flow(DoseRate(4'800), Concentration(100'000), kPump, DoseUnit::kMicrogram);
  ASSERT_TRUE(at_min.ok());
  EXPECT_EQ(at_min.value(), FlowRate(48'000));
  const Checked<FlowRate> below =
      programmable_flow(DoseRate(4'799), Concentration(100'000), kPump, DoseUnit::kMicrogram);
  ASSERT_FALSE(below.ok());
  EXPECT_EQ(below.error().field, "dose");
  EXPECT_EQ(below.error().message,
            "4.799 mcg/day at 100 mcg/mL is 0.04799 mL/day, below the pump's minimum programmable "
            "rate of 0.048 mL/day: the lowest dose at this concentration is 4.8 mcg/day (or use "
            "a lower concentration)");
  // The starting ziconotide dose needs the weaker solution.
  EXPECT_FALSE(
      programmable_flow(DoseRate(2'400), Concentration(100'000), kPump, DoseUnit::kMicrogram).ok());
  EXPECT_TRUE(
      programmable_flow(DoseRate(2'400), Concentration(25'000), kPump, DoseUnit::kMicrogram).ok());
}

TEST(Dosing, ThePumpsMaximumRateAtTheBoundary) {
  const Concentration c(25'000'000);  // morphine 25 mg/mL
  EXPECT_TRUE(programmable_flow(DoseRate(600'000'000), c, kPump, DoseUnit::kMilligram).ok());
  const Checked<FlowRate> above =
      programmable_flow(DoseRate(600'000'025), c, kPump, DoseUnit::kMilligram);
  ASSERT_FALSE(above.ok());
  EXPECT_EQ(above.error().field, "dose");
  EXPECT_NE(above.error().message.find("the highest dose at this concentration is 600 mg/day"),
            std::string::npos);
}

TEST(Dosing, BadInputNamesTheField) {
  EXPECT_EQ(
      programmable_flow(DoseRate(1), Concentration(0), kPump, DoseUnit::kMilligram).error().field,
      "concentration");
  EXPECT_EQ(
      programmable_flow(DoseRate(-1), Concentration(1), kPump, DoseUnit::kMilligram).error().field,
      "dose");
  // Zero is a stopped pump, whatever the minimum rate.
  const Checked<FlowRate> stopped =
      programmable_flow(DoseRate(0), Concentration(25'000), kPump, DoseUnit::kMicrogram);
  ASSERT_TRUE(stopped.ok());
  EXPECT_EQ(stopped.value(), FlowRate(0));
}

}  // namespace
}  // namespace itdd::programmer

#include "itdd/programmer/units_text.h"

#include <gtest/gtest.h>

namespace itdd::programmer {
namespace {

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
  EXPECT_EQ(parse_dose_unit("mg"), DoseUnit::kMilligram);
  EXPECT_EQ(parse_dose_unit("ug"), std::nullopt);
  EXPECT_EQ(unit_name(DoseUnit::kMicrogram), std::string("mcg"));
}

}  // namespace
}  // namespace itdd::programmer

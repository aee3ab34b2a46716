#include "itdd/programmer/fixed_rate_dosing.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>

#include "itdd/core/time.h"
#include "itdd/host/wall_time.h"

namespace itdd::programmer {
namespace {

using host::Checked;

const DrugLibrary& library() {
  static const DrugLibrary lib =
      DrugLibrary::load(std::string(ITDD_SOURCE_DIR) + "/data/drug-library.json").value();
  return lib;
}
const DrugSpec& drug(const char* name) {
  return *library().find(name);
}

// gas-fixed-30 (data/pump-models.json): 1 mL/day, ±15 %, 1 mL residual, 2 mL margin.
const FixedRateFigures kGas30{FlowRate(1'000'000), 150, Volume(1'000'000), Volume(2'000'000)};
constexpr std::int64_t kMg = 1'000'000;  // ng

TEST(FixedRateDose, ConcentrationIsTheDoseOverTheFlow) {
  // 2 mg/day of morphine at 1 mL/day: 2 mg/mL, exactly 2 mg/day.
  const Checked<FixedRateConcentration> c =
      concentration_for_daily_dose(DoseRate(2 * kMg), FlowRate(1'000'000), 150, drug("morphine"));
  ASSERT_TRUE(c.ok()) << c.error().text();
  EXPECT_EQ(c->concentration, Concentration(2 * kMg));
  EXPECT_EQ(c->delivered, DoseRate(2 * kMg));
  EXPECT_EQ(c->delivered_at_worst, DoseRate(2'300'000));  // +15 %
  EXPECT_EQ(c->highest_listed, Concentration(25 * kMg));
  ASSERT_EQ(c->notes.size(), 1U);
  EXPECT_EQ(c->notes[0],
            "the pump's flow may be 15 % off its nominal 1 mL/day: this concentration gives from "
            "1.7 mg/day to 2.3 mg/day");
}

TEST(FixedRateDose, RoundedDownToTheStepSoNeverMoreThanWanted) {
  // 1 mg/day at 0.3 mL/day is 3.333... mg/mL: 3.33 mg/mL gives 0.999 mg/day.
  const Checked<FixedRateConcentration> c =
      concentration_for_daily_dose(DoseRate(kMg), FlowRate(300'000), 0, drug("morphine"));
  ASSERT_TRUE(c.ok()) << c.error().text();
  EXPECT_EQ(c->concentration, Concentration(3'330'000));
  EXPECT_EQ(c->delivered, DoseRate(999'000));
  EXPECT_TRUE(c->notes.empty());
  // Baclofen (mcg): 100 mcg/day at 0.3 mL/day is 333.33 mcg/mL.
  const Checked<FixedRateConcentration> b =
      concentration_for_daily_dose(DoseRate(100'000), FlowRate(300'000), 0, drug("baclofen"));
  ASSERT_TRUE(b.ok()) << b.error().text();
  EXPECT_EQ(b->concentration, Concentration(333'330));
  EXPECT_EQ(b->delivered, DoseRate(99'999));
}

TEST(FixedRateDose, RefusalsNameTheLimit) {
  // Above the highest listed concentration: 15 mg/day at 0.5 mL/day needs 30 mg/mL.
  const Checked<FixedRateConcentration> high =
      concentration_for_daily_dose(DoseRate(15 * kMg), FlowRate(500'000), 150, drug("morphine"));
  ASSERT_FALSE(high.ok());
  EXPECT_EQ(high.error().field, "concentration");
  EXPECT_NE(
      high.error().message.find(
          "above the highest concentration the library lists for "
          "Morphine (preservative-free, Infumorph), 25 mg/mL (source: Morphine (Infumorph label)"),
      std::string::npos)
      << high.error().message;
  EXPECT_NE(high.error().message.find("the highest dose is 12.5 mg/day"), std::string::npos);
  // Above the hard maximum (20 mg/day).
  const Checked<FixedRateConcentration> hard =
      concentration_for_daily_dose(DoseRate(21 * kMg), FlowRate(1'000'000), 150, drug("morphine"));
  ASSERT_FALSE(hard.ok());
  EXPECT_EQ(hard.error().field, "dose");
  EXPECT_NE(hard.error().message.find(
                "above the hard maximum for Morphine (preservative-free, Infumorph), 20 mg/day"),
            std::string::npos)
      << hard.error().message;
  // Nothing, or less than one step.
  EXPECT_EQ(concentration_for_daily_dose(DoseRate(0), FlowRate(1'000'000), 0, drug("morphine"))
                .error()
                .field,
            "dose");
  const Checked<FixedRateConcentration> tiny =
      concentration_for_daily_dose(DoseRate(1'000), FlowRate(1'000'000), 0, drug("morphine"));
  ASSERT_FALSE(tiny.ok());
  EXPECT_NE(tiny.error().message.find("the lowest dose this pump gives is 0.01 mg/day"),
            std::string::npos)
      << tiny.error().message;
  EXPECT_EQ(
      concentration_for_daily_dose(DoseRate(kMg), FlowRate(0), 0, drug("morphine")).error().field,
      "nominal_flow");
}

TEST(FixedRateDose, SoftMaximumIsSaid) {
  const Checked<FixedRateConcentration> c =
      concentration_for_daily_dose(DoseRate(12 * kMg), FlowRate(1'000'000), 0, drug("morphine"));
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->notes.size(), 1U);
  EXPECT_NE(c->notes[0].find(
                "above the soft maximum for Morphine (preservative-free, Infumorph), 10 mg/day"),
            std::string::npos);
}

RC_GTEST_PROP(FixedRateDose, NeverMoreThanWantedAndWithinOneStep, ()) {
  const DrugSpec& d =
      drug(*rc::gen::element("morphine", "baclofen", "ziconotide", "hydromorphone"));
  const DoseRate wanted(*rc::gen::inRange<std::int64_t>(1, d.limits.hard_max.value.count() + 1));
  const FlowRate flow(*rc::gen::inRange<std::int64_t>(50'000, 5'000'000));
  const Checked<FixedRateConcentration> c = concentration_for_daily_dose(wanted, flow, 150, d);
  if (!c.ok()) {
    RC_ASSERT(c.error().field == "concentration" || c.error().field == "dose");
    return;
  }
  // concentration x flow <= wanted, exactly; one more step would give more than wanted.
  const Int128 step = concentration_step(d.unit).count();
  RC_ASSERT(c->concentration.count() % step == 0);
  RC_ASSERT(static_cast<Int128>(c->concentration.count()) * flow.count() <=
            static_cast<Int128>(wanted.count()) * kNanolitresPerMillilitre);
  RC_ASSERT((static_cast<Int128>(c->concentration.count()) + step) * flow.count() >
            static_cast<Int128>(wanted.count()) * kNanolitresPerMillilitre);
  RC_ASSERT(c->delivered <= wanted);
}

RefillRules morphine_rules() {
  return refill_rules(library(), drug("morphine"), false, Dilution::kDilutedOrUnknown);
}

TEST(FixedRateRefill, TheLowReservoirAtTheFastestFlowLessTheMargin) {
  const host::TimeZone paris = host::find_time_zone("Europe/Paris").value();
  const std::int64_t filled =
      paris.instant_typed(host::parse_wall_time("2027-03-01 10:00").value()).value();
  const FixedRateRefillPlan p =
      fixed_rate_next_refill(paris, filled, Volume(30'000'000), kGas30, morphine_rules());
  // 29 mL usable at 1.15 mL/day: 25.217 days; 27 mL (less the 2 mL margin): 23 d 11 h 28 min;
  // less the library's 5-day margin.
  EXPECT_EQ(paris.minute_at(p.empty_at_worst_utc_ms), "2027-03-26 15:13");
  // 29 days of 24 h at 1 mL/day: the clocks went forward on 2027-03-28, so 11:00 local.
  EXPECT_EQ(paris.minute_at(p.empty_at_nominal_utc_ms), "2027-03-30 11:00");
  EXPECT_EQ(paris.minute_at(*p.refill.low_reservoir_utc_ms), "2027-03-24 21:28");
  EXPECT_EQ(paris.minute_at(p.refill.due_utc_ms), "2027-03-19 21:28");
  EXPECT_EQ(p.refill.local.decided_by, RefillRule::kLowReservoir);
  EXPECT_EQ(p.refill.local.reason,
            "due 2027-03-19 21:28: at the label's +15 % (1.15 mL/day, the fastest this pump may "
            "run) only the 2 mL margin is left above the 1 mL the bellows keeps on 2027-03-24 "
            "21:28, less the 5-day safety margin");
}

TEST(FixedRateRefill, NoMarginsStillEndsTheDayBeforeTheReservoirCanRunEmpty) {
  const host::TimeZone paris = host::find_time_zone("Europe/Paris").value();
  const std::int64_t filled =
      paris.instant_typed(host::parse_wall_time("2027-03-01 10:00").value()).value();
  RefillRules none = morphine_rules();
  none.safety_margin = Duration(0);
  const FixedRateFigures bare{kGas30.nominal_flow, 150, Volume(1'000'000), Volume(0)};
  const FixedRateRefillPlan p =
      fixed_rate_next_refill(paris, filled, Volume(30'000'000), bare, none);
  EXPECT_EQ(paris.minute_at(p.refill.due_utc_ms), "2027-03-25 00:00");
  EXPECT_NE(p.refill.local.reason.find("the reservoir can run empty on 2027-03-26 at the label's "
                                       "+15 % (1.15 mL/day): refill the day before at the latest"),
            std::string::npos)
      << p.refill.local.reason;
}

// The refill date is a bound: however full, fast and tolerant the pump, wherever the clinic
// (across daylight saving too), the whole local day it names ends before the reservoir can reach
// its residual volume at the label's fastest flow, computed exactly (no rounding).
RC_GTEST_PROP(FixedRateRefill, TheDueDayEndsBeforeTheFastestFlowEmptiesTheReservoir, ()) {
  const host::TimeZone zone =
      host::find_time_zone(
          *rc::gen::element("Europe/Paris", "America/New_York", "UTC", "Australia/Lord_Howe"))
          .value();
  const FixedRateFigures pump{FlowRate(*rc::gen::inRange<std::int64_t>(100'000, 3'000'000)),
                              *rc::gen::inRange<std::int32_t>(0, 400),
                              Volume(*rc::gen::inRange<std::int64_t>(0, 3'000'000)),
                              Volume(*rc::gen::inRange<std::int64_t>(0, 5'000'000))};
  const Volume fill(*rc::gen::inRange<std::int64_t>(0, 60'000'000));
  const std::int64_t filled = *rc::gen::inRange<std::int64_t>(1'767'225'600'000,   // 2026
                                                              1'861'920'000'000);  // 2029
  RefillRules rules = morphine_rules();
  rules.safety_margin = days(*rc::gen::inRange<std::int64_t>(0, 10));
  const FixedRateRefillPlan p = fixed_rate_next_refill(zone, filled, fill, pump, rules);
  // The reservoir cannot be empty before empty_at_worst: usable / (nominal x (1 + tol)) days.
  const Int128 usable = std::max<std::int64_t>(fill.count() - pump.residual_volume.count(), 0);
  RC_ASSERT(static_cast<Int128>(p.empty_at_worst_utc_ms - filled) * pump.nominal_flow.count() *
                (1000 + pump.flow_tolerance_permille) <=
            usable * 1000 * kMillisPerDay);
  // The due day's end (the next local midnight) is not after it.
  const std::int64_t due_day = floor_div(zone.local(p.refill.due_utc_ms).ms(), kMillisPerDay);
  RC_ASSERT(zone.start_of_day(due_day + 1) <= p.empty_at_worst_utc_ms);
  RC_ASSERT(p.empty_at_worst_utc_ms <= p.empty_at_nominal_utc_ms);
}

}  // namespace
}  // namespace itdd::programmer

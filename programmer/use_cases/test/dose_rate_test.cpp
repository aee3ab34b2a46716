// The dose calculator as a use case: the rate rounded down, the pump model's rates, and the drug
// library's verdict on the dose (with the dose in force as the previous therapy).
#include "itdd/programmer/use_cases/dose_rate.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace itdd::programmer {
namespace {

struct Calculator {
  DrugLibrary library = DrugLibrary::load(ITDD_SOURCE_DIR "/data/drug-library.json").value();
  const DrugSpec& morphine = *library.find("morphine");
  static constexpr std::int64_t kMg = 1'000'000;  // ng

  static DoseRateInput input(std::int64_t mg_per_day, std::int64_t mg_per_ml) {
    DoseRateInput in;
    in.dose_per_day = DoseRate(mg_per_day * kMg);
    in.concentration = Concentration(mg_per_ml * kMg);
    return in;
  }
  static bool has(const DoseCheck& check, Level level) {
    return std::any_of(check.findings.begin(), check.findings.end(),
                       [level](const Finding& f) { return f.level == level; });
  }
};

TEST(DoseRateUseCase, TheRateOfADoseRoundedDownAndTheLibrarysVerdict) {
  Calculator c;
  // 5 mg/day at 25 mg/mL: 0.2 mL/day exactly; inside the labelled range.
  const DoseRateOutcome ok = calculate_dose_rate(c.library, c.morphine, Calculator::input(5, 25));
  EXPECT_EQ(ok.flow, FlowRate(200'000));
  EXPECT_FALSE(ok.pump_check.has_value());
  EXPECT_FALSE(Calculator::has(ok.library_check, Level::kHard));
  EXPECT_FALSE(Calculator::has(ok.library_check, Level::kSoft));
  // 1 mg/day at 3 mg/mL: 333,333.3 nL/day, rounded down (never more drug than prescribed).
  const DoseRateOutcome third = calculate_dose_rate(c.library, c.morphine, Calculator::input(1, 3));
  EXPECT_EQ(third.flow, FlowRate(333'333));
  // 21 mg/day is over the library's hard maximum of 20 mg/day.
  const DoseRateOutcome over =
      calculate_dose_rate(c.library, c.morphine, Calculator::input(21, 25));
  EXPECT_TRUE(Calculator::has(over.library_check, Level::kHard));
}

TEST(DoseRateUseCase, ThePumpModelsRatesAndThePreviousDose) {
  Calculator c;
  DoseRateInput input = Calculator::input(1, 25);
  // 0.04 mL/day is below a pump whose lowest rate is 0.048 mL/day: refused with the dose field.
  input.pump = PumpRateLimits{FlowRate(48'000), FlowRate(1'000'000)};
  const DoseRateOutcome low = calculate_dose_rate(c.library, c.morphine, input);
  ASSERT_TRUE(low.pump_check.has_value());
  ASSERT_FALSE(low.pump_check->ok());
  EXPECT_EQ(low.pump_check->error().field, "dose");
  // The same dose with the dose in force given: the library sees where it comes from.
  input.pump.reset();
  input.current = DoseRate(2 * Calculator::kMg);
  input.since_increase = hours(3);
  const DoseRateOutcome with_previous = calculate_dose_rate(c.library, c.morphine, input);
  ASSERT_TRUE(with_previous.library_check.previous_max_daily_dose.has_value());
  EXPECT_EQ(*with_previous.library_check.previous_max_daily_dose, DoseRate(2 * Calculator::kMg));
}

}  // namespace
}  // namespace itdd::programmer

// One reader, one rule: a dose written in a scenario file and the same dose typed at the
// programmer give the same prescription, to the nanogram. The programmer's side is what
// `itdd programmer program --dose TEXT` does (apps/itdd/therapy.cpp, read_program_flags): the
// text read by host::parse_decimal in the drug's base unit, a continuous (or flexible) entry,
// programmer::build_prescription, then the implant's own therapy::validate. The simulator's side
// is a scenario file whose prescription writes the same text, read by sim/scenario. A decimal
// finer than the base unit is refused on both sides with the same words; nothing is rounded.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>

#include "itdd/host/decimal.h"
#include "itdd/host/error_text.h"
#include "itdd/programmer/prescription_entry.h"
#include "itdd/scenario/scenario.h"
#include "scenario_test_support.h"

namespace itdd {
namespace {

struct Drug {
  const char* name;
  DoseUnit unit;
  const char* concentration;  // per mL, in the drug's unit
};

constexpr Drug kMorphine{"morphine", DoseUnit::kMilligram, "1"};
constexpr Drug kZiconotide{"ziconotide", DoseUnit::kMicrogram, "25"};

const host::PumpModelSpec& pump() {
  return *testing::pump_catalog().find("peristaltic-20");
}

// What one side made of the text: the prescription, or the refusal's message.
struct Outcome {
  bool ok = false;
  std::string message;
  therapy::Prescription rx;
};

std::string describe(const Outcome& o) {
  return o.ok ? std::string("accepted") : "refused: " + o.message;
}

Outcome refused(std::string message) {
  return Outcome{false, std::move(message), {}};
}

// `itdd programmer program --drug D --concentration C --dose TEXT` (or --step 00:00=TEXT).
Outcome programmer_side(const Drug& drug, const std::string& dose, bool flexible) {
  const std::int64_t per_unit = nanograms_per(drug.unit);
  const host::Checked<std::int64_t> concentration =
      host::parse_decimal(drug.concentration, per_unit);
  if (!concentration.ok()) return refused(concentration.error().message);
  const host::Checked<std::int64_t> ng = host::parse_decimal(dose, per_unit);
  if (!ng.ok()) return refused(ng.error().message);
  programmer::PrescriptionEntry entry;
  entry.drug = therapy::make_drug(drug.name, drug.unit);
  entry.concentration = Concentration(concentration.value());
  if (flexible) {
    entry.mode = programmer::EntryMode::kFlexible;
    entry.steps = {{std::nullopt, 0, DoseRate(ng.value())},
                   {std::nullopt, 8 * 60, DoseRate(ng.value())}};
  } else {
    entry.mode = programmer::EntryMode::kContinuous;
    entry.dose = DoseRate(ng.value());
  }
  const Result<therapy::Prescription> rx = programmer::build_prescription(entry);
  if (!rx.ok()) return refused(host::message_text(rx.error()));
  // The implant's own check, which the scenario reader also runs; its refusal is printed as the
  // programmer prints it (the requested and the allowed rate beside the reason).
  if (const Status s = therapy::validate(rx.value(), pump().model); !s.ok()) {
    return refused(host::message_text(s.error()));
  }
  return Outcome{true, "", rx.value()};
}

// A scenario file writing the same text in its prescription.
Outcome scenario_side(const Drug& drug, const std::string& dose, bool flexible) {
  const std::string prescription =
      flexible ? R"({"mode": "flexible", "steps": [{"start": "00:00", "dose_per_day": )" + dose +
                     R"(}, {"start": "08:00", "dose_per_day": )" + dose + "}]}"
               : R"({"mode": "continuous", "dose_per_day": )" + dose + "}";
  const std::string text = std::string(R"({
    "name": "exact decimals",
    "pump": {"model": "peristaltic-20"},
    "catheter": {"volume_ml": 0.25},
    "drug": {"name": ")") + drug.name +
                           R"(", "unit": ")" + (drug.unit == DoseUnit::kMilligram ? "mg" : "mcg") +
                           R"(", "concentration": )" + drug.concentration + R"(},
    "initial_fill_ml": 18,
    "start": "2026-01-05T00:00", "duration_days": 1,
    "prescription": )" + prescription +
                           "}";
  const host::Checked<scenario::Scenario> s =
      scenario::parse_scenario_text(text, testing::pump_catalog());
  if (!s.ok()) return refused(s.error().message);
  return Outcome{true, "", s->prescription};
}

// Both sides agree: the same prescription, or a refusal in the same words.
void expect_same(const Drug& drug, const std::string& dose, bool flexible = false) {
  SCOPED_TRACE(std::string(drug.name) + " " + dose + (flexible ? " (flexible)" : ""));
  const Outcome typed = programmer_side(drug, dose, flexible);
  const Outcome written = scenario_side(drug, dose, flexible);
  ASSERT_EQ(typed.ok, written.ok) << "programmer " << describe(typed) << ", scenario "
                                  << describe(written);
  if (typed.ok) {
    const char* difference = therapy::first_difference(typed.rx, written.rx);
    EXPECT_EQ(difference, nullptr) << "the prescriptions differ in " << difference;
  } else {
    EXPECT_EQ(typed.message, written.message);
  }
}

DoseRate accepted_dose(const Drug& drug, const std::string& dose) {
  const Outcome o = scenario_side(drug, dose, false);
  EXPECT_TRUE(o.ok) << dose << ": " << o.message;
  return o.rx.continuous_dose;
}

TEST(ExactDecimals, TrickyDecimalsGiveTheSamePrescription) {
  for (const char* dose : {"0.1", "0.3", "0.7", "1.1", "2.675", "0.048", "24", "2", "2.0",
                           "1.234567", "0.333333", "0.999999", "10.000000"}) {
    expect_same(kMorphine, dose);
    expect_same(kMorphine, dose, true);
  }
  // Exactly the decimal: no double came between.
  EXPECT_EQ(accepted_dose(kMorphine, "0.1"), DoseRate(100'000));
  EXPECT_EQ(accepted_dose(kMorphine, "0.3"), DoseRate(300'000));
  EXPECT_EQ(accepted_dose(kMorphine, "0.7"), DoseRate(700'000));
  EXPECT_EQ(accepted_dose(kMorphine, "1.1"), DoseRate(1'100'000));
  EXPECT_EQ(accepted_dose(kMorphine, "2.675"), DoseRate(2'675'000));
  EXPECT_EQ(accepted_dose(kMorphine, "1.234567"), DoseRate(1'234'567));
  EXPECT_EQ(accepted_dose(kZiconotide, "2.4"), DoseRate(2'400));
}

TEST(ExactDecimals, FinerThanTheBaseUnitIsRefusedTheSameWayOnBothSides) {
  // One decimal more than 1 ng holds, a 1/3 written out, and a tenth written past a double's
  // precision (the same double as 0.1): refused, never rounded, on both sides.
  for (const char* dose : {"1.2345678", "0.3333333333333333", "0.33333333333333333333",
                           "0.10000000000000001", "2.6750000001", "0.0480001"}) {
    expect_same(kMorphine, dose);
    expect_same(kMorphine, dose, true);
    const Outcome o = scenario_side(kMorphine, dose, false);
    EXPECT_NE(o.message.find("at most 6 decimal places"), std::string::npos) << o.message;
  }
  for (const char* dose : {"0.0001", "1.2001", "0.3333"}) {
    expect_same(kZiconotide, dose);
    const Outcome o = scenario_side(kZiconotide, dose, false);
    EXPECT_NE(o.message.find("at most 3 decimal places"), std::string::npos) << o.message;
  }
  // Zeros past the base unit change nothing, on both sides.
  expect_same(kMorphine, "0.1000000000");
  EXPECT_EQ(accepted_dose(kMorphine, "0.1000000000"), DoseRate(100'000));
}

TEST(ExactDecimals, AtThePumpsMinimumAndMaximumRate) {
  // peristaltic-20 (data/pump-models.json): 0.048 to 24 mL/day. At 1 mg/mL the dose in mg/day is
  // the rate in mL/day; ziconotide at 25 mcg/mL reaches the minimum at 1.2 mcg/day.
  ASSERT_EQ(pump().model.min_rate, FlowRate(48'000));
  ASSERT_EQ(pump().model.max_rate, FlowRate(24'000'000));
  for (const char* dose : {"0.048", "0.047999", "0.048001", "24", "23.999999", "24.000001"}) {
    expect_same(kMorphine, dose);
  }
  EXPECT_TRUE(scenario_side(kMorphine, "0.048", false).ok);
  EXPECT_FALSE(scenario_side(kMorphine, "0.047999", false).ok);
  EXPECT_TRUE(scenario_side(kMorphine, "24", false).ok);
  EXPECT_FALSE(scenario_side(kMorphine, "24.000001", false).ok);
  for (const char* dose : {"1.2", "1.199", "1.201"}) expect_same(kZiconotide, dose);
  EXPECT_TRUE(scenario_side(kZiconotide, "1.2", false).ok);
  EXPECT_FALSE(scenario_side(kZiconotide, "1.199", false).ok);
}

// Random decimals with up to 9 places (3 past a mg's base unit): both sides give the same base
// units, or refuse in the same words; and what is accepted is never more than the decimal
// written (it is exactly the decimal: count / 10^6 == text).
RC_GTEST_PROP(ExactDecimals, BothSidesGiveTheSameBaseUnits, ()) {
  const int places = *rc::gen::inRange(0, 10);
  const std::int64_t whole = *rc::gen::inRange<std::int64_t>(0, 30);
  std::string fraction;
  for (int i = 0; i < places; ++i) fraction += static_cast<char>('0' + *rc::gen::inRange(0, 10));
  const std::string dose = std::to_string(whole) + (places > 0 ? "." + fraction : "");
  const bool flexible = *rc::gen::arbitrary<bool>();
  const Outcome typed = programmer_side(kMorphine, dose, flexible);
  const Outcome written = scenario_side(kMorphine, dose, flexible);
  RC_ASSERT(typed.ok == written.ok);
  if (!typed.ok) {
    RC_ASSERT(typed.message == written.message);
    return;
  }
  RC_ASSERT(therapy::first_difference(typed.rx, written.rx) == nullptr);
  // The exact value of the text in 10^-places mg, against the count in ng (10^-6 mg).
  Int128 exact = whole;
  for (int i = 0; i < places; ++i)
    exact = exact * 10 + (fraction[static_cast<std::size_t>(i)] - '0');
  const DoseRate ng =
      flexible ? written.rx.flex.days[0].steps[0].dose_rate() : written.rx.continuous_dose;
  // count x 10^places <= exact x 10^6, and here equal.
  Int128 lhs = ng.count();
  Int128 rhs = exact;
  for (int i = 0; i < places; ++i) lhs *= 10;
  for (int i = 0; i < 6; ++i) rhs *= 10;
  RC_ASSERT(lhs <= rhs);
  RC_ASSERT(lhs == rhs);
}

}  // namespace
}  // namespace itdd

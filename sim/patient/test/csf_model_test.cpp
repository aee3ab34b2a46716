// The two-compartment CSF model against the continuous equations it integrates: exact mass
// balance, the steady state rate / CL and its lumbar : cisternal ratio, the terminal half-life,
// and a bolus against an independent fine-step integration of the same equations.
#include "itdd/sim/csf_model.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>

namespace itdd::sim {
namespace {

constexpr std::int64_t kOne = std::int64_t{1} << CsfModel::kFractionBits;

// Morphine's population figures (data/csf-pharmacokinetics.json).
CsfDrugParams morphine() {
  return CsfDrugParams{340'000, 42'000'000, 7000};
}
CsfPhysiology csf() {
  return CsfPhysiology{200'000, 300};
}

// fg per one-minute step of `ng_per_day`.
std::int64_t per_step(std::int64_t ng_per_day) {
  return ng_per_day * 1'000'000 / 1440;
}

TEST(CsfModel, CompartmentsFollowFromTheParameters) {
  const CsfCompartments c = compartments_of(morphine(), csf());
  EXPECT_DOUBLE_EQ(c.lumbar_volume_ml, 12.6);
  EXPECT_DOUBLE_EQ(c.cisternal_volume_ml, 29.4 * 7);
  EXPECT_NEAR(c.cisternal_clearance_ml_per_min, 0.2 * 6, 1e-12);
  EXPECT_NEAR(c.lumbar_clearance_ml_per_min, 0.34 - 0.2 * 6 / 7, 1e-12);
  EXPECT_EQ(minimum_clearance_nl_per_min(morphine(), csf()), 171'429);
  // The published terminal half-life is 94-196 min: the model's, from V, CL, R and Q, is in it.
  EXPECT_GT(c.terminal_half_life_min, 94);
  EXPECT_LT(c.terminal_half_life_min, 196);
}

TEST(CsfModel, EachColumnKeepsAtMostAllOfIt) {
  const CsfModel m(morphine(), csf());
  const CsfModel::Coefficients& k = m.coefficients();
  EXPECT_LE(k.lumbar_from_lumbar + k.cisternal_from_lumbar, kOne);
  EXPECT_LE(k.lumbar_from_cisternal + k.cisternal_from_cisternal, kOne);
  EXPECT_LE(k.lumbar_from_input + k.cisternal_from_input, kOne);
  EXPECT_GT(k.lumbar_from_input, k.cisternal_from_input);
}

TEST(CsfModel, ConstantInfusionReachesRateOverClearance) {
  CsfModel m(morphine(), csf());
  const std::int64_t dose = 2'000'000;  // 2 mg/day
  for (int i = 0; i < 3 * 24 * 60; ++i) m.step(per_step(dose));
  // 2 mg/day / (0.34 mL/min x 1440) = 4084.97 ng/mL.
  EXPECT_EQ(m.steady_state_pg_per_ml(dose), 4'084'967);
  EXPECT_NEAR(static_cast<double>(m.lumbar_pg_per_ml()), 4'084'967.0, 4'084'967.0 * 1e-4);
  // Lumbar : cisternal 7:1.
  EXPECT_NEAR(
      static_cast<double>(m.lumbar_pg_per_ml()) / static_cast<double>(m.cisternal_pg_per_ml()), 7.0,
      1e-3);
  EXPECT_EQ(m.entered_fg(), m.cleared_fg() + m.lumbar_fg() + m.cisternal_fg());
}

// The same equations integrated independently (classic Runge-Kutta, 1 s steps, doubles).
struct Reference {
  double lumbar_ml, cisternal_ml, q, cl_l, cl_c;
  double a_l = 0, a_c = 0;
  void derivative(double l, double c, double& dl, double& dc) const {
    dl = -(cl_l + q) * l / lumbar_ml + q * c / cisternal_ml;
    dc = q * l / lumbar_ml - (q + cl_c) * c / cisternal_ml;
  }
  void run(double minutes) {
    const double h = 1.0 / 60;
    for (double t = 0; t < minutes - 1e-9; t += h) {
      double k1l, k1c, k2l, k2c, k3l, k3c, k4l, k4c;
      derivative(a_l, a_c, k1l, k1c);
      derivative(a_l + h / 2 * k1l, a_c + h / 2 * k1c, k2l, k2c);
      derivative(a_l + h / 2 * k2l, a_c + h / 2 * k2c, k3l, k3c);
      derivative(a_l + h * k3l, a_c + h * k3c, k4l, k4c);
      a_l += h / 6 * (k1l + 2 * k2l + 2 * k3l + k4l);
      a_c += h / 6 * (k1c + 2 * k2c + 2 * k3c + k4c);
    }
  }
};

TEST(CsfModel, ABolusDecaysAsTheEquationsSay) {
  CsfModel m(morphine(), csf());
  const CsfCompartments& c = m.compartments();
  Reference ref{c.lumbar_volume_ml, c.cisternal_volume_ml, c.exchange_ml_per_min,
                c.lumbar_clearance_ml_per_min, c.cisternal_clearance_ml_per_min};
  // 1 mg over the first minute: the reference gets it at the end of a one-minute infusion,
  // which the model's step integrates exactly.
  const std::int64_t bolus_fg = 1'000'000'000'000'000;
  m.step(bolus_fg);
  {
    Reference infusion = ref;
    const double rate = static_cast<double>(bolus_fg);  // per minute
    const double h = 1.0 / 600;
    for (int i = 0; i < 600; ++i) {
      double dl, dc;
      infusion.derivative(infusion.a_l, infusion.a_c, dl, dc);
      infusion.a_l += h * (dl + rate);
      infusion.a_c += h * dc;
    }
    ref.a_l = infusion.a_l;
    ref.a_c = infusion.a_c;
  }
  EXPECT_NEAR(static_cast<double>(m.lumbar_fg()), ref.a_l, ref.a_l * 1e-3);
  for (int minute = 1; minute < 10 * 60; ++minute) m.step(0);
  ref.run(10 * 60 - 1);
  EXPECT_NEAR(static_cast<double>(m.lumbar_fg()), ref.a_l, ref.a_l * 1e-3);
  EXPECT_NEAR(static_cast<double>(m.cisternal_fg()), ref.a_c, ref.a_c * 1e-3);
  // In the terminal phase the total halves every terminal half-life.
  const double before = static_cast<double>(m.lumbar_fg() + m.cisternal_fg());
  const int half_life = static_cast<int>(std::lround(c.terminal_half_life_min));
  for (int i = 0; i < half_life; ++i) m.step(0);
  EXPECT_NEAR(static_cast<double>(m.lumbar_fg() + m.cisternal_fg()) / before, 0.5, 0.01);
  EXPECT_EQ(m.entered_fg(), bolus_fg);
  EXPECT_EQ(m.entered_fg(), m.cleared_fg() + m.lumbar_fg() + m.cisternal_fg());
}

TEST(CsfModel, NothingInNothingThere) {
  CsfModel m(morphine(), csf());
  for (int i = 0; i < 100; ++i) m.step(0);
  EXPECT_EQ(m.lumbar_fg(), 0);
  EXPECT_EQ(m.cleared_fg(), 0);
  m.step(-5);  // never negative drug
  EXPECT_EQ(m.entered_fg(), 0);
}

// Parameters anywhere in the readers' ranges that keep the lumbar clearance from going negative.
rc::Gen<std::pair<CsfDrugParams, CsfPhysiology>> any_patient() {
  return rc::gen::exec([] {
    CsfPhysiology p;
    p.exchange_nl_per_min = *rc::gen::inRange<std::int64_t>(20'000, 2'000'000);
    p.lumbar_share_permille = *rc::gen::inRange<std::int64_t>(50, 951);
    CsfDrugParams d;
    d.lumbar_to_cisternal_milli = *rc::gen::inRange<std::int64_t>(1000, 20'001);
    d.volume_nl = *rc::gen::inRange<std::int64_t>(5'000'000, 500'000'001);
    d.clearance_nl_per_min =
        minimum_clearance_nl_per_min(d, p) + *rc::gen::inRange<std::int64_t>(10'000, 3'000'001);
    return std::make_pair(d, p);
  });
}

RC_GTEST_PROP(CsfModelProperty, DrugInIsDrugClearedPlusDrugPresent, ()) {
  const auto [drug, physiology] = *any_patient();
  CsfModel m(drug, physiology);
  const auto inputs = *rc::gen::container<std::vector<std::int64_t>>(
      *rc::gen::inRange<std::size_t>(1, 400),
      rc::gen::oneOf(rc::gen::just<std::int64_t>(0),
                     rc::gen::inRange<std::int64_t>(0, 1'000'000'000'000'000)));
  std::int64_t in = 0;
  for (const std::int64_t u : inputs) {
    m.step(u);
    in += u;
    // Exactly, at every step: the rounding only decides how much of it is cleared.
    RC_ASSERT(m.entered_fg() == in);
    RC_ASSERT(m.cleared_fg() + m.lumbar_fg() + m.cisternal_fg() == in);
    RC_ASSERT(m.lumbar_fg() >= 0);
    RC_ASSERT(m.cisternal_fg() >= 0);
    RC_ASSERT(m.cleared_fg() >= 0);
  }
}

RC_GTEST_PROP(CsfModelProperty, SteadyStateIsRateOverClearance, ()) {
  const auto [drug, physiology] = *any_patient();
  CsfModel m(drug, physiology);
  const std::int64_t ng_per_day = *rc::gen::inRange<std::int64_t>(1'000, 50'000'000);
  const std::int64_t fg_per_step = ng_per_day * 1'000'000 / 1440;
  // 40 terminal half-lives: the transient is below 2^-40 of the level.
  const double t_half = m.compartments().terminal_half_life_min;
  const int steps = static_cast<int>(std::ceil(40 * t_half));
  for (int i = 0; i < steps; ++i) m.step(fg_per_step);
  // The input per step was rounded down to the fg: the exact steady state of that input.
  const double expected_pg_per_ml =
      static_cast<double>(fg_per_step) * 1000.0 / static_cast<double>(drug.clearance_nl_per_min);
  // Rounding: each step drops under 3 fg per compartment, 2^-40 per coefficient.
  const double lumbar_ml = static_cast<double>(m.lumbar_volume_nl()) / 1e6;
  const double tolerance =
      expected_pg_per_ml * 1e-6 + 3.0 * 1000.0 * 4 * t_half / lumbar_ml / 1e6 + 1;
  RC_ASSERT(std::abs(static_cast<double>(m.lumbar_pg_per_ml()) - expected_pg_per_ml) <= tolerance);
  // And the ratio the parameters give.
  const double ratio = static_cast<double>(drug.lumbar_to_cisternal_milli) / 1000.0;
  RC_ASSERT(std::abs(static_cast<double>(m.cisternal_pg_per_ml()) - expected_pg_per_ml / ratio) <=
            tolerance + expected_pg_per_ml * 1e-6);
}

}  // namespace
}  // namespace itdd::sim
